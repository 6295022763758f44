"""The snail ablation's backbones: still causal, and changed where they say."""

import numpy as np
import tensorflow as tf

from aiqn_tf.models.backbones import snail
from aiqn_tf.testing import test_util
from experiments import _snail_variants


def _backbone(cls, shape=(4, 4, 3), layers=2):
  layer = cls(shape, out_channels=shape[-1], num_layers=layers,
              filters=6 * shape[-1], kernel_size=3,
              output_filters=4 * shape[-1])
  layer(tf.zeros((1,) + shape), tf.zeros((1,) + shape))
  test_util.randomize_weights(layer)
  return layer


class SnailTauTest(tf.test.TestCase):

  def test_variants_see_the_past_and_their_own_tau_only(self):
    shape = (4, 4, 3)
    rng = np.random.default_rng(0)
    images = tf.constant(rng.uniform(-1, 1, (1,) + shape), tf.float32)
    tau = tf.constant(rng.uniform(size=(1,) + shape), tf.float32)
    order = np.arange(np.prod(shape)).reshape(shape)
    for cls in (_snail_variants.NoAttention, _snail_variants.TauAfterAttention,
                _snail_variants.AttentionOnPixels):
      layer = _backbone(cls, shape)
      for i, j, c in ((0, 0, 0), (1, 3, 2), (3, 1, 1)):
        with tf.GradientTape(persistent=True) as tape:
          tape.watch([images, tau])
          out = layer(images, tau)[0, i, j, c]
        image_grad = tape.gradient(out, images).numpy()[0] != 0
        tau_grad = tape.gradient(out, tau).numpy()[0] != 0
        self.assertFalse(image_grad[order >= order[i, j, c]].any(), cls)
        self.assertFalse(tau_grad[order > order[i, j, c]].any(), cls)
        self.assertTrue(tau_grad[i, j, c], cls)

  def test_no_attention_has_the_blind_spot_the_attention_removes(self):
    # Without the attention, a sub-pixel no longer sees a pixel beyond the
    # reach of two 3x3 causal convolutions (three rows up): the layers are
    # skipped.
    shape = (4, 4, 1)
    images = tf.constant(np.random.default_rng(1).uniform(
        -1, 1, (1,) + shape), tf.float32)
    tau = tf.fill((1,) + shape, 0.5)
    seen = {}
    for cls in (snail.SnailPixelCNN, _snail_variants.NoAttention):
      layer = _backbone(cls, shape, layers=1)
      with tf.GradientTape() as tape:
        tape.watch(images)
        out = layer(images, tau)[0, 3, 0, 0]
      seen[cls] = tape.gradient(out, images).numpy()[0, 0, 3, 0] != 0
    self.assertTrue(seen[snail.SnailPixelCNN])
    self.assertFalse(seen[_snail_variants.NoAttention])

  def test_attention_on_pixels_reads_far_pixels_but_not_their_tau(self):
    # One unit: pixel (0, 3) is beyond the convolutions' reach of (3, 0), so
    # only the attention links them. The snail backbone's attention passes
    # on that pixel's value and its tau; reading pixel values only, it
    # passes on the value alone.
    shape = (4, 4, 1)
    rng = np.random.default_rng(2)
    images = tf.constant(rng.uniform(-1, 1, (1,) + shape), tf.float32)
    tau = tf.constant(rng.uniform(size=(1,) + shape), tf.float32)
    for cls, sees_tau in ((snail.SnailPixelCNN, True),
                          (_snail_variants.AttentionOnPixels, False)):
      layer = _backbone(cls, shape, layers=1)
      with tf.GradientTape(persistent=True) as tape:
        tape.watch([images, tau])
        out = layer(images, tau)[0, 3, 0, 0]
      self.assertNotEqual(tape.gradient(out, images).numpy()[0, 0, 3, 0], 0,
                          cls)
      self.assertEqual(tape.gradient(out, tau).numpy()[0, 0, 3, 0] != 0,
                       sees_tau, cls)

  def test_tau_after_attention_adds_a_path_from_tau_to_the_output(self):
    shape = (4, 4, 1)
    images = tf.zeros((1,) + shape)
    tau = tf.fill((1,) + shape, 0.3)
    layer = _backbone(_snail_variants.TauAfterAttention, shape)
    before = layer(images, tau)
    layer.out_tau.tau.kernel.assign(tf.zeros_like(layer.out_tau.tau.kernel))
    self.assertNotAllClose(before, layer(images, tau))


if __name__ == '__main__':
  tf.test.main()
