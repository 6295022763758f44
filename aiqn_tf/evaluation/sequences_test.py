"""Tests of the held-out scores of sequence models."""

import numpy as np
from scipy import special
from scipy import stats
import tensorflow as tf

from aiqn_tf.core import events
from aiqn_tf.evaluation import sequences
from aiqn_tf.testing import conformance


class _GaussianQuantiles:
  """A stand-in quantile model: every step's law N(mean, scale^2)."""

  uses_tau = True

  def __init__(self, mean, scale, shape):
    self.mean, self.scale = mean, scale
    self.space = events.EventSpace('sequences', shape, 'float')

  def model_inputs(self, batch, tau):
    return {'sequences': tf.cast(batch['sequences'], tf.float32), 'tau': tau}

  def __call__(self, inputs):
    return self.mean + self.scale * tf.math.ndtri(inputs['tau'])


class CRPSTest(tf.test.TestCase):

  def test_matches_the_gaussian_closed_form(self):
    mean, scale = 0.2, 0.5
    y = np.random.default_rng(0).normal(0.0, 1.0, (40, 50, 1))
    model = _GaussianQuantiles(mean, scale, (50, 1))
    estimate = sequences.crps(model, {'sequences': y}, draws=64)
    z = (y - mean) / scale
    # Gneiting & Raftery (2007), eq. 21.
    exact = scale * (z * (2 * stats.norm.cdf(z) - 1) + 2 * stats.norm.pdf(z)
                     - 1 / np.sqrt(np.pi))
    self.assertAllClose(estimate, exact.mean(), rtol=0.01)
    # A sharper law centred on the data scores better.
    centred = _GaussianQuantiles(0.0, 1.0, (50, 1))
    self.assertLess(sequences.crps(centred, {'sequences': y}, draws=64),
                    estimate)

  def test_runs_on_a_quantile_wavenet(self):
    model = conformance.tiny_model('pixel_iqn', 'wavenet', (16, 1))
    pcm = np.random.default_rng(1).uniform(-0.1, 0.1, (5, 16, 1))
    score = sequences.crps(model, {'sequences': pcm}, draws=2, batch_size=2)
    self.assertGreater(score, 0.0)
    self.assertEqual(score, sequences.crps(model, {'sequences': pcm},
                                           draws=2, batch_size=2))
    with self.assertRaisesRegex(ValueError, 'bits per 16-bit sample'):
      sequences.bits_per_sample(model, {'sequences': pcm})


class BitsPerSampleTest(tf.test.TestCase):

  def test_mu_law_codes_spread_over_the_16_bit_values_sum_to_one(self):
    widths = sequences.mu_law_widths()
    self.assertEqual(widths.sum(), 65536)
    self.assertGreaterEqual(widths.min(), 1)
    # Finer near silence: the code of 0 covers fewer values than the loudest.
    silence = int(events.mu_law_encode(0.0))
    self.assertLess(widths[silence], widths[0])
    logits = np.random.default_rng(2).normal(size=256)
    log_codes = logits - special.logsumexp(logits)
    codes = events.mu_law_encode(np.arange(-32768, 32768) / 32768).numpy()
    log_p16 = log_codes[codes] - np.log(widths[codes])
    self.assertAllClose(np.exp(special.logsumexp(log_p16)), 1.0, atol=1e-9)

  def test_each_head_of_sound_on_the_16_bit_grid(self):
    pcm = np.random.default_rng(3).integers(-4000, 4000, (3, 8, 1),
                                            dtype=np.int16)
    mixture = conformance.tiny_model('pixel_cnn_pp', 'wavenet', (8, 1),
                                     values='int16')
    self.assertEqual(mixture.space.values, 'int16')
    nats, _ = mixture.per_example_loss({'sequences': pcm}, {})
    self.assertAllClose(sequences.bits_per_sample(mixture, {'sequences': pcm}),
                        np.sum(nats) / pcm.size / np.log(2), rtol=1e-5)
    softmax = conformance.tiny_model('pixel_cnn', 'wavenet', (8, 1))
    self.assertEqual(softmax.space.values, 'mu_law')
    codes = events.mu_law_encode(pcm / 32768.0).numpy()
    nats, _ = softmax.per_example_loss({'sequences': codes}, {})
    spread = np.log(sequences.mu_law_widths()[codes]).sum()
    self.assertAllClose(sequences.bits_per_sample(softmax, {'sequences': pcm}),
                        (np.sum(nats) + spread) / pcm.size / np.log(2),
                        rtol=1e-5)


if __name__ == '__main__':
  tf.test.main()
