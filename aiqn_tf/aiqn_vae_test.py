"""AIQN-VAE: loss wiring and a short training on bundled digits."""

import keras
import numpy as np
import tensorflow as tf

from aiqn_tf import aiqn_vae
from aiqn_tf import datasets
from aiqn_tf import images as image_lib


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
      parts = model.compute_losses(images, tau)
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
        parts = model.compute_losses(batch, tau)
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


if __name__ == '__main__':
  tf.test.main()
