"""AIQN-VAE: loss wiring and a short training on bundled digits."""

import keras
import numpy as np
from scipy import stats
import tensorflow as tf

from aiqn_tf.models.latent import aiqn_vae
from aiqn_tf.data import datasets
from aiqn_tf.core import images as image_lib
from aiqn_tf.models import sampling


def _model():
  keras.utils.set_random_seed(0)
  return aiqn_vae.AIQNVAE((8, 8, 1), latent_dim=6, hidden_units=(64,) * 3,
                          head_units=8)


class AIQNVAETest(tf.test.TestCase):

  def test_loss_wiring(self):
    model = _model()
    images = tf.random.uniform((4, 8, 8, 1), -1, 1)
    tau = tf.random.uniform((4, 6))
    with tf.GradientTape(persistent=True) as tape:
      parts = {k: tf.reduce_mean(v)
               for k, v in model.compute_losses(images, tau).items()}
    self.assertAllClose(parts['total'], parts['reconstruction'] +
                        0.5 * parts['kl'] + parts['quantile'])
    # The quantile loss trains the AIQN only: no gradient reaches the VAE.
    vae_grads = tape.gradient(parts['quantile'],
                              model.vae.trainable_variables)
    self.assertTrue(all(g is None for g in vae_grads))
    aiqn_grads = tape.gradient(parts['quantile'],
                               model.aiqn.trainable_variables)
    self.assertTrue(all(g is not None for g in aiqn_grads))
    self.assertTrue(all(g is None for g in tape.gradient(
        parts['reconstruction'], model.aiqn.trainable_variables)))

  def test_short_training_lowers_both_losses(self):
    model = _model()
    optimizer = keras.optimizers.Adam(2e-3)
    images = image_lib.to_float(datasets.as_arrays('digits', 'train')['images'])
    rng = np.random.default_rng(0)

    @tf.function
    def step(batch, tau):
      with tf.GradientTape() as tape:
        parts = {k: tf.reduce_mean(v)
                 for k, v in model.compute_losses(batch, tau).items()}
      variables = model.trainable_variables
      optimizer.apply_gradients(zip(tape.gradient(parts['total'], variables),
                                    variables))
      return parts

    history = []
    for _ in range(300):
      batch = tf.gather(images, rng.integers(0, len(images), 64))
      parts = step(batch, tf.random.uniform((64, 6)))
      history.append([float(parts['reconstruction'] + 0.5 * parts['kl']),
                      float(parts['quantile'])])
    history = np.array(history)
    first, last = history[:20].mean(0), history[-20:].mean(0)
    self.assertLess(last[0], 0.8 * first[0])  # VAE loss.
    self.assertLess(last[1], 0.8 * first[1])  # AIQN loss.

    # Samples of the trained model: shape, range, and a fixed point of the
    # AIQN's sequential sampler.
    noise = sampling.draw_noise((5, 6), seed=1)
    for latent_sampler in aiqn_vae.LATENT_SAMPLERS:
      samples = tf.function(lambda n, s=latent_sampler: sampling.sample(
          model, n, s))(noise)
      self.assertEqual(samples.shape, (5, 8, 8, 1))
      self.assertBetween(float(tf.reduce_min(samples)), -1.0, 1.0)
      self.assertBetween(float(tf.reduce_max(samples)), -1.0, 1.0)
    z = model.aiqn_codes(noise)
    self.assertAllClose(model.aiqn({'z': z, 'tau': noise}), z, atol=1e-5)

  def test_paper_size_takes_a_step(self):
    # CelebA 64x64x3, latent 32, AIQN 3 x 512 (the paper's AIQN-VAE).
    keras.utils.set_random_seed(0)
    model = aiqn_vae.AIQNVAE((64, 64, 3))
    model(tf.zeros((1, 64, 64, 3)))
    self.assertEqual(model.aiqn.trunk_0.kernel.shape, (32, 512))
    self.assertLen(model.aiqn.trunk, 3)
    optimizer = keras.optimizers.Adam(2e-4, beta_1=0.5)
    before = [w.numpy() for w in model.trainable_weights]
    with tf.GradientTape() as tape:
      parts = model.compute_losses(tf.random.uniform((2, 64, 64, 3), -1, 1),
                                   tf.random.uniform((2, 32)))
      loss = tf.reduce_mean(parts['total'])
    grads = tape.gradient(loss, model.trainable_weights)
    self.assertTrue(all(g is not None for g in grads))
    optimizer.apply_gradients(zip(grads, model.trainable_weights))
    self.assertTrue(np.isfinite(loss.numpy()))
    self.assertTrue(all(np.any(b != w.numpy()) for b, w in
                        zip(before, model.trainable_weights)))
    self.assertEqual(model.generate(tf.fill((1, 32), 0.5)).shape,
                     (1, 64, 64, 3))

  def test_prior_codes_are_gaussian_quantiles(self):
    model = _model()
    u = np.array([[1e-9, 0.025, 0.5, 0.975, 1.0, 0.3]], np.float32)
    expected = np.sqrt(0.1) * stats.norm.ppf(
        np.clip(u, aiqn_vae.EPS, 1 - aiqn_vae.EPS))
    self.assertAllClose(model.prior_codes(u), expected, rtol=1e-4)

  def test_plain_vae(self):
    model = aiqn_vae.VAE((8, 8, 1), latent_dim=6, kl_weight=1.0,
                         prior_variance=1.0)
    model(tf.zeros((1, 8, 8, 1)))
    self.assertNotIsInstance(model, aiqn_vae.AIQNVAE)
    self.assertEqual((model.sample_methods, model.latent_methods),
                     (('prior',), ('prior',)))
    parts = model.compute_losses(tf.zeros((2, 8, 8, 1)), tf.zeros((2, 6)))
    self.assertAllEqual(parts['quantile'], [0.0, 0.0])
    self.assertAllClose(parts['total'], parts['reconstruction'] + parts['kl'])
    self.assertEqual(sampling.sample(model, tf.fill((3, 6), 0.5)).shape,
                     (3, 8, 8, 1))
    with self.assertRaisesRegex(ValueError, 'no latent AIQN'):
      model.generate(tf.fill((3, 6), 0.5), 'aiqn')

  def test_the_first_releases_keywords_still_build(self):
    # A 0.3.0 .keras file of the VAE holds AIQN-VAE's keywords, one of
    # AIQN-VAE holds use_aiqn=True.
    vae = aiqn_vae.VAE((8, 8, 1), latent_dim=6, use_aiqn=False,
                       hidden_units=(8,), head_units=4, kappa=0.01)
    self.assertEqual(vae.get_config()['latent_dim'], 6)
    self.assertIsInstance(aiqn_vae.AIQNVAE((8, 8, 1), latent_dim=6,
                                           use_aiqn=True), aiqn_vae.AIQNVAE)
    with self.assertRaisesRegex(ValueError, "kind 'vae'"):
      aiqn_vae.AIQNVAE((8, 8, 1), latent_dim=6, use_aiqn=False)


if __name__ == '__main__':
  tf.test.main()
