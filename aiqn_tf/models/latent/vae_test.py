"""The ported VAE: LynnHo's layer structure, shapes, and its KL term."""

import numpy as np
import tensorflow as tf

from aiqn_tf.models.latent import vae


class ConvVAETest(tf.test.TestCase):

  def test_celeba_size_matches_lynnho_conv_64(self):
    model = vae.ConvVAE((64, 64, 3), latent_dim=32)
    images = tf.random.uniform((2, 64, 64, 3), -1, 1)
    recon, mean, log_variance, z = model(images)
    self.assertEqual(recon.shape, (2, 64, 64, 3))
    self.assertEqual((mean.shape, log_variance.shape, z.shape),
                     ((2, 32),) * 3)
    self.assertLessEqual(float(tf.reduce_max(tf.abs(recon))), 1.0)
    convs = [l for l in model.encoder.layers
             if isinstance(l, tf.keras.layers.Layer) and 'conv' in l.name]
    self.assertEqual([l.filters for l in convs], [64, 128, 256, 512])
    self.assertTrue(all(not l.use_bias for l in convs))
    deconvs = [l for l in model.decoder.layers if 'transpose' in l.name]
    self.assertEqual([l.filters for l in deconvs], [256, 128, 64, 3])
    self.assertEqual(model.decoder.layers[0].units, 4 * 4 * 512)

  def test_small_sizes(self):
    for shape in ((8, 8, 1), (32, 32, 1)):
      model = vae.ConvVAE(shape, latent_dim=4)
      self.assertEqual(model.decode(tf.zeros((3, 4))).shape, (3,) + shape)
    with self.assertRaisesRegex(ValueError, '8, 16, 32 or 64'):
      vae.ConvVAE((25, 25, 1))

  def test_kl_against_formula(self):
    rng = np.random.default_rng(0)
    mean = rng.normal(size=(5, 3))
    log_variance = rng.normal(size=(5, 3))
    for prior in (1.0, 0.1):
      _, kl = vae.vae_losses(tf.zeros((5, 1, 1, 1)), tf.zeros((5, 1, 1, 1)),
                             tf.constant(mean, tf.float32),
                             tf.constant(log_variance, tf.float32),
                             prior)
      # KL(N(m, s^2) || N(0, p)) = log(sqrt(p)/s) + (s^2 + m^2) / (2p) - 1/2.
      s2 = np.exp(log_variance)
      expected = (0.5 * np.log(prior / s2) + (s2 + mean**2) / (2 * prior)
                  - 0.5).mean(-1)
      self.assertAllClose(kl, expected)
    _, zero = vae.vae_losses(tf.zeros((2, 1, 1, 1)), tf.zeros((2, 1, 1, 1)),
                             tf.zeros((2, 3)),
                             tf.fill((2, 3), float(np.log(0.1))), 0.1)
    self.assertAllClose(zero, [0.0, 0.0], atol=1e-7)


if __name__ == '__main__':
  tf.test.main()
