"""The sampling noise: seeded, in range, truncated."""

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

  def test_sampling_keeps_the_first_releases_name(self):
    self.assertIs(sampling.draw_noise, noise.draw_noise)


if __name__ == '__main__':
  tf.test.main()
