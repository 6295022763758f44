"""VAE-F, CQ, CQ-F: the likelihood against its formula and against quadrature,
the quality loss as its formula, the players, sampling and serving."""

import math

import numpy as np
from scipy import stats
import tensorflow as tf

from aiqn_tf.core import images as image_lib
from aiqn_tf.models.latent import coverage_quality as cq
from aiqn_tf.testing import test_util


def _batch(size=8, seed=0):
  rng = np.random.default_rng(seed)
  return {'images': tf.constant(rng.integers(0, 256, (size, 8, 8, 1)),
                                tf.uint8)}


def _model(kind=cq.CQF, seed=0, **kwargs):
  tf.keras.utils.set_random_seed(seed)
  model = kind((8, 8, 1), **dict(dict(latent_dim=4, flow_units=8, filters=4),
                                 **kwargs)).build_all()
  test_util.randomize_weights(model, seed)
  return model


class LikelihoodTest(tf.test.TestCase):

  def test_decoder_density_is_the_gaussian_of_the_flow_times_its_jacobian(self):
    # Eq. 8: p(x | z) = N(f(x); mu(z), sigma(z)) |det df/dx|.
    model = _model(cq.VAEF, flow_steps=2)
    decoder = model.decoder
    x = tf.random.stateless_uniform((2, 8, 8, 1), [1, 2], -1, 1)
    z = tf.random.stateless_normal((2, 4), [3, 4])
    with tf.GradientTape() as tape:
      tape.watch(x)
      y, _ = decoder.flow.forward(x)
    jacobian = tape.batch_jacobian(y, x).numpy().reshape(2, 64, 64)
    mean, scale = (t.numpy() for t in decoder.parameters(z))
    expected = [
        stats.norm.logpdf(y[i], mean[i], scale[i]).sum() +
        np.linalg.slogdet(jacobian[i].astype(np.float64))[1]
        for i in range(2)]
    self.assertAllClose(decoder.log_prob(x, z), expected, rtol=1e-4)
    without_flow = _model(cq.CQ).decoder
    mean, scale = (t.numpy() for t in without_flow.parameters(z))
    self.assertAllClose(
        without_flow.log_prob(x, z),
        stats.norm.logpdf(x.numpy(), mean, scale).sum(axis=(1, 2, 3)),
        rtol=1e-5)

  def test_elbo_and_iwae_bound_the_likelihood_from_quadrature(self):
    # With one latent dimension, p(x + u) = int p(x + u | z) N(z; 0, 1) dz
    # by quadrature. In expectation the ELBO (log_prob with K = 1) lies
    # below log p(x + u) + D log(cell), and the IWAE bound rises to it as K
    # grows. u moves log p(x + u) by far less than the tolerances here, so
    # the exact values are averaged over draws of their own.
    model = _model(cq.VAEF, latent_dim=1, flow_steps=2, seed=1)
    images = image_lib.to_float(_batch(4)['images'])
    grid = np.linspace(-8, 8, 401, dtype=np.float32)
    x = tf.concat([images + (tf.random.stateless_uniform(
        tf.shape(images), [9, draw]) - 0.5) * cq.CELL for draw in range(5)],
                  axis=0)
    log_joint = model.decoder.log_prob(
        tf.repeat(x, len(grid), axis=0),
        tf.tile(grid[:, None], [len(x), 1])).numpy().reshape(len(x), -1)
    exact = (np.logaddexp.reduce(log_joint + stats.norm.logpdf(grid), axis=1)
             + np.log(grid[1] - grid[0])).reshape(5, 4).mean(axis=0)
    exact += model.num_dims * math.log(cq.CELL)
    estimate = lambda k, seeds: np.mean([model.log_prob(
        images, num_samples=k, seed=seed).numpy() for seed in seeds], axis=0)
    elbo, iwae = estimate(1, range(20)), estimate(100, range(4))
    self.assertTrue(np.all(elbo < exact), (elbo, exact))
    self.assertGreater(np.mean(exact - elbo), 1.0)
    self.assertAllClose(iwae, exact, atol=0.25)
    self.assertGreater(np.mean(iwae), np.mean(elbo))

  def test_bits_per_dim_part_is_the_elbo_in_bits(self):
    model = _model(cq.VAEF)
    batch = _batch()
    noise = model.training_noise(8, tf.constant([2, 3]))
    loss, parts = model.coverage_loss(batch, noise, False)
    self.assertAllClose(
        parts['bits_per_dim'],
        (loss + math.log(127.5)) / math.log(2.0), rtol=1e-5)


