"""PixelIQN's likelihood: the sampler's inverse, and P(x) against Monte Carlo."""

from absl.testing import parameterized
import keras
import numpy as np
import tensorflow as tf

import aiqn_tf
from aiqn_tf.core import images as image_lib
from aiqn_tf.models.heads import likelihood
from aiqn_tf.models import losses
from aiqn_tf.models import noise
from aiqn_tf.testing import test_util

# A coarser search than the default keeps the tests quick: set ends to
# 1 / (16 * 8**4), about 1.5e-5. The fast walk runs as a graph without XLA,
# which compiles in a third of the time on these sizes; the XLA-compiled
# walk, the default, is checked against whole-image passes by
# test_the_cached_walk_equals_whole_image_passes_rgb_xla (log_prob's walk).
SEARCH = dict(grid=16, rounds=4, jit_compile=False)
# Fast against sequential holds at any search; a coarse one compiles faster.
COARSE = dict(grid=8, rounds=2, jit_compile=False)


def _fit_binary_patterns(steps=150, seed=0):
  """A 2x2 grey PixelIQN fit to four black-and-white patterns.

  Its samples concentrate on a few images (the clip at 0 and 255 gives
  atoms), so their frequencies can be measured.
  """
  keras.utils.set_random_seed(seed)
  model = aiqn_tf.PixelIQN((2, 2, 1), num_layers=2, filters=8, kernel_size=3,
                           output_filters=16)
  patterns = np.array([[0, 255, 255, 0], [255, 0, 0, 255], [0, 0, 255, 255],
                       [255, 255, 255, 255]], np.uint8).reshape(4, 2, 2, 1)
  optimizer = keras.optimizers.Adam(1e-2)
  rng = np.random.default_rng(seed)
  for _ in range(steps):
    images = image_lib.to_float(patterns[rng.integers(0, 4, 32)])
    tau = rng.uniform(size=(32, 2, 2, 1)).astype(np.float32)
    with tf.GradientTape() as tape:
      loss = tf.reduce_mean(losses.quantile_huber_loss(
          images, model({'images': images, 'tau': tau}), tau))
    grads = tape.gradient(loss, model.trainable_variables)
    optimizer.apply_gradients(zip(grads, model.trainable_variables))
  return model


