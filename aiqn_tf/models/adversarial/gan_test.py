"""WGAN-GP and DCGAN: networks sized per image, losses as their formulas, serving."""

from absl.testing import parameterized
import numpy as np
import tensorflow as tf

from aiqn_tf.core import images as image_lib
from aiqn_tf.models.adversarial import adversarial_losses
from aiqn_tf.models.adversarial import dcgan_networks
from aiqn_tf.models.adversarial import gan
from aiqn_tf.models import noise as noise_lib


def _batch(shape, seed=0):
  rng = np.random.default_rng(seed)
  return {'images': tf.constant(rng.integers(0, 256, (4,) + shape), tf.uint8)}


class NetworksTest(tf.test.TestCase, parameterized.TestCase):

  @parameterized.parameters(((8, 8, 1), 1), ((28, 28, 1), 2),
                            ((32, 32, 3), 3), ((64, 64, 3), 4))
  def test_sizes_of_every_preset(self, shape, stages):
    self.assertEqual(dcgan_networks.num_stages(shape[0]), stages)
    generator = dcgan_networks.generator(shape, 5, 4)
    images = generator(tf.random.normal([2, 5]))
    self.assertEqual(images.shape, (2,) + shape)
    self.assertAllInRange(images, -1.0, 1.0)
    critic = dcgan_networks.discriminator(shape, 4, batch_norm=False)
    self.assertEqual(critic(images).shape, (2,))
    codes = dcgan_networks.encoder(shape, 5, 4)(images)
    self.assertEqual(codes.shape, (2, 5))
    joint = dcgan_networks.joint_discriminator(shape, 5, 4, 8)
    self.assertEqual(joint([codes, images]).shape, (2,))

  def test_a_size_that_does_not_halve_is_refused(self):
    with self.assertRaisesRegex(ValueError, 'image_size'):
      dcgan_networks.num_stages(6)

  def test_critic_scores_each_example_alone(self):
    # The gradient penalty needs it: no batch norm, no mixing of examples.
    critic = dcgan_networks.discriminator((8, 8, 1), 4, batch_norm=False)
    x = tf.random.normal([3, 8, 8, 1])
    together = critic(x)
    self.assertAllClose(together, [float(critic(x[i:i + 1])[0])
                                   for i in range(3)], atol=1e-6)


class CallTest(tf.test.TestCase, parameterized.TestCase):

  @parameterized.parameters(
      (gan.WGANGP, 'critic'), (gan.DCGAN, 'discriminator'))
  def test_a_call_judges_the_images_it_is_given(self, kind, judge):
    model = kind((8, 8, 1), latent_dim=4, filters=4).build_all()
    x = image_lib.to_float(_batch((8, 8, 1))['images'])
    self.assertAllClose(model(x), getattr(model, judge)(x))
    self.assertNotAllClose(model(x), model(-x))
    self.assertNotEmpty(model.generator.weights)  # Built by build_all.


