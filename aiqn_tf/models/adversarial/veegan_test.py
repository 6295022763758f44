"""VEEGAN: its losses as Algorithm 1's, which player trains what, serving."""

import numpy as np
import tensorflow as tf

from aiqn_tf.core import images as image_lib
from aiqn_tf.models.adversarial import veegan


def _batch(seed=0):
  rng = np.random.default_rng(seed)
  return {'images': tf.constant(rng.integers(0, 256, (16, 8, 8, 1)),
                                tf.uint8)}


def _model():
  tf.keras.utils.set_random_seed(0)
  return veegan.VEEGAN((8, 8, 1), latent_dim=4, filters=4,
                       joint_units=8).build_all()


class VEEGANTest(tf.test.TestCase):

  def test_losses_are_algorithm_1(self):
    model = _model()
    batch = _batch()
    noise = model.training_noise(16, tf.constant([5, 6]))
    x = image_lib.to_float(batch['images'])
    z = tf.math.ndtri(noise['tau'])
    g = model.generator(z)
    f = model.reconstructor
    d = lambda codes, images: tf.sigmoid(model.discriminator([codes, images]))
    self.assertAllClose(
        model.discriminator_loss(batch, noise, False)[0],
        -np.log(d(f(x), x)) - np.log(1 - d(z, g)), rtol=1e-4, atol=1e-5)
    generator_loss, parts = model.generator_loss(batch, noise, False)
    code_error = np.sum(np.square(z - f(g)), axis=1)
    self.assertAllClose(parts['code_reconstruction'], code_error, rtol=1e-5)
    self.assertAllClose(generator_loss,
                        -np.log(d(z, g) / (1 - d(z, g))) + code_error,
                        rtol=1e-4, atol=1e-5)

  def test_each_player_trains_its_networks(self):
    model = _model()
    ids = lambda variables: {id(v) for v in variables}
    players = {p.name: ids(p.variables()) for p in model.players()}
    self.assertEqual(list(players), ['discriminator', 'generator'])
    self.assertEqual(players['discriminator'],
                     ids(model.discriminator.trainable_variables))
    self.assertEqual(players['generator'],
                     ids(model.generator.trainable_variables +
                         model.reconstructor.trainable_variables))
    self.assertEqual(players['discriminator'] | players['generator'],
                     ids(model.trainable_variables))
    self.assertIs(model.averaged_layer(), model.generator)

  def test_the_reconstructor_learns_from_the_code_loss_alone(self):
    # Algorithm 1: F's gradient is that of ||z - F(G(z))||^2; the
    # adversarial term does not depend on F.
    model = _model()
    batch = _batch()
    noise = model.training_noise(16, tf.constant([1, 2]))
    weights = model.reconstructor.trainable_variables
    with tf.GradientTape(persistent=True) as tape:
      loss, parts = model.generator_loss(batch, noise, False)
      total, code = tf.reduce_sum(loss), tf.reduce_sum(
          parts['code_reconstruction'])
    for got, expected in zip(tape.gradient(total, weights),
                             tape.gradient(code, weights)):
      self.assertAllClose(got, expected, rtol=1e-5, atol=1e-6)
    self.assertGreater(
        sum(float(tf.reduce_sum(tf.abs(g)))
            for g in tape.gradient(code, weights)), 0.0)

  def test_a_discriminator_step_calls_data_pairs_real(self):
    model = _model()
    batch = _batch()
    noise = model.training_noise(16, tf.constant([3, 4]))
    player = model.players()[0]

    def gap():
      x = image_lib.to_float(batch['images'])
      z = tf.math.ndtri(noise['tau'])
      d = model.discriminator
      return float(tf.reduce_mean(d([model.reconstructor(x), x])) -
                   tf.reduce_mean(d([z, model.generator(z)])))

    before = gap()
    with tf.GradientTape() as tape:
      loss = tf.reduce_mean(player.loss(batch, noise, False)[0])
    variables = player.variables()
    for variable, grad in zip(variables, tape.gradient(loss, variables)):
      variable.assign_sub(0.05 * grad)
    self.assertGreater(gap(), before)

  def test_serving_and_the_codes_of_images(self):
    model = _model()
    signatures = model.serving_signatures()
    self.assertEqual(list(signatures), ['sample', 'reconstruct'])
    u = tf.constant(np.random.default_rng(0).uniform(size=(3, 4)), tf.float32)
    self.assertAllEqual(signatures['sample'](u)['images'], image_lib.to_uint8(
        model.generator(tf.math.ndtri(u))))
    images = _batch()['images'][:3]
    x = image_lib.to_float(images)
    self.assertAllEqual(signatures['reconstruct'](images)['images'],
                        image_lib.to_uint8(model.generator(
                            model.reconstructor(x))))
    mean, log_variance = model.encode(x)
    self.assertAllClose(mean, model.reconstructor(x))
    self.assertAllEqual(tf.exp(log_variance), tf.zeros_like(mean))


if __name__ == '__main__':
  tf.test.main()