class QualityTest(tf.test.TestCase):

  def test_losses_are_their_formulas(self):
    model = _model(cq.CQF, quality_weight=2.0)
    batch = _batch()
    noise = model.training_noise(8, tf.constant([5, 6]))
    samples = model.generate(noise['tau'], 'model')
    d = lambda x: tf.sigmoid(model.discriminator(x)).numpy()
    coverage, _ = model.coverage_loss(batch, noise, False)
    loss, parts = model.vae_loss(batch, noise, False)
    self.assertAllClose(parts['quality'],
                        -np.log(d(samples) / (1 - d(samples))), rtol=1e-4)
    self.assertAllClose(loss, coverage + 2.0 * parts['quality'], rtol=1e-5)
    self.assertAllClose(
        model.discriminator_loss(batch, noise, False)[0],
        -np.log(d(image_lib.to_float(batch['images']))) -
        np.log(1 - d(samples)), rtol=1e-4, atol=1e-5)

  def test_players(self):
    ids = lambda variables: {id(v) for v in variables}
    single = _model(cq.VAEF)
    self.assertIsNone(single.discriminator)
    self.assertEqual([p.name for p in single.players()], ['model'])
    model = _model(cq.CQ)
    players = {p.name: ids(p.variables()) for p in model.players()}
    self.assertEqual(list(players), ['vae', 'discriminator'])
    self.assertEqual(players['discriminator'],
                     ids(model.discriminator.trainable_variables))
    self.assertEqual(players['vae'] | players['discriminator'],
                     ids(model.trainable_variables))
    self.assertFalse(players['vae'] & players['discriminator'])
    self.assertIs(model.averaged_layer(), model)


class SamplingTest(tf.test.TestCase):

  def test_model_samples_add_feature_noise_and_mean_samples_do_not(self):
    model = _model(cq.CQF)
    u = tf.random.stateless_uniform((3,) + model.noise_shape, [0, 1])
    other = tf.concat([u[:, :4], 1 - u[:, 4:]], axis=1)  # Same codes.
    self.assertAllClose(model.sample(u, 'mean'), model.sample(other, 'mean'))
    self.assertNotAllClose(model.sample(u), model.sample(other))
    z = tf.math.ndtri(u[:, :4])
    epsilon = tf.reshape(tf.math.ndtri(u[:, 4:]), (3, 8, 8, 1))
    mean, scale = model.decoder.parameters(z)
    self.assertAllClose(model.decoder.flow.forward(model.generate(u))[0],
                        mean + scale * epsilon, atol=1e-4)
    signatures = model.serving_signatures()
    self.assertAllEqual(signatures['sample'](u)['images'],
                        image_lib.to_uint8(model.sample(u)))
    images = _batch(3)['images']
    self.assertAllEqual(
        signatures['reconstruct'](images)['images'],
        image_lib.to_uint8(model.reconstruct(image_lib.to_float(images))))

  def test_settings_out_of_range_are_refused(self):
    with self.assertRaisesRegex(ValueError, 'not class-conditional'):
      cq.VAEF((8, 8, 1), num_classes=10)
    with self.assertRaisesRegex(ValueError, 'flow_steps'):
      cq.VAEF((8, 8, 1), flow_steps=-1)


if __name__ == '__main__':
  tf.test.main()