class InvertTest(tf.test.TestCase, parameterized.TestCase):

  @parameterized.named_parameters(
      ('grey', (3, 3, 1), None),
      ('rgb', (2, 2, 3), None),
      ('grey_classes', (3, 3, 1), 3),
  )
  def test_sampling_the_inverse_gives_the_images_back(self, shape,
                                                      num_classes):
    model = test_util.trained_model(aiqn_tf.PixelIQN, shape, num_classes,
                                    steps=20)
    labels = (tf.constant([0, 1, 2, 0, 1, 2]) if num_classes else None)
    tau = noise.draw_noise((6,) + shape, seed=3)
    samples = image_lib.to_uint8(model.sample(tau, 'fast', labels))
    inverse, reachable = likelihood.invert(
        model, image_lib.to_float(samples), labels, grid=8, rounds=4,
        jit_compile=False)
    self.assertTrue(np.all(reachable))
    self.assertAllInRange(inverse, 0.0, 1.0)
    again = image_lib.to_uint8(model.sample(inverse, 'fast', labels))
    self.assertAllEqual(again, samples)
    # Images the model was not sampled from (its samples, each sub-pixel
    # moved up to 3 levels): equal wherever it can reach them (up to the
    # first unreachable sub-pixel, after which the past differs).
    moved = samples.numpy().astype(int) + np.random.default_rng(1).integers(
        -3, 4, (6,) + shape)
    data = np.clip(moved, 0, 255).astype(np.uint8)
    inverse, reachable = likelihood.invert(model, image_lib.to_float(data),
                                           labels, grid=8, rounds=4,
                                           jit_compile=False)
    again = image_lib.to_uint8(model.sample(inverse, 'fast', labels)).numpy()
    flat_ok = reachable.numpy().reshape(6, -1)
    prefix = np.cumprod(flat_ok, axis=1).astype(bool)
    self.assertGreater(prefix.mean(), 0.5)
    self.assertAllEqual(again.reshape(6, -1)[prefix],
                        data.reshape(6, -1)[prefix])

  def test_a_mid_pixel_prefix_is_kept_and_the_rest_given_back(self):
    model = test_util.trained_model(aiqn_tf.PixelIQN, (2, 2, 3), steps=20)
    tau = noise.draw_noise((4, 2, 2, 3), seed=7).numpy()
    tau.reshape(4, -1)[:, :4] = 0.5  # The prefix's tau, as invert gives it.
    # Completions of a prefix that ends inside pixel 1 (its red given).
    given = image_lib.to_float(np.random.default_rng(2).integers(
        0, 256, (4, 2, 2, 3), np.uint8))
    samples = image_lib.to_uint8(model.sample(tau, 'fast', images=given,
                                              num_fixed=4))
    prefix = image_lib.to_float(samples)
    inverse, reachable = likelihood.invert(model, prefix, num_fixed=4,
                                           **SEARCH)
    self.assertTrue(np.all(reachable))
    self.assertAllEqual(inverse.numpy().reshape(4, -1)[:, :4],
                        np.full((4, 4), 0.5))
    again = image_lib.to_uint8(model.sample(inverse, 'fast', images=prefix,
                                            num_fixed=4))
    self.assertAllEqual(again, samples)
    fast, _ = likelihood.log_prob(model, prefix, num_fixed=4, epsilon=0.05,
                                  **COARSE)
    reference, _ = likelihood.log_prob(model, prefix, num_fixed=4,
                                       epsilon=0.05, method='sequential',
                                       **COARSE)
    self.assertAllClose(fast, reference, rtol=1e-3)
    with self.assertRaisesRegex(ValueError, 'num_fixed'):
      likelihood.invert(model, prefix, num_fixed=12)

  @parameterized.named_parameters(
      ('rgb_xla', (2, 2, 3), None, True),
      ('grey_classes', (3, 3, 1), 3, False),
  )
  def test_the_cached_walk_equals_whole_image_passes(self, shape,
                                                     num_classes, xla):
    model = test_util.trained_model(aiqn_tf.PixelIQN, shape, num_classes,
                                    steps=20)
    labels = (tf.constant([0, 1, 2, 0]) if num_classes else None)
    data = image_lib.to_float(np.random.default_rng(4).integers(
        0, 256, (4,) + shape, np.uint8))
    # XLA, the default walk, on log_prob's (both branches of each sub-pixel
    # walked); invert's XLA walk, which compiles for longer, is the sample
    # binary's default (binaries/sample_test.py inverts test images).
    search = dict(COARSE, jit_compile=xla)
    fast, _ = likelihood.invert(model, data, labels, **COARSE)
    reference, _ = likelihood.invert(model, data, labels, 'sequential',
                                     **COARSE)
    self.assertAllClose(fast, reference, atol=1e-4)
    # Smoothed, so that both branches of every sub-pixel's law are walked.
    fast, parts = likelihood.log_prob(model, data, labels, 2, epsilon=0.05,
                                      **search)
    reference, reference_parts = likelihood.log_prob(
        model, data, labels, 2, epsilon=0.05, method='sequential', **COARSE)
    self.assertAllClose(fast, reference, rtol=1e-3)
    self.assertAllClose(parts['unreachable'], reference_parts['unreachable'])

  def test_snail_backbone_inverts_by_whole_image_passes_only(self):
    model = test_util.trained_model(aiqn_tf.PixelIQN, (3, 3, 1), steps=20,
                                    backbone='snail')
    tau = noise.draw_noise((3, 3, 3, 1), seed=5)
    samples = image_lib.to_uint8(model.sample(tau, 'fast'))
    with self.assertRaisesRegex(NotImplementedError, 'sequential'):
      likelihood.invert(model, image_lib.to_float(samples))
    inverse, reachable = likelihood.invert(
        model, image_lib.to_float(samples), method='sequential', **SEARCH)
    self.assertTrue(np.all(reachable))
    self.assertAllEqual(image_lib.to_uint8(model.sample(inverse, 'fast')),
                        samples)

  def test_bad_input_is_refused(self):
    model = test_util.trained_model(aiqn_tf.PixelIQN, (2, 2, 1), steps=1)
    good = tf.zeros((2, 2, 2, 1))
    with self.assertRaisesRegex(ValueError, r'in \[-1, 1\]'):
      likelihood.invert(model, good + 2.0)
    with self.assertRaisesRegex(ValueError, 'shape'):
      likelihood.invert(model, tf.zeros((2, 3, 2, 1)))
    with self.assertRaisesRegex(TypeError, 'float'):
      likelihood.invert(model, tf.zeros((2, 2, 2, 1), tf.uint8))
    conditional = test_util.trained_model(aiqn_tf.PixelIQN, (2, 2, 1), 3,
                                          steps=1)
    with self.assertRaisesRegex(ValueError, 'labels'):
      likelihood.log_prob(conditional, good)
    with self.assertRaisesRegex(ValueError, 'epsilon'):
      likelihood.log_prob(model, good, epsilon=1.0)
    with self.assertRaisesRegex(ValueError, 'num_samples'):
      likelihood.log_prob(model, good, num_samples=0)
    with self.assertRaisesRegex(ValueError, 'method'):
      likelihood.invert(model, good, method='exact')
    with self.assertRaisesRegex(ValueError, 'rounds'):
      likelihood.invert(model, good, rounds=0)
    cnn = test_util.trained_model(aiqn_tf.PixelCNN, (2, 2, 1), steps=1)
    with self.assertRaisesRegex(ValueError, 'no tau'):
      likelihood.log_prob(cnn, good)


