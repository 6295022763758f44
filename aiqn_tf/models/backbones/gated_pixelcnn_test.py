"""Causality of the Gated PixelCNN, checked by gradients."""

from absl.testing import parameterized
import numpy as np
import tensorflow as tf

from aiqn_tf.models.backbones import gated_pixelcnn
from aiqn_tf.testing import test_util


def _jacobian(backbone, images, tau, labels, projection):
  """d out[i,j,c] / d (images, tau)[i',j',c'] as two arrays [H,W,C,H,W,C]."""
  images = tf.constant(images)
  tau = tf.constant(tau)
  with tf.GradientTape(persistent=True) as tape:
    tape.watch([images, tau])
    out = backbone(images, tau if backbone.use_tau else None, labels)
    shape = backbone.image_shape
    # Project each sub-pixel's outputs (1 for PixelIQN, 256 logits for
    # PixelCNN) on a random direction so one Jacobian covers them all.
    out = tf.reduce_sum(tf.reshape(out, (1,) + shape + (-1,)) * projection, -1)
  d_images = tape.jacobian(out, images)[0, :, :, :, 0].numpy()
  d_tau = tape.jacobian(out, tau) if backbone.use_tau else None
  return d_images, None if d_tau is None else d_tau[0, :, :, :, 0].numpy()


def _expected_support(shape, num_layers, kernel_size):
  """Boolean [H,W,C,H,W,C] arrays: which inputs must not and must be seen.

  must_not[p, q]: q is not before p in raster order (R < G < B).
  must[p, q]: q is before p and inside the receptive field that the
  architecture guarantees: the rows above within num_layers * (k // 2) rows and
  columns on either side (this includes the classic blind spot above and to
  the right), and the current row within num_layers * (k // 2) columns left.
  """
  height, width, channels = shape
  reach = num_layers * (kernel_size // 2)
  i, j, c = np.meshgrid(np.arange(height), np.arange(width),
                        np.arange(channels), indexing='ij')
  order = (i * width + j) * channels + c
  e = (Ellipsis,) + (None,) * 3  # Output index first, input index last.
  before = order[None, None, None] < order[e]
  above = ((i[None, None, None] < i[e]) &
           (i[None, None, None] >= i[e] - 1 - reach) &
           (np.abs(j[None, None, None] - j[e]) <= reach))
  left = ((i[None, None, None] == i[e]) &
          (j[None, None, None] >= j[e] - reach) & before)
  return ~before, above | left


class CausalityTest(tf.test.TestCase, parameterized.TestCase):

  @parameterized.named_parameters(
      ('gray_iqn', (7, 7, 1), 1, True, None, 3),
      ('rgb_iqn', (7, 7, 3), 1, True, None, 3),
      ('rgb_iqn_k5', (8, 8, 3), 1, True, None, 5),
      ('rgb_iqn_classes', (6, 6, 3), 1, True, 4, 3),
      ('rgb_cnn', (6, 6, 3), 256, False, None, 3),
      ('gray_cnn', (6, 6, 1), 256, False, 3, 3),
      ('rgb_iqn_cosine_tau', (6, 6, 3), 1, True, None, 3, 'cosine'),
  )
  def test_gradients_follow_raster_order(self, shape, levels, use_tau,
                                         num_classes, kernel_size,
                                         tau_embedding='linear'):
    num_layers = 2
    channels = shape[-1]
    backbone = gated_pixelcnn.GatedPixelCNN(
        shape, out_channels=channels * levels, num_layers=num_layers,
        filters=8 * channels, kernel_size=kernel_size,
        output_filters=48 * channels, num_classes=num_classes, use_tau=use_tau,
        tau_embedding=tau_embedding)
    rng = np.random.default_rng(1)
    images = rng.uniform(-1, 1, (1,) + shape).astype(np.float32)
    tau = rng.uniform(0, 1, (1,) + shape).astype(np.float32)
    labels = tf.constant([1]) if num_classes else None
    backbone(images, tau if use_tau else None, labels)
    test_util.randomize_weights(backbone)
    projection = rng.normal(size=(levels,)).astype(np.float32)

    d_images, d_tau = _jacobian(backbone, images, tau, labels, projection)

    must_not, must = _expected_support(shape, num_layers, kernel_size)
    leaks = np.argwhere((d_images != 0) & must_not)
    self.assertEmpty(leaks, f'outputs see later or own sub-pixels: {leaks[:5]}')
    blind = np.argwhere((d_images == 0) & must)
    self.assertEmpty(blind, f'outputs blind to earlier sub-pixels: {blind[:5]}')
    if use_tau:
      own_position = np.eye(np.prod(shape), dtype=bool).reshape(must.shape)
      later_tau = np.argwhere((d_tau != 0) & must_not & ~own_position)
      self.assertEmpty(later_tau, f'outputs see later taus: {later_tau[:5]}')
      own = np.einsum('ijcijc->ijc', d_tau)
      self.assertTrue(np.all(own != 0), 'an output ignores its own tau')

  def test_labels_change_output(self):
    backbone = gated_pixelcnn.GatedPixelCNN(
        (5, 5, 3), out_channels=3, num_layers=2, filters=6, kernel_size=3,
        output_filters=6, num_classes=3)
    images = tf.random.uniform((2, 5, 5, 3), -1, 1)
    tau = tf.random.uniform((2, 5, 5, 3))
    backbone(images, tau, tf.constant([0, 0]))
    test_util.randomize_weights(backbone)
    a = backbone(images, tau, tf.constant([0, 0]))
    b = backbone(images, tau, tf.constant([0, 2]))
    self.assertAllClose(a[0], b[0])
    self.assertGreater(np.abs(a[1] - b[1]).max(), 1e-3)

  @parameterized.parameters(
      dict(image_shape=(8, 8, 2)),
      dict(image_shape=(8, 8)),
      dict(filters=2),
      dict(output_filters=1),
      dict(kernel_size=4),
      dict(num_layers=0),
      dict(num_classes=1),
      dict(tau_embedding='fourier'),
  )
  def test_rejects_bad_architecture(self, **overrides):
    args = dict(image_shape=(8, 8, 3), out_channels=3, num_layers=2,
                filters=12, kernel_size=3, output_filters=12)
    args.update(overrides)
    with self.assertRaises(ValueError):
      gated_pixelcnn.GatedPixelCNN(**args)


if __name__ == '__main__':
  tf.test.main()
