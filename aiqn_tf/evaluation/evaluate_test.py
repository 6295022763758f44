"""Evaluation against known cases: latent distances, held-out loss."""

import keras
import numpy as np
import scipy.special
import tensorflow as tf

from aiqn_tf.core import images as image_lib
from aiqn_tf.models.latent import aiqn_vae
from aiqn_tf.models.heads import likelihood
from aiqn_tf.models.heads import pixel_cnn
from aiqn_tf.models.heads import pixel_iqn
from aiqn_tf.evaluation import evaluate as evaluation
from aiqn_tf.testing import test_util


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



class HeldOutLossTest(tf.test.TestCase):

  def _examples(self, n=10):
    rng = np.random.default_rng(0)
    return {'images': rng.integers(0, 256, (n, 4, 4, 3), np.uint8),
            'labels': rng.integers(0, 3, n).astype(np.int32)}

  def test_pixel_cnn_bits_per_dim_is_the_mean_cross_entropy(self):
    keras.utils.set_random_seed(0)
    model = pixel_cnn.PixelCNN((4, 4, 3), num_layers=2, filters=6,
                               output_filters=6, num_classes=3)
    model.build_all()
    examples = self._examples()
    results = evaluation.held_out_loss(model, examples, batch_size=3)
    logits = model(model.model_inputs(examples)).numpy().reshape(
        10, 4, 4, 3, 256)
    log_p = logits - scipy.special.logsumexp(logits, -1, keepdims=True)
    nats = -np.take_along_axis(
        log_p, examples['images'][..., None].astype(int), -1)
    self.assertAllClose(results['test_bits_per_dim'],
                        nats.mean() / np.log(2), rtol=1e-5)
    self.assertAllClose(results['test_loss'], nats.sum() / 10, rtol=1e-5)
    # No noise: the batching does not matter.
    self.assertAllClose(
        evaluation.held_out_loss(model, examples, batch_size=64,
                                 prefix='train')['train_loss'],
        results['test_loss'], rtol=1e-5)

  def test_pixel_iqn_loss_is_seeded_and_drops_with_a_fit(self):
    keras.utils.set_random_seed(0)
    model = pixel_iqn.PixelIQN((4, 4, 3), num_layers=2, filters=6,
                               output_filters=6)
    model.build_all()
    examples = self._examples()
    first = evaluation.held_out_loss(model, examples, seed=1)
    self.assertEqual(first, evaluation.held_out_loss(model, examples, seed=1))
    self.assertNotEqual(first, evaluation.held_out_loss(model, examples,
                                                        seed=2))
    # The quantile loss of a constant image, before and after fitting it.
    constant = {'images': np.full((10, 4, 4, 3), 200, np.uint8)}
    before = evaluation.held_out_loss(model, constant)['test_loss']
    optimizer = keras.optimizers.Adam(1e-2)
    for step in range(60):
      with tf.GradientTape() as tape:
        loss, _ = model.per_example_loss(
            constant, model.training_noise(10, tf.constant([0, step])))
        loss = tf.reduce_mean(loss)
      grads = tape.gradient(loss, model.trainable_variables)
      optimizer.apply_gradients(zip(grads, model.trainable_variables))
    self.assertLess(evaluation.held_out_loss(model, constant)['test_loss'],
                    0.2 * before)


class EstimatedLikelihoodTest(tf.test.TestCase):

  def test_is_the_smoothed_log_prob_in_bits_per_dim(self):
    model = test_util.trained_model(pixel_iqn.PixelIQN, (3, 3, 1), steps=20)
    images = np.random.default_rng(3).integers(0, 256, (5, 3, 3, 1),
                                               np.uint8)
    results = evaluation.estimated_likelihood(
        model, {'images': images}, batch_size=5, epsilon=0.05)
    log_p, parts = likelihood.log_prob(model, image_lib.to_float(images),
                                       epsilon=0.05)
    self.assertAllClose(results['test_bits_per_dim'],
                        np.mean(-log_p.numpy()) / (9 * np.log(2)), rtol=1e-5)
    self.assertAllClose(results['test_unreachable'],
                        np.mean(parts['unreachable']), rtol=1e-6)
    self.assertEqual(results['likelihood_epsilon'], 0.05)
    # Random images: a small model cannot reach most of their levels.
    self.assertGreater(results['test_unreachable'], 0.0)
    # A last batch padded to the batch size gives figures of its images
    # only: finite, and in the range of the unpadded ones.
    padded = evaluation.estimated_likelihood(
        model, {'images': images}, batch_size=4, epsilon=0.05)
    self.assertAllClose(padded['test_bits_per_dim'],
                        results['test_bits_per_dim'], rtol=0.2)


if __name__ == '__main__':
  tf.test.main()
