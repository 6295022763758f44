"""PixelCNN++ head: layout, causality, sampling by inverse CDF, paper size."""

import keras
import numpy as np
import tensorflow as tf

import aiqn_tf
from aiqn_tf.core import events
from aiqn_tf.core import images as image_lib
from aiqn_tf.models import losses
from aiqn_tf.testing import test_util


class PixelCNNPPTest(tf.test.TestCase):

  def test_causal_in_raster_and_rgb_order(self):
    model = aiqn_tf.PixelCNNPP((3, 3, 3), num_layers=2, filters=6,
                               kernel_size=3, output_filters=24,
                               num_mixtures=2)
    images = tf.random.uniform((1, 3, 3, 3), -1, 1)
    model({'images': images})
    test_util.randomize_weights(model)
    with tf.GradientTape(persistent=True) as tape:
      tape.watch(images)
      outputs = model({'images': images})
      nll = [model.negative_log_likelihood(
          tf.fill([1], 100), outputs[:, 1, 1, c]) for c in range(3)]
    self.assertEqual(outputs.shape, (1, 3, 3, 3, 6))
    for c in range(3):
      grad = tape.gradient(nll[c], images).numpy()[0]
      seen = np.zeros((3, 3, 3), bool)
      seen[0], seen[1, 0], seen[1, 1, :c] = True, True, True
      # Sub-pixel (1, 1, c) sees every earlier sub-pixel and nothing else.
      self.assertAllEqual(grad != 0, seen)

  def test_samples_follow_the_mixture(self):
    model = aiqn_tf.PixelCNNPP((1, 1, 1), num_layers=1, filters=4,
                               kernel_size=3, output_filters=8,
                               num_mixtures=3)
    outputs = tf.constant([[-1.0, 0.5, 0.0, -0.6, 0.2, 0.95, -3.0, -4.0,
                            -2.5]])
    log_p = model.level_log_probs(outputs)[0]
    self.assertAllClose(tf.reduce_sum(tf.exp(log_p)), 1.0, atol=1e-5)
    # Stratified uniform noise: the levels' frequencies are their P.
    noise = (np.arange(20_000, dtype=np.float32)[:, None] + 0.5) / 20_000
    values = model.sample_values(tf.repeat(outputs, 20_000, 0), noise)
    levels = image_lib.to_uint8(values).numpy()[:, 0]
    frequencies = np.bincount(levels, minlength=256) / 20_000
    self.assertAllClose(frequencies, np.exp(log_p), atol=2e-4)

  def test_16_bit_levels_and_the_bisection_sampler(self):
    space = events.EventSpace('sequences', (6, 1), 'int16', 8000)
    model = aiqn_tf.PixelCNNPP((6, 1), num_layers=2, filters=4,
                               kernel_size=2, output_filters=8,
                               num_mixtures=3, backbone='wavenet',
                               space=space)
    # Three components, one narrow (a few levels wide), one in a tail.
    params = np.array([[0.3, -0.2, 1.0, 0.001, -0.4, 0.999, -9.5, -3.0,
                        -4.0]], np.float32)
    log_p = model.level_log_probs(tf.constant(params))[0].numpy()
    self.assertLen(log_p, 65536)
    probabilities = np.exp(log_p.astype(np.float64))
    self.assertAllClose(probabilities.sum(), 1.0, atol=1e-4)
    # Bisection finds the first level whose CDF reaches the noise: the
    # inverse of the CDF summed in float64 over all 65,536 levels.
    noise = (np.arange(4000, dtype=np.float32)[:, None] + 0.5) / 4000
    values = model.sample_values(tf.repeat(params, 4000, 0), noise)
    levels = space.levels(space.from_float(values)).numpy()[:, 0]
    expected = np.searchsorted(np.cumsum(probabilities), noise[:, 0])
    self.assertLessEqual(np.abs(levels - expected).max(), 1)
    self.assertGreater(np.mean(levels == expected), 0.99)
    # The loss reads int16 values as their levels.
    model.build_all()
    test_util.randomize_weights(model)
    stored = np.array([[-32768, -5, 0, 7, 1200, 32767]], np.int16)[..., None]
    outputs = model({'sequences': space.to_float(stored)})
    all_levels = model.level_log_probs(outputs)[0, :, 0].numpy()
    expected = -all_levels[np.arange(6), stored[0, :, 0].astype(int) +
                           32768].sum()
    loss, _ = model.per_example_loss({'sequences': stored}, {})
    self.assertAllClose(loss[0], expected, rtol=1e-5)

  def test_loss_is_the_mixture_likelihood(self):
    model = test_util.trained_model(aiqn_tf.PixelCNNPP, (3, 3, 1), steps=2,
                                    num_mixtures=4)
    levels = np.random.default_rng(0).integers(0, 256, (2, 3, 3, 1))
    outputs = model({'images': image_lib.to_float(levels)})
    all_levels = model.level_log_probs(outputs)  # [2, 3, 3, 1, 256]
    expected = -np.take_along_axis(all_levels.numpy(), levels[..., None],
                                   -1)[..., 0].sum((1, 2, 3))
    loss, aux = model.per_example_loss({'images': levels}, {})
    self.assertAllClose(loss, expected, rtol=1e-5)
    self.assertAllClose(aux['bits_per_dim'], expected / 9 / np.log(2),
                        rtol=1e-5)

  def test_continuous_values_density_and_inverse_cdf(self):
    # Vectors of float values (the made backbone): the loss is minus the
    # mixture's log density, a sample the mixture's quantile at its noise.
    from scipy import stats  # pylint: disable=g-import-not-at-top
    space = events.EventSpace('vectors', (3,), 'float')
    keras.utils.set_random_seed(0)
    model = aiqn_tf.PixelCNNPP((3,), num_layers=1, filters=12,
                               output_filters=12, backbone='made',
                               space=space, num_mixtures=2).build_all()
    test_util.randomize_weights(model, seed=1)
    x = np.random.default_rng(2).normal(size=(4, 3)).astype(np.float32)
    loss, parts = model.per_example_loss({'vectors': x}, {})
    outputs = model({'vectors': x}).numpy().reshape(4, 3, 6)
    logits, means, log_scales = np.split(outputs, 3, axis=-1)
    weights = np.exp(logits) / np.exp(logits).sum(-1, keepdims=True)
    density = (weights * stats.logistic.pdf(
        x[..., None], means, np.exp(np.maximum(log_scales, -7.0)))).sum(-1)
    self.assertAllClose(loss, -np.log(density).sum(-1), rtol=1e-4)
    self.assertAllClose(parts['nats_per_dim'], -np.log(density).mean(-1),
                        rtol=1e-4)
    noise = np.random.default_rng(3).uniform(0.02, 0.98, (4, 3)).astype(
        np.float32)
    values = model.sample_values(tf.constant(outputs.reshape(4, 18)),
                                 tf.constant(noise)).numpy()
    cdf = (weights * stats.logistic.cdf(
        values[..., None], means, np.exp(np.maximum(log_scales, -7.0)))).sum(
            -1)
    self.assertAllClose(cdf, noise, atol=1e-4)

  def test_paper_size_takes_an_optimizer_step(self):
    # The paper's network (15 blocks of 128 planes, 10 components) on 8x8
    # RGB images: its weights do not depend on the image size, and the step
    # costs a sixteenth of a 32x32 one.
    model = aiqn_tf.PixelCNNPP((8, 8, 3), num_classes=10)
    self.assertEqual(model.hyperparameters['num_mixtures'], 10)
    optimizer = keras.optimizers.Adam(1e-4)
    levels = np.random.default_rng(0).integers(0, 256, (2, 8, 8, 3))
    batch = {'images': levels, 'labels': np.array([3, 7])}
    with tf.GradientTape() as tape:
      nats, _ = model.per_example_loss(batch, {})
      nats = tf.reduce_mean(nats)
    grads = tape.gradient(nats, model.trainable_weights)
    optimizer.apply_gradients(zip(grads, model.trainable_weights))
    self.assertEqual(model(model.model_inputs(batch)).shape,
                     (2, 8, 8, 3, 30))
    self.assertTrue(all(np.all(np.isfinite(tf.convert_to_tensor(g)))
                        for g in grads))
    self.assertLess(float(tf.reduce_mean(model.per_example_loss(batch, {})[0])),
                    float(nats))

  def test_rejects_no_mixture(self):
    with self.assertRaisesRegex(ValueError, 'num_mixtures'):
      aiqn_tf.PixelCNNPP((4, 4, 1), num_mixtures=0)


if __name__ == '__main__':
  tf.test.main()
