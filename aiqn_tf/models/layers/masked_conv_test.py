"""MaskedConv2D against a plain convolution with the mask applied by hand."""

from absl.testing import parameterized
import numpy as np
import tensorflow as tf

from aiqn_tf.models.layers import masks
from aiqn_tf.models.layers.masked_conv import MaskedConv2D


class MaskedConv2DTest(tf.test.TestCase, parameterized.TestCase):

  @parameterized.parameters(
      ((2, 3), ((1, 0), (1, 1)), None),  # Vertical stack.
      ((1, 2), ((0, 0), (1, 0)), 'A'),  # Horizontal stack, first block.
      ((1, 2), ((0, 0), (1, 0)), 'B'),
      ((1, 1), ((0, 0), (0, 0)), 'B'),  # 1x1 of the horizontal path.
  )
  def test_matches_reference(self, kernel_size, padding, mask_type):
    layer = MaskedConv2D(12, kernel_size, padding, mask_type, num_groups=3,
                         output_splits=2)
    x = np.random.default_rng(0).normal(size=(2, 5, 6, 6)).astype(np.float32)
    y = layer(x)
    kernel = layer.kernel.numpy()
    if mask_type:
      (top, _), (left, _) = padding
      kernel[top, left] *= masks.autoregressive_mask(
          masks.channel_groups(6, 3), masks.channel_groups(12, 3, 2), mask_type)
    padded = np.pad(x, [(0, 0), padding[0], padding[1], (0, 0)])
    expected = tf.nn.conv2d(padded, kernel, 1, 'VALID')
    self.assertEqual(y.shape, (2, 5, 6, 12))
    self.assertAllClose(y, expected, atol=1e-5)

  def test_dilated_taps_are_that_far_apart(self):
    # WaveNet's causal layer: taps at t - 8, t - 4 and t (masked 'B').
    layer = MaskedConv2D(12, (3, 1), ((8, 0), (0, 0)), 'B', num_groups=3,
                         output_splits=2, dilation=(4, 1))
    x = np.random.default_rng(1).normal(size=(2, 10, 1, 6)).astype(np.float32)
    layer.build(x.shape)
    kernel = layer.kernel.numpy()
    kernel[2] *= masks.autoregressive_mask(
        masks.channel_groups(6, 3), masks.channel_groups(12, 3, 2), 'B')
    padded = np.pad(x, [(0, 0), (8, 0), (0, 0), (0, 0)])
    expected = sum(padded[:, 4 * m:4 * m + 10] @ kernel[m, 0]
                   for m in range(3)) + layer.bias.numpy()
    self.assertAllClose(layer(x), expected, atol=1e-5)

  def test_masked_before_training(self):
    # The mask acts in call: an untrained layer already ignores masked inputs.
    layer = MaskedConv2D(3, mask_type='A', num_groups=3)
    x = tf.random.normal((1, 2, 2, 3))
    with tf.GradientTape() as tape:
      tape.watch(x)
      blue = layer(x)[..., 2]
    grad = tape.gradient(blue, x).numpy()
    self.assertAllEqual(grad[..., 2], np.zeros((1, 2, 2)))
    self.assertTrue(np.all(grad[..., :2] != 0))

  def test_rejects_bad_arguments(self):
    with self.assertRaises(ValueError):
      MaskedConv2D(5, mask_type='B', num_groups=3, output_splits=2)
    with self.assertRaises(ValueError):
      MaskedConv2D(6, mask_type='C', num_groups=3)
    with self.assertRaises(ValueError):
      MaskedConv2D(6, (1, 2), ((0, 0), (2, 0)))
    with self.assertRaisesRegex(ValueError, 'divide'):
      MaskedConv2D(6, (3, 1), ((5, 0), (0, 0)), dilation=(2, 1))


if __name__ == '__main__':
  tf.test.main()
