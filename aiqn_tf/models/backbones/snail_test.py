"""The PixelSNAIL-style backbone: causality, no blind spot, tau, sampling."""

from unittest import mock

from absl.testing import parameterized
import keras
import numpy as np
import tensorflow as tf

import aiqn_tf
from aiqn_tf.models.backbones import snail
from aiqn_tf.runs import presets
from aiqn_tf.testing import test_util


def _backbone(shape=(4, 4, 3), use_tau=True, num_classes=None, layers=2):
  layer = snail.SnailPixelCNN(shape, out_channels=shape[-1] * 2,
                              num_layers=layers, filters=6 * shape[-1],
                              kernel_size=3, output_filters=4 * shape[-1],
                              num_classes=num_classes, use_tau=use_tau)
  images = tf.zeros((1,) + shape)
  layer(images, tf.zeros((1,) + shape) if use_tau else None,
        tf.zeros([1], tf.int32) if num_classes else None)
  test_util.randomize_weights(layer)
  return layer


class SnailTest(tf.test.TestCase, parameterized.TestCase):

  def test_sees_exactly_the_earlier_subpixels_and_its_own_tau(self):
    shape = (4, 4, 3)
    layer = _backbone(shape)
    rng = np.random.default_rng(0)
    images = tf.constant(rng.uniform(-1, 1, (1,) + shape), tf.float32)
    tau = tf.constant(rng.uniform(size=(1,) + shape), tf.float32)
    order = np.arange(np.prod(shape)).reshape(shape)
    for i, j in ((0, 0), (1, 3), (2, 1), (3, 3)):
      for c in range(3):
        with tf.GradientTape(persistent=True) as tape:
          tape.watch([images, tau])
          out = layer(images, tau)[0, i, j, 2 * c:2 * c + 2]
          out = tf.reduce_sum(out * [1.0, -0.7])
        image_grad = tape.gradient(out, images).numpy()[0]
        tau_grad = tape.gradient(out, tau).numpy()[0]
        # Every earlier sub-pixel, including the blind spot of a plain
        # masked convolution (up and to the right): the attention sees the
        # whole past. Nothing later, not the sub-pixel itself.
        self.assertAllEqual(image_grad != 0, order < order[i, j, c])
        # tau: its own and every earlier sub-pixel's, nothing later.
        self.assertAllEqual(tau_grad != 0, order <= order[i, j, c])

  # Fast against sequential (and inpainting), under every head: the
  # conformance suite (backbone_conformance_test.py).

  def test_paper_size_builds_and_takes_a_step(self):
    # The cifar10_snail preset: PixelSNAIL's CIFAR-10 size, 12 blocks of 4
    # residual units and an attention layer, 256 planes; on 8x8 images,
    # which its weights do not depend on, so the step costs a sixteenth.
    config = presets.preset('cifar10_snail', 'pixel_iqn').replace(
        class_conditional=True, image_size=8)
    model = config.make_model()
    self.assertLen(model.backbone.units, 48)
    self.assertLen(model.backbone.attentions, 12)
    # Adam's first step moves every weight by the learning rate: small, as
    # 48 residual units compound it.
    optimizer = keras.optimizers.Adam(1e-5)
    rng = np.random.default_rng(0)
    batch = {'images': rng.integers(0, 256, (2, 8, 8, 3)),
             'labels': np.array([3, 7])}
    noise = {'tau': tf.constant(rng.uniform(size=(2, 8, 8, 3)),
                                tf.float32)}
    with tf.GradientTape() as tape:
      loss = tf.reduce_mean(model.per_example_loss(batch, noise)[0])
    grads = tape.gradient(loss, model.trainable_weights)
    optimizer.apply_gradients(zip(grads, model.trainable_weights))
    self.assertTrue(all(np.isfinite(tf.convert_to_tensor(g)).all()
                        for g in grads))
    self.assertLess(
        float(tf.reduce_mean(model.per_example_loss(batch, noise)[0])),
        float(loss))

  def test_attention_every(self):
    layer = snail.SnailPixelCNN((4, 4, 1), out_channels=1, num_layers=5,
                                filters=8, kernel_size=3, output_filters=8,
                                attention_every=3)
    # After unit 3 and after the last (5th).
    self.assertEqual(sorted(layer.attention_of_unit), [2, 4])
    restored = snail.SnailPixelCNN.from_config(layer.get_config())
    self.assertEqual(sorted(restored.attention_of_unit), [2, 4])
    with self.assertRaisesRegex(ValueError, 'attention_every must be >= 1'):
      snail.SnailPixelCNN((4, 4, 1), out_channels=1, attention_every=0)
    with self.assertRaisesRegex(ValueError, 'attention_every must be >= 1'):
      aiqn_tf.PixelCNN((4, 4, 1), backbone='snail',
                       backbone_config=dict(attention_every=0))
    # The snail section's setting, not the gated backbone's.
    with self.assertRaisesRegex(ValueError, 'not a setting of the gated'):
      aiqn_tf.PixelCNN((4, 4, 1), backbone_config=dict(attention_every=2))
    # The first releases' keyword (in their .keras files) still reaches it.
    model = aiqn_tf.PixelCNN((4, 4, 1), num_layers=3, filters=4,
                             kernel_size=3, output_filters=4,
                             backbone='snail', attention_every=3)
    self.assertEqual(sorted(model.backbone.attention_of_unit), [2])
    self.assertEqual(model.get_config()['backbone_config'],
                     {'attention_every': 3})

  @parameterized.parameters(2, 3, 16)
  def test_query_blocks_equal_one_block(self, blocks):
    # Blocks of rows (uneven for 2 and 3 of 5 rows; one row each for 16)
    # against the whole score matrix at once: the same attention.
    shape = (5, 3, 3)
    attention = snail._CausalAttention(12, num_groups=3)
    rng = np.random.default_rng(2)
    x = tf.constant(rng.normal(size=(2, 5, 3, 12)), tf.float32)
    images = tf.constant(rng.uniform(-1, 1, (2,) + shape), tf.float32)
    attention(x, images)
    test_util.randomize_weights(attention)
    with mock.patch.object(snail, 'QUERY_BLOCKS', 1):
      whole = attention(x, images).numpy()
    with mock.patch.object(snail, 'QUERY_BLOCKS', blocks), \
        mock.patch.object(snail, 'MIN_BLOCK_QUERIES', 1):
      blocked = attention(x, images).numpy()
    flat = whole.reshape(2, 15, 12)
    self.assertAllEqual(flat[:, 0], np.zeros((2, 12)))  # Sees no pixel.
    self.assertGreater(np.abs(flat[:, 1:]).max(axis=-1).min(), 0)
    self.assertAllClose(blocked, whole, atol=1e-6, rtol=1e-5)

  def test_unknown_backbone(self):
    with self.assertRaisesRegex(ValueError, 'backbone'):
      aiqn_tf.PixelCNN((4, 4, 1), backbone='transformer')


if __name__ == '__main__':
  tf.test.main()
