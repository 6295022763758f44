"""AAE, alpha-GAN and VGH: which way each player pushes, the players' weights,
the losses as their formulas, serving."""

import numpy as np
import tensorflow as tf

from aiqn_tf.core import images as image_lib
from aiqn_tf.models.adversarial import adversarial_autoencoder as aa


def _batch(seed=0):
  rng = np.random.default_rng(seed)
  return {'images': tf.constant(rng.integers(0, 256, (16, 8, 8, 1)),
                                tf.uint8)}


def _step(model, player, batch, noise, rate=0.05):
  """One plain gradient step of `player` on its own variables."""
  variables = player.variables()
  with tf.GradientTape() as tape:
    loss = tf.reduce_mean(player.loss(batch, noise, False)[0])
  for variable, grad in zip(variables, tape.gradient(loss, variables)):
    if grad is not None:
      variable.assign_sub(rate * grad)


def _code_logits(model, batch, noise):
  """Mean C(z) on prior codes and on the encoder's codes."""
  _, posterior, prior = model._codes(batch, noise, False)  # pylint: disable=protected-access
  c = model.code_discriminator
  return float(tf.reduce_mean(c(prior))), float(tf.reduce_mean(c(posterior)))


class CodeDiscriminatorTest(tf.test.TestCase):

  def _models(self):
    tf.keras.utils.set_random_seed(0)
    return [aa.AAE((8, 8, 1), latent_dim=4, code_units=8).build_all(),
            aa.AlphaGAN((8, 8, 1), latent_dim=4, code_units=8,
                        filters=4).build_all()]

  def test_prior_codes_are_real_and_the_encoder_moves_towards_them(self):
    # The corrected alpha-GAN form: C learns to call prior codes real, and
    # the encoder's step raises C on its own codes. Swapped terms (the first
    # arXiv version) would move both the other way.
    batch = _batch()
    for model in self._models():
      noise = model.training_noise(16, tf.constant([0, 1]))
      players = {p.name: p for p in model.players()}
      prior, posterior = _code_logits(model, batch, noise)
      _step(model, players['code_discriminator'], batch, noise)
      prior_after, posterior_after = _code_logits(model, batch, noise)
      self.assertGreater(prior_after - posterior_after, prior - posterior,
                         model.kind)
      _step(model, players['encoder'], batch, noise)
      self.assertGreater(_code_logits(model, batch, noise)[1],
                         posterior_after, model.kind)

  def test_each_player_trains_only_its_network(self):
    for model in self._models():
      vae = model.vae
      encoder = {id(v) for v in model.encoder_variables()}
      decoder = {id(v) for v in vae.decoder.trainable_variables}
      self.assertEqual(encoder | decoder,
                       {id(v) for v in vae.trainable_variables})
      players = {p.name: {id(v) for v in p.variables()}
                 for p in model.players()}
      self.assertEqual(players['encoder'], encoder)
      self.assertEqual(players['code_discriminator'], {
          id(v) for v in model.code_discriminator.trainable_variables})
      if model.kind == 'alpha_gan':
        self.assertEqual(list(players), ['encoder', 'generator',
                                         'discriminator',
                                         'code_discriminator'])
        self.assertEqual(players['generator'], decoder)
      else:
        self.assertEqual(list(players), ['autoencoder', 'code_discriminator',
                                         'encoder'])
      self.assertIs(model.averaged_layer(), vae.decoder)


class AlphaGANLossTest(tf.test.TestCase):

  def test_losses_are_algorithm_1_and_vgh_drops_the_samples(self):
    # alpha-GAN (= VGH++, Rosca et al. 2018's Algorithm 5) judges
    # reconstructions and samples; VGH (their eq. 8) reconstructions only.
    for kind, with_samples in ((aa.AlphaGAN, 1.0), (aa.VGH, 0.0)):
      tf.keras.utils.set_random_seed(0)
      model = kind((8, 8, 1), latent_dim=4, code_units=8, filters=4,
                   reconstruction_weight=3.0).build_all()
      batch = _batch()
      noise = model.training_noise(16, tf.constant([5, 6]))
      images, posterior, prior = model._codes(batch, noise, False)  # pylint: disable=protected-access
      rec, gen = model.vae.decode(posterior), model.vae.decode(prior)
      l1 = 3.0 * tf.reduce_mean(tf.abs(images - rec), [1, 2, 3])
      d = lambda x: tf.sigmoid(model.discriminator(x))  # pylint: disable=cell-var-from-loop
      c = tf.sigmoid(model.code_discriminator(posterior))
      ratio = lambda p: -np.log(p / (1 - p))
      self.assertAllClose(model.encoder_loss(batch, noise, False)[0],
                          l1 + ratio(c), rtol=1e-4, atol=1e-5)
      self.assertAllClose(
          model.generator_loss(batch, noise, False)[0],
          l1 + ratio(d(rec)) + with_samples * ratio(d(gen)), rtol=1e-4,
          atol=1e-5)
      self.assertAllClose(
          model.discriminator_loss(batch, noise, False)[0],
          -np.log(d(images)) - np.log(1 - d(rec)) -
          with_samples * np.log(1 - d(gen)), rtol=1e-4, atol=1e-5)


class ServingTest(tf.test.TestCase):

  def test_sample_and_reconstruct(self):
    tf.keras.utils.set_random_seed(0)
    model = aa.AAE((8, 8, 1), latent_dim=4, code_units=8).build_all()
    signatures = model.serving_signatures()
    self.assertEqual(list(signatures), ['sample', 'reconstruct'])
    u = tf.constant(np.random.default_rng(0).uniform(size=(3, 4)), tf.float32)
    self.assertAllEqual(signatures['sample'](u)['images'], image_lib.to_uint8(
        model.vae.decode(tf.math.ndtri(u))))
    images = _batch()['images'][:3]
    self.assertAllEqual(
        signatures['reconstruct'](images)['images'],
        image_lib.to_uint8(model.reconstruct(image_lib.to_float(images))))
    self.assertAllClose(model.codes(u), tf.math.ndtri(u))


if __name__ == '__main__':
  tf.test.main()