class WGANGPTest(tf.test.TestCase):

  def setUp(self):
    super().setUp()
    tf.keras.utils.set_random_seed(0)
    self.model = gan.WGANGP((8, 8, 1), latent_dim=4, filters=4,
                            critic_steps=3, penalty_weight=10.0).build_all()
    self.noise = self.model.training_noise(4, tf.constant([1, 2]))

  def test_players_and_their_weights(self):
    critic, generator = self.model.players()
    self.assertEqual((critic.name, critic.updates), ('critic', 3))
    self.assertEqual((generator.name, generator.updates), ('generator', 1))
    ids = lambda vs: {id(v) for v in vs}
    self.assertEqual(ids(critic.variables()),
                     ids(self.model.critic.trainable_variables))
    self.assertEqual(ids(generator.variables()),
                     ids(self.model.generator.trainable_variables))
    self.assertIs(self.model.averaged_layer(), self.model.generator)

  def test_critic_loss_is_its_formula(self):
    batch = _batch((8, 8, 1))
    loss, parts = self.model.critic_loss(batch, self.noise, training=False)
    real = image_lib.to_float(batch['images'])
    fake = self.model.generator(noise_lib.gaussian_quantiles(
        self.noise['tau']), training=False)
    f = self.model.critic
    penalty = adversarial_losses.gradient_penalty(f, real, fake,
                                                  self.noise['mix'])
    self.assertAllClose(loss, f(fake) - f(real) + 10.0 * penalty, atol=1e-5)
    self.assertAllClose(parts['wasserstein'], f(real) - f(fake), atol=1e-5)
    self.assertAllClose(parts['gradient_penalty'], penalty, atol=1e-5)

  def test_generator_loss_moves_only_the_generator(self):
    with tf.GradientTape() as tape:
      loss, _ = self.model.generator_loss(None, self.noise, training=False)
      loss = tf.reduce_mean(loss)
    grads = tape.gradient(loss, self.model.generator.trainable_variables +
                          self.model.critic.trainable_variables)
    generator_count = len(self.model.generator.trainable_variables)
    self.assertTrue(all(g is not None for g in grads[:generator_count]))
    # The critic's gradient of -f(G(z)) exists, but its player does not
    # train on it: the critic loss stops the samples' gradient instead.
    with tf.GradientTape() as tape:
      loss, _ = self.model.critic_loss(_batch((8, 8, 1)), self.noise)
    grads = tape.gradient(tf.reduce_mean(loss),
                          self.model.generator.trainable_variables)
    self.assertTrue(all(g is None for g in grads))


class DCGANTest(tf.test.TestCase):

  def test_losses_are_the_non_saturating_formulas(self):
    tf.keras.utils.set_random_seed(0)
    model = gan.DCGAN((8, 8, 1), latent_dim=4, filters=4).build_all()
    noise = model.training_noise(4, tf.constant([3, 4]))
    batch = _batch((8, 8, 1))
    # In inference mode, so that batch norm uses fixed statistics.
    loss, _ = model.discriminator_loss(batch, noise, training=False)
    real = model.discriminator(image_lib.to_float(batch['images']))
    fake = model.discriminator(model.generate(noise['tau']))
    self.assertAllClose(loss, -np.log(tf.sigmoid(real)) -
                        np.log(1 - tf.sigmoid(fake)), rtol=1e-4)
    loss, _ = model.generator_loss(batch, noise, training=False)
    self.assertAllClose(loss, -np.log(tf.sigmoid(fake)), rtol=1e-4)


class ServingTest(tf.test.TestCase):

  def test_uniform_noise_through_gaussian_quantiles(self):
    tf.keras.utils.set_random_seed(0)
    model = gan.DCGAN((8, 8, 1), latent_dim=4, filters=4).build_all()
    u = tf.constant(np.random.default_rng(0).uniform(size=(3, 4)),
                    tf.float32)
    images = model.serving_signatures()['sample'](u)['images']
    expected = model.generator(tf.math.ndtri(u), training=False)
    self.assertAllEqual(images, image_lib.to_uint8(expected))
    with self.assertRaisesRegex(Exception, r'tau must be in \[0, 1\]'):
      model.serving_signatures()['sample'](u + 1.0)

  def test_capabilities_it_lacks_are_refused_by_name(self):
    model = gan.WGANGP((8, 8, 1), latent_dim=4, filters=4).build_all()
    noise = tf.fill([2, 4], 0.5)
    with self.assertRaisesRegex(ValueError, 'inpaint'):
      model.sample(noise, images=tf.zeros([2, 8, 8, 1]), num_fixed=3)
    with self.assertRaisesRegex(ValueError, 'not class-conditional'):
      model.sample(noise, labels=tf.constant([0, 1]))
    with self.assertRaisesRegex(ValueError, 'not class-conditional'):
      gan.WGANGP((8, 8, 1), num_classes=10)
    self.assertFalse(model.can_reconstruct)


if __name__ == '__main__':
  tf.test.main()
