"""The latent distances of AIQN-VAE evaluation against known cases."""

import keras
import numpy as np
import tensorflow as tf

from aiqn_tf.models import aiqn_vae
from aiqn_tf.evaluation import evaluate as evaluation


class LatentDistancesTest(tf.test.TestCase):

  def test_prior_far_from_codes_is_measured_far(self):
    images = np.random.default_rng(0).integers(0, 256, (400, 8, 8, 1),
                                               np.uint8)
    results = {}
    for variance in (1.0, 100.0):
      keras.utils.set_random_seed(0)  # The same encoder for both priors.
      model = aiqn_vae.AIQNVAE((8, 8, 1), latent_dim=4, hidden_units=(8,),
                               head_units=2, prior_variance=variance)
      model(tf.zeros((1, 8, 8, 1)))
      # Codes of an untrained encoder: mean about 0, posterior std about 1.
      results[variance] = evaluation.latent_distances(model, images)
    near, far = results[1.0], results[100.0]
    self.assertEqual(near['latent_num_codes'], 200)
    # With prior std 10, W1 per dimension is about E|10 X - X'| - ... >> 1.
    self.assertGreater(far['latent_w1_prior'], 5.0)
    self.assertGreater(far['latent_fd_prior'], 100 * near['latent_fd_prior'])
    self.assertLess(near['latent_w1_prior'], 0.5)
    # The floor (other images' codes) is the same for both priors and small;
    # every dimension of an untrained encoder is active (std ~1 < 5) for the
    # wide prior and none (1 > 0.5) for the unit one.
    self.assertAllClose(near['latent_w1_floor'], far['latent_w1_floor'])
    self.assertLess(near['latent_w1_floor'], 0.3)
    self.assertEqual(far['latent_active_dims'], 4)
    self.assertEqual(near['latent_active_dims'], 0)
    self.assertTrue(np.isnan(near['latent_w1_active_prior']))


if __name__ == '__main__':
  tf.test.main()