class TracedTest(tf.test.TestCase):
  """`tf.function(model.invert)` and `tf.function(model.log_prob)`, the TF2
  idiom, give the eager results on valid images and refuse invalid ones."""

  def test_traced_equals_eager_and_refuses_out_of_range(self):
    images = image_lib.to_float(
        np.random.default_rng(0).integers(0, 256, (2, 2, 2, 1)))
    iqn = test_util.trained_model(aiqn_tf.PixelIQN, (2, 2, 1), steps=1)
    cnn = test_util.trained_model(aiqn_tf.PixelCNN, (2, 2, 1), steps=1)
    # The model's own methods take the default search; the coarse one of
    # likelihood.invert / log_prob compiles faster and checks the same.
    invert = lambda x: likelihood.invert(iqn, x, **COARSE)
    eager_tau, eager_reachable = invert(images)
    tau, reachable = tf.function(invert)(images)
    self.assertAllClose(tau, eager_tau)
    self.assertAllEqual(reachable, eager_reachable)
    smoothed = lambda x: likelihood.log_prob(iqn, x, epsilon=0.01,
                                             **COARSE)[0]
    self.assertAllClose(tf.function(smoothed)(images), smoothed(images))
    self.assertAllClose(tf.function(cnn.log_prob)(images),
                        cnn.log_prob(images))
    for function in (tf.function(invert), tf.function(smoothed),
                     tf.function(iqn.log_prob), tf.function(cnn.log_prob)):
      with self.assertRaisesRegex(tf.errors.InvalidArgumentError,
                                  r'in \[-1, 1\]'):
        function(images + 2.0)
    with self.assertRaisesRegex(ValueError, r'in \[-1, 1\]'):
      cnn.log_prob(images * np.nan)


class LevelSetTest(tf.test.TestCase):

  def _measure_on_a_dense_grid(self, quantile, target):
    tau = np.linspace(0.0, 1.0, 2_000_001)
    levels = np.clip(np.round((quantile(tau) + 1.0) * 127.5), 0, 255)
    return np.mean(levels == target)

  def test_measures_the_set_of_monotone_and_turning_quantiles(self):
    functions = {
        'increasing': lambda t: 2.0 * t ** 3 - 1.0,
        # Turns once in [0, 1]: the set has two segments for most levels.
        'turning': lambda t: 0.8 * np.sin(np.pi * 1.5 * t),
        # Steep: a level's set narrower than a cell of the grid.
        'steep': lambda t: 40.0 * (t - 0.5),
    }
    targets = np.array([0.0, 3.0, 64.0, 127.0, 128.0, 200.0, 230.0, 255.0],
                       np.float32)
    for name, quantile in functions.items():
      q = lambda candidates, f=quantile: tf.cast(f(tf.cast(
          candidates, tf.float64)), tf.float32)
      _, lengths, _, crossing = likelihood.level_set(
          q, tf.constant(targets), grid=32, rounds=5)
      for target, measure in zip(targets, tf.reduce_sum(lengths, 1).numpy()):
        self.assertAllClose(
            measure, self._measure_on_a_dense_grid(quantile, target),
            atol=2e-5, msg=f'{name}, level {target}')
      self.assertEqual(bool(np.any(crossing)), name == 'turning')


