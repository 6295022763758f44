"""The independent critic: about 0 for the data's own distribution, growing away."""

import numpy as np
import tensorflow as tf

from aiqn_tf.data import bundled
from aiqn_tf.evaluation import independent_critic


def _digits():
  images = bundled.arrays('digits', 'train')['images']
  return images[np.random.default_rng(0).permutation(len(images))]


class IndependentCriticTest(tf.test.TestCase):

  def test_zero_for_the_same_distribution_and_growing_with_noise(self):
    images = _digits()
    test, same = images[:300], images[300:600]
    rng = np.random.default_rng(1)
    estimates = []
    for noise in (0.0, 60.0, 120.0):
      samples = np.clip(same + rng.normal(0, noise, same.shape), 0,
                        255).round().astype(np.uint8)
      estimates.append(independent_critic.wasserstein_estimate(
          test, samples, steps=300)['critic_wasserstein'])
    self.assertLess(abs(estimates[0]), 0.5 * estimates[1])
    self.assertLess(estimates[1], estimates[2])

  def test_held_out_halves_see_what_the_critic_overfits(self):
    # Four test images against four others: the critic learns the training
    # halves (a large estimate there) but not the distribution.
    images = _digits()
    result = independent_critic.wasserstein_estimate(
        images[:8], images[8:16], steps=300)
    self.assertGreater(result['critic_wasserstein_train'],
                       result['critic_wasserstein'])

  def test_refuses_too_few_images_and_odd_sizes(self):
    images = _digits()
    with self.assertRaisesRegex(ValueError, 'at least 4'):
      independent_critic.wasserstein_estimate(images[:3], images[:8])
    with self.assertRaisesRegex(ValueError, 'image_size'):
      independent_critic.wasserstein_estimate(
          np.zeros((8, 6, 6, 1), np.uint8), np.zeros((8, 6, 6, 1), np.uint8))


if __name__ == '__main__':
  tf.test.main()
