"""The PIT against models' own samples (uniform) and against other laws."""

import numpy as np
import scipy.stats
import tensorflow as tf

import aiqn_tf
from aiqn_tf.core import images as image_lib
from aiqn_tf.testing import test_util
from experiments import _calibration as calibration


def _samples(model, noise):
  return image_lib.to_uint8(model.sample(noise, 'fast')).numpy()


class PitTest(tf.test.TestCase):

  def test_pixel_cnn_own_samples_are_uniform(self):
    # Its sampler draws every sub-pixel from the conditional given the past
    # it drew, so the PIT of its samples is exactly uniform.
    model = test_util.trained_model(aiqn_tf.PixelCNN, (3, 3, 3))
    rng = np.random.default_rng(0)
    images = _samples(model, rng.uniform(size=(300, 3, 3, 3)))
    u = calibration.pit(model, images)
    self.assertGreater(scipy.stats.kstest(u.ravel(), 'uniform').pvalue, 0.01)
    self.assertAllClose(calibration.summary(u)['variance_ratio'], 1.0,
                        atol=0.05)

  def test_pixel_cnn_detects_narrow_and_wide_laws(self):
    model = test_util.trained_model(aiqn_tf.PixelCNN, (3, 3, 3))
    u = np.random.default_rng(1).uniform(size=(300, 3, 3, 3))
    # Noise pushed to its ends draws from wider laws than the model's: the
    # model is over-confident for such images; noise near 1/2, the reverse.
    wide = calibration.pit(model, _samples(model, np.where(
        u < 0.5, 0.5 * (2 * u)**3, 1 - 0.5 * (2 - 2 * u)**3)))
    narrow = calibration.pit(model, _samples(model, 0.5 + 0.2 * (u - 0.5)))
    self.assertGreater(calibration.summary(wide)['variance_ratio'], 1.3)
    self.assertGreater(calibration.summary(wide)['tails'], 0.2)
    self.assertLess(calibration.summary(narrow)['variance_ratio'], 0.5)

  def test_pixel_iqn_one_sub_pixel_own_samples_are_uniform(self):
    # With one sub-pixel there is no past tau: the law of round(Q(tau)) is
    # exactly what the sampler draws; F is a share of 400 draws.
    model = test_util.trained_model(aiqn_tf.PixelIQN, (1, 1, 1))
    rng = np.random.default_rng(2)
    images = _samples(model, rng.uniform(size=(300, 1, 1, 1)))
    self.assertGreater(len(np.unique(images)), 5)  # Not a point mass.
    u = calibration.pit(model, images, num_draws=400)
    self.assertGreater(scipy.stats.kstest(u.ravel(), 'uniform').pvalue, 0.01)
    levels = np.arange(256, dtype=np.uint8)
    drawn = set(np.unique(images))
    beyond = calibration.summary(calibration.pit(
        model, levels[[l not in drawn and (l < min(drawn) or l > max(drawn))
                       for l in levels]].reshape(-1, 1, 1, 1),
        num_draws=400))['beyond']
    self.assertEqual(beyond, 1.0)  # Levels outside every draw.

  def test_bad_input(self):
    model = test_util.trained_model(aiqn_tf.PixelCNN, (3, 3, 3), steps=1)
    with self.assertRaisesRegex(ValueError, r'\[N, 3, 3, 3\]'):
      calibration.pit(model, np.zeros((2, 3, 3, 1), np.uint8))


class SummaryTest(tf.test.TestCase):

  def test_against_formula(self):
    s = calibration.summary([0.0, 1.0, 0.5, 0.5, 0.97, 0.3])
    u = np.array([0.0, 1.0, 0.5, 0.5, 0.97, 0.3])
    self.assertAllClose(s['variance_ratio'], 12 * u.var())
    self.assertAllClose(s['tails'], 3 / 6)
    self.assertAllClose(s['beyond'], 2 / 6)
    self.assertAllClose(np.sum(s['histogram']), 1.0)


class RecalibratedNoiseTest(tf.test.TestCase):

  def test_uniform_pit_leaves_noise_and_tails_move_it(self):
    rng = np.random.default_rng(3)
    noise = rng.uniform(size=(10, 10, 10))
    same = calibration.recalibrated_noise(rng.uniform(size=100_000), noise)
    self.assertAllClose(same, noise, atol=0.01)
    tails = np.concatenate([rng.uniform(0, 0.1, 50_000),
                            rng.uniform(0.9, 1, 50_000)])
    moved = calibration.recalibrated_noise(tails, noise).numpy()
    self.assertTrue(np.all((moved <= 0.1) | (moved >= 0.9)))
    # Order kept: a quantile map.
    order = np.argsort(noise.ravel())
    self.assertTrue(np.all(np.diff(moved.ravel()[order]) >= 0))


if __name__ == '__main__':
  tf.test.main()