class DecideTest(tf.test.TestCase):

  def test_a_quantile_turning_inside_a_cell_still_gives_the_level(self):
    # Flat near the edge of levels 0 and 1 with wiggles shorter than a grid
    # cell, as a briefly trained PixelIQN's quantiles of a dark background
    # are: the set's ends cannot all be found, so the tau chosen is checked.
    def quantile(candidates):
      t = tf.cast(candidates, tf.float64)
      return tf.cast(-1.0 + 0.6 / 127.5 + 0.3 / 127.5 * tf.sin(
          2 * np.pi * 45 * t) + 1.5 / 127.5 * t, tf.float32)
    targets = tf.constant([1.0, 2.0], tf.float32)
    search = dict(grid=8, rounds=3, slots=2)
    level = lambda tau: np.round((quantile(tau).numpy() + 1) * 127.5)
    # The set the grid finds holds tau of other levels too.
    starts, lengths, _, _ = likelihood.level_set(quantile, targets, **search)
    spread = likelihood._at_measure(starts, lengths, tf.tile(
        tf.linspace(0.0, 0.99, 64)[None], [2, 1]))
    self.assertTrue(np.all(np.any(level(spread) != targets[:, None], 1)))
    draws = tf.random.stateless_uniform([2, likelihood.TRIES + 2], [1, 2])
    t = np.linspace(0.0, 1.0, 200_001)
    dense = level(t)
    for invert in (True, False):
      chosen, log_p, reachable, crossing, exact = likelihood._decide(
          quantile, targets, draws, search, 0.0, invert,
          tf.constant([True, True]))
      self.assertAllEqual(reachable, [True, True])
      self.assertAllEqual(crossing, [True, True])
      self.assertFalse(np.any(exact))
      self.assertAllEqual(level(chosen[:, None])[:, 0], targets)
      if not invert:  # Not above the set's measure on a dense grid (the
        # verified part of the set found is counted), but not 0 either.
        truth = [np.mean(dense == target) for target in targets.numpy()]
        self.assertAllInRange(np.exp(log_p.numpy()) - truth, -0.4, 0.1)
        self.assertAllGreater(np.exp(log_p.numpy()), 0.05)


class ResampleTest(tf.test.TestCase):

  def test_particles_that_fail_are_replaced_by_ones_that_reach(self):
    targets = tf.zeros([6, 4])  # Two images, three particles each.
    state = likelihood._initial_state(targets)
    tau = tf.constant([0.1, 0.2, 0.3, 0.4, 0.5, 0.6])
    log_p = tf.math.log(tf.constant([0.0, 0.5, 0.25, 0.0, 0.0, 0.0]))
    reachable = tf.math.is_finite(log_p)
    state, order = likelihood._record(
        state, 1, 3, tau, log_p, reachable, tf.zeros([6], tf.bool),
        tf.constant([0.5, 0.5]))
    order = order.numpy()
    # Image 0: only particles 1 and 2 live, taken in proportion 2 : 1;
    # image 1: none does, its particles are kept.
    self.assertAllEqual(order, [1, 1, 2, 3, 4, 5])
    self.assertAllClose(state[0][:, 1], [0.2, 0.2, 0.3, 0.4, 0.5, 0.6])
    self.assertAllEqual(state[3][:, 1], [True, True, True, False, False,
                                         False])
    # The estimate gains each image's mean probability.
    self.assertAllClose(np.exp(state[1].numpy()[:3]), [0.25] * 3)
    self.assertAllEqual(state[1].numpy()[3:], [-np.inf] * 3)


