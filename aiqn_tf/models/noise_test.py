"""The sampling noise: seeded, in range, truncated."""

import numpy as np
import tensorflow as tf

from aiqn_tf.models import noise
from aiqn_tf.models import sampling


class NoiseTest(tf.test.TestCase):

  def test_truncation_keeps_tau_in_range(self):
    for a in (1.0, 0.5, 0.01):
      tau = noise.draw_noise((64, 8, 8, 3), seed=0, truncation=a).numpy()
      self.assertGreaterEqual(tau.min(), 0.5 - a / 2)
      self.assertLessEqual(tau.max(), 0.5 + a / 2)
      self.assertGreater(tau.max() - tau.min(), 0.9 * a)
    self.assertAllEqual(noise.draw_noise((2, 3), 7),
                        noise.draw_noise((2, 3), 7))
    for bad in (0.0, 1.5):
      with self.assertRaisesRegex(ValueError, 'truncation'):
        noise.draw_noise((2, 3), 0, bad)

  def test_interpolants_of_uniform_noise_are_uniform(self):
    start = noise.draw_noise((20_000,), seed=1)
    end = noise.draw_noise((20_000,), seed=2)
    path = noise.interpolate(start, end, 5).numpy()
    self.assertAllClose(path[0], start, atol=1e-5)
    self.assertAllClose(path[-1], end, atol=1e-5)
    for values in path:  # Each interpolant's histogram is flat.
      counts = np.histogram(values, bins=10, range=(0, 1))[0] / len(values)
      self.assertAllClose(counts, np.full(10, 0.1), atol=0.012)
    # A plain mix piles up at 0.5: the test above would see it.
    middle = np.histogram(0.5 * (start + end), bins=10, range=(0, 1))[0]
    self.assertGreater(middle.max() / len(start), 0.15)
    with self.assertRaisesRegex(ValueError, 'num'):
      noise.interpolate(start, end, 1)

  def test_sampling_keeps_the_first_releases_name(self):
    self.assertIs(sampling.draw_noise, noise.draw_noise)


if __name__ == '__main__':
  tf.test.main()
