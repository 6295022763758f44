"""The cause studies' changed samplers, against the samplers they change."""

import numpy as np
import tensorflow as tf

import aiqn_tf
from aiqn_tf.models import noise
from aiqn_tf.models import sampling
from aiqn_tf.testing import test_util
from experiments import _sampler_ablations as ablations


class WidenedTest(tf.test.TestCase):

  def test_widening_by_one_is_the_sampler_and_more_spreads_the_values(self):
    model = test_util.trained_model(aiqn_tf.PixelIQN, (3, 3, 3), steps=10)
    tau = noise.draw_noise((16, 3, 3, 3), seed=1)
    self.assertAllClose(ablations.widened_sample(model, tau, 1.0),
                        model.sample(tau, 'fast'), atol=1e-5)
    # Only the first sub-pixel has no past, so its median is the same.
    first = lambda s: ablations.widened_sample(model, tau, s)[:, 0, 0, 0]
    base = model.sample(tau, 'fast')[:, 0, 0, 0]
    centre = np.median(base)
    narrow, wide = (np.abs(first(s) - centre) for s in (0.5, 2.0))
    self.assertGreater(float(np.mean(wide)), float(np.mean(narrow)))


class FedBackTest(tf.test.TestCase):

  def _models(self):
    return [test_util.trained_model(cls, (3, 3, 3), steps=10)
            for cls in (aiqn_tf.PixelIQN, aiqn_tf.PixelCNN)]

  def test_the_identity_gives_the_models_own_sample(self):
    tau = noise.draw_noise((8, 3, 3, 3), seed=2)
    for model in self._models():
      self.assertAllClose(
          ablations.fed_back_sample(model, tau, lambda v, i, j: v),
          model.sample(tau, 'fast'), atol=1e-5)

  def test_a_changed_value_is_the_context_of_the_later_ones(self):
    """Snapping as drawn equals the sequential sampler of a snapping step."""
    levels = np.linspace(-1.0, 1.0, 5).astype(np.float32)
    tau = noise.draw_noise((8, 3, 3, 3), seed=3)
    for model in self._models():
      snapped = ablations.fed_back_sample(
          model, tau, lambda v, i, j: ablations.snap(v, levels))
      reference = sampling.sequential(
          lambda images, t, m=model: ablations.snap(m.sample_values(
              m.backbone(images, t if m.uses_tau else None, None), t),
                                                    levels), tau)
      self.assertAllClose(snapped, reference, atol=1e-5)
      self.assertAllInSet(np.round(snapped.numpy(), 5), np.round(levels, 5))
    # Per-pixel feeds see their pixel's position.
    model = self._models()[0]
    marked = ablations.fed_back_sample(
        model, tau, lambda v, i, j: tf.fill(tf.shape(v), tf.cast(
            3 * i + j, tf.float32) / 8.0))
    self.assertAllClose(marked[0, :, :, 0],
                        np.arange(9).reshape(3, 3) / 8.0)

  def test_snap_moves_each_value_to_its_nearest_level(self):
    levels = ablations.data_levels(np.array([[0, 255], [128, 0]], np.uint8))
    self.assertAllClose(levels, [-1.0, 128 / 127.5 - 1.0, 1.0])
    values = tf.constant([-0.9, -0.4, 0.2, 0.9])
    self.assertAllClose(ablations.snap(values, levels),
                        [-1.0, levels[1], levels[1], 1.0])

  def test_to_black_gives_the_share_of_black_asked_for(self):
    values = tf.constant(np.random.default_rng(0).uniform(-1, 1, 1000),
                         tf.float32)
    threshold = ablations.black_threshold(values, 0.3)
    black = ablations.to_black(values, threshold).numpy()
    self.assertAllClose(np.mean(black == -1.0), 0.3, atol=0.002)
    kept = black != -1.0
    self.assertAllEqual(black[kept], values.numpy()[kept])
    self.assertTrue((values.numpy()[kept] > threshold).all())


class PastTauTest(tf.test.TestCase):

  def test_its_own_past_is_the_sampler_and_the_past_is_what_changes(self):
    model = test_util.trained_model(aiqn_tf.PixelIQN, (2, 2, 3), steps=10)
    tau = noise.draw_noise((8, 2, 2, 3), seed=4)
    own = ablations.past_tau_sample(model, tau, tau[None])
    self.assertAllClose(own, model.sample(tau, 'fast'), atol=1e-5)
    other = noise.draw_noise((2, 8, 2, 2, 3), seed=5)
    changed = ablations.past_tau_sample(model, tau, other)
    # The first sub-pixel has no past: it keeps its value; later ones move.
    self.assertAllClose(changed[:, 0, 0, 0], own[:, 0, 0, 0], atol=1e-5)
    self.assertGreater(float(np.max(np.abs(changed - own))), 1e-3)
    # Sub-pixel 1 is the mean over the two pasts of the network's output.
    first = own[:, :1, :1, :1]
    images = tf.pad(first, [[0, 0], [0, 1], [0, 1], [0, 2]])
    where = np.zeros((2, 2, 3), bool)
    where[0, 0, 1] = True
    outputs = [model.backbone(images, tf.where(where, tau, p), None)[:, 0, 0, 1]
               for p in other]
    self.assertAllClose(changed[:, 0, 0, 1],
                        np.clip(np.mean(outputs, 0), -1, 1), atol=1e-5)


if __name__ == '__main__':
  tf.test.main()
