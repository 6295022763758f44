"""Mode counts against the mixture's own samples and collapsed ones."""

import numpy as np
from absl.testing import absltest

from aiqn_tf.data import mixtures
from aiqn_tf.evaluation import modes


class CoverageTest(absltest.TestCase):

  def test_the_mixture_itself_covers_every_mode(self):
    # A 2-D Gaussian sample lies within 3 sds of its centre with probability
    # P(chi2_2 <= 9) = 1 - exp(-9 / 2); the modes are far enough apart that
    # its nearest centre is its own.
    for name in ('ring', 'grid'):
      mixture = mixtures.MIXTURES[name]
      samples, _ = mixture.sample(20_000, seed=3)
      result = modes.coverage(samples, mixture.centers, mixture.std)
      self.assertEqual(result['modes'], mixture.num_modes)
      expected = 1 - np.exp(-4.5)
      self.assertAlmostEqual(result['high_quality'], expected, delta=4 *
                             np.sqrt(expected * (1 - expected) / 20_000))

  def test_a_collapsed_sampler_covers_one_mode(self):
    mixture = mixtures.MIXTURES['ring']
    samples = mixture.centers[3] + 0.5 * mixture.std * np.random.default_rng(
        0).standard_normal((2500, 2))
    self.assertEqual(modes.coverage(samples, mixture.centers, mixture.std),
                     {'modes': 1, 'high_quality': 1.0})
    # Between the modes: nothing of high quality, nothing captured.
    between = np.zeros((100, 2))
    self.assertEqual(modes.coverage(between, mixture.centers, mixture.std),
                     {'modes': 0, 'high_quality': 0.0})

  def test_min_count(self):
    centers = np.array([[0.0, 0.0], [10.0, 0.0]])
    samples = np.array([[0.0, 0.0]] * 5 + [[10.0, 0.0]])
    counts, _ = modes.mode_counts(samples, centers, 1.0)
    np.testing.assert_array_equal(counts, [5, 1])
    self.assertEqual(modes.coverage(samples, centers, 1.0, min_count=2)[
        'modes'], 1)

  def test_shapes_are_checked(self):
    with self.assertRaisesRegex(ValueError, 'one D'):
      modes.coverage(np.zeros((4, 3)), np.zeros((2, 2)), 1.0)


class HistogramKLTest(absltest.TestCase):

  def test_uniform_is_zero_and_one_mode_is_log_k(self):
    self.assertAlmostEqual(modes.histogram_kl(np.arange(1000) % 10, 10), 0.0)
    self.assertAlmostEqual(modes.histogram_kl(np.zeros(50, int), 10),
                           np.log(10))
    # Half the modes, evenly: log 2.
    self.assertAlmostEqual(modes.histogram_kl(np.arange(1000) % 5, 10),
                           np.log(2))


if __name__ == '__main__':
  absltest.main()