class LogProbTest(tf.test.TestCase):

  def test_one_sub_pixel_sums_to_one(self):
    model = test_util.trained_model(aiqn_tf.PixelIQN, (1, 1, 1), steps=20)
    levels = image_lib.to_float(
        np.arange(256, dtype=np.uint8).reshape(256, 1, 1, 1))
    log_p, parts = likelihood.log_prob(model, levels, **SEARCH)
    probability = np.exp(log_p.numpy())
    self.assertAllClose(probability.sum(), 1.0, atol=1e-3)
    self.assertEqual(float(tf.reduce_max(parts['crossing'])), 0.0)
    # Levels out of the quantile's range have no probability, and say so.
    self.assertAllEqual(probability == 0, parts['unreachable'].numpy() == 1)
    self.assertGreater(float(np.mean(probability == 0)), 0.5)
    # Smoothed: (1 - epsilon) P(x) + epsilon / 256, exactly, on one
    # sub-pixel (no past for the branch draws to change).
    smoothed, _ = likelihood.log_prob(model, levels, epsilon=0.1, **SEARCH)
    self.assertAllClose(np.exp(smoothed.numpy()),
                        0.9 * probability + 0.1 / 256, rtol=1e-4, atol=1e-9)

  def test_matches_the_frequencies_of_the_models_own_samples(self):
    model = _fit_binary_patterns()
    num = 100_000
    tau = noise.draw_noise((num, 2, 2, 1), seed=11)
    sample = tf.function(lambda t: image_lib.to_uint8(model.sample(t, 'fast')),
                         jit_compile=True)
    samples = np.concatenate([sample(tau[i:i + 50_000]).numpy()
                              for i in range(0, num, 50_000)])
    images, counts = np.unique(samples.reshape(num, -1), axis=0,
                               return_counts=True)
    top = np.argsort(counts)[::-1][:6]
    frequency = counts[top] / num
    # Concentrated enough to test: the top image drawn hundreds of times
    # (its frequency's standard error a few percent of it). How concentrated
    # the fit is varies with the float rounding of its 150 steps (thread
    # counts change it).
    self.assertGreater(frequency[0], 0.004)
    # The estimate is unbiased but random: 4 independent estimates of 32
    # draws each give its mean and standard error.
    estimates = np.stack([np.exp(likelihood.log_prob(
        model, image_lib.to_float(images[top].reshape(-1, 2, 2, 1)),
        num_samples=32, seed=seed, **SEARCH)[0].numpy()) for seed in range(4)])
    estimate = estimates.mean(0)
    variance = (frequency * (1 - frequency) / num +
                estimates.var(0, ddof=1) / len(estimates))
    # Within 4 standard errors (and the search's resolution).
    self.assertAllLessEqual(
        np.abs(estimate - frequency) - 4 * np.sqrt(variance) - 1e-4, 0.0)

  def test_every_head_through_one_call(self):
    images = image_lib.to_float(np.random.default_rng(2).integers(
        0, 256, (3, 2, 2, 1), np.uint8))
    for cls in (aiqn_tf.PixelCNN, aiqn_tf.PixelCNNPP):
      model = test_util.trained_model(cls, (2, 2, 1), steps=2)
      levels = image_lib.to_uint8(images)
      loss, _ = model.per_example_loss({'images': levels}, {})
      self.assertAllClose(model.log_prob(images), -loss, rtol=1e-5)
    iqn = test_util.trained_model(aiqn_tf.PixelIQN, (2, 2, 1), steps=2)
    self.assertAllClose(
        iqn.log_prob(images, num_samples=2),
        likelihood.log_prob(iqn, images, num_samples=2)[0])
    vae = aiqn_tf.AIQNVAE((8, 8, 1), latent_dim=2, hidden_units=(8,))
    with self.assertRaisesRegex(NotImplementedError, 'no likelihood'):
      vae.log_prob(tf.zeros((1, 8, 8, 1)))

  def test_bits_per_dim(self):
    self.assertAllClose(
        likelihood.bits_per_dim(tf.constant([-np.log(2.0) * 12]), (2, 2, 3)),
        [1.0])


if __name__ == '__main__':
  tf.test.main()
