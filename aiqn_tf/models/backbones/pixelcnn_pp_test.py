"""The PixelCNN++ backbone: what each stream sees, its U-Net's sizes, XLA,
the cached sampler on three resolutions, and a model that trains."""

import keras
import numpy as np
import tensorflow as tf

import aiqn_tf
from aiqn_tf.models import registry
from aiqn_tf.models import sampling
from aiqn_tf.models.backbones import pixelcnn_pp
from aiqn_tf.testing import test_util


def _backbone(shape, num_classes=None, resolutions=3, num_layers=1,
              use_tau=True):
  layer = pixelcnn_pp.PixelCNNPPNetwork(
      shape, out_channels=2 * shape[-1], num_layers=num_layers,
      filters=4 * shape[-1], kernel_size=3, output_filters=6 * shape[-1],
      num_classes=num_classes, use_tau=use_tau, resolutions=resolutions)
  layer(tf.zeros((1,) + shape), tf.zeros((1,) + shape) if use_tau else None,
        tf.zeros([1], tf.int32) if num_classes else None)
  test_util.randomize_weights(layer)
  return layer


def _inputs(shape, batch=1, seed=0):
  rng = np.random.default_rng(seed)
  return (tf.constant(rng.uniform(-1, 1, (batch,) + shape), tf.float32),
          tf.constant(rng.uniform(size=(batch,) + shape), tf.float32))


class StreamsTest(tf.test.TestCase):

  def _seen(self, layer, i, j):
    """Which pixels u and ul at (i, j) depend on: ([H, W] bool) x 2, for
    the images and for tau."""
    images, tau = _inputs(layer.image_shape)
    seen = []
    for stream in ('u', 'ul'):
      with tf.GradientTape(persistent=True) as tape:
        tape.watch([images, tau])
        for_ul, ul, _ = layer.streams(images, layer.tau_features(tau))
        out = (for_ul[-1] if stream == 'u' else ul)[0, i, j]
        out = tf.reduce_sum(out * tf.range(1.0, out.shape[0] + 1.0))
      seen.append([np.abs(tape.gradient(out, x).numpy()[0]).sum(-1) > 0
                   for x in (images, tau)])
    return seen

  def test_u_sees_the_rows_above_and_ul_the_pixels_before(self):
    shape = (8, 8, 3)
    layer = _backbone(shape)
    self.assertEqual(layer.sizes, [(8, 8), (4, 4), (2, 2)])
    rows, columns = np.meshgrid(range(8), range(8), indexing='ij')
    for i, j in ((0, 0), (0, 5), (4, 0), (5, 3), (7, 7)):
      (u_images, u_tau), (ul_images, ul_tau) = self._seen(layer, i, j)
      above = rows < i
      before = (rows < i) | ((rows == i) & (columns < j))
      # Nothing of the current pixel or later: the output path adds it.
      for seen, allowed in ((u_images, above), (u_tau, above),
                            (ul_images, before), (ul_tau, before)):
        self.assertFalse((seen & ~allowed).any(), f'{(i, j)}: a leak')
      if i:
        self.assertTrue(u_images[i - 1, j])
        # Above and to the right: no blind spot (ul takes u).
        self.assertTrue(ul_images[i - 1, min(j + 1, 7)])
      if j:
        self.assertTrue(ul_images[i, j - 1])
        self.assertTrue(ul_tau[i, j - 1])
    # Far pixels through the coarser resolutions: at (7, 7), u sees every
    # pixel of rows 0-5 and ul of rows 0-6; with one resolution the same
    # blocks reach neither row 0 (u) nor column 0 (ul).
    (u_images, _), (ul_images, ul_tau) = self._seen(layer, 7, 7)
    self.assertTrue(u_images[:6].all())
    self.assertTrue(ul_images[:7].all())
    self.assertTrue(ul_tau[0, 0])
    (u_images, _), (ul_images, _) = self._seen(_backbone(shape, resolutions=1),
                                               7, 7)
    self.assertFalse(u_images[0].any())
    self.assertFalse(ul_images[:, 0].any())

  def test_sizes_of_odd_and_small_images(self):
    sizes = pixelcnn_pp.resolution_sizes
    self.assertEqual(sizes(32, 32, 3), [(32, 32), (16, 16), (8, 8)])
    self.assertEqual(sizes(5, 7, 3), [(5, 7), (3, 4), (2, 2)])
    self.assertEqual(sizes(3, 3, 3), [(3, 3), (2, 2)])
    self.assertEqual(sizes(2, 3, 3), [(2, 3)])
    self.assertEqual(sizes(8, 8, 1), [(8, 8)])
    for shape in ((3, 3, 1), (5, 7, 3), (1, 4, 1)):
      layer = _backbone(shape, num_classes=2)
      images, tau = _inputs(shape, batch=2)
      out = layer(images, tau, tf.constant([0, 1]))
      self.assertEqual(out.shape, (2,) + shape[:2] + (2 * shape[-1],))
      self.assertTrue(np.isfinite(out.numpy()).all())

  def test_xla_with_unknown_batch_equals_eager(self):
    shape = (5, 7, 3)
    layer = _backbone(shape, num_classes=3)
    images, tau = _inputs(shape, batch=2)
    labels = tf.constant([2, 0])
    spec = lambda dtype, rest: tf.TensorSpec((None,) + rest, dtype)
    compiled = tf.function(
        layer, jit_compile=True,
        input_signature=[spec(tf.float32, shape), spec(tf.float32, shape),
                         spec(tf.int32, ())])
    self.assertAllClose(compiled(images, tau, labels),
                        layer(images, tau, labels), atol=1e-5)


class SamplingTest(tf.test.TestCase):

  def test_cached_equals_sequential_on_three_resolutions(self):
    # 5x7: 5x7, 3x4, 2x2, odd sizes at each; the prefix ends inside a pixel
    # of an odd row, so the first row step starts mid-row.
    shape = (5, 7, 3)
    layer = _backbone(shape, num_classes=2)
    labels = tf.constant([1, 0])
    noise = sampling.draw_noise((2,) + shape, seed=3)
    prefix, _ = _inputs(shape, batch=2, seed=4)
    num_fixed = (7 + 2) * 3 + 1

    def values(outputs, noise):  # A head of PixelIQN's kind.
      outputs = tf.reshape(outputs, tf.concat(
          [tf.shape(outputs)[:-1], [3, 2]], 0))
      return tf.tanh(outputs[..., 0] + 2.0 * noise * outputs[..., 1])

    step = lambda images, noise: values(layer(images, noise, labels), noise)
    reference = tf.function(lambda: sampling.sequential(
        step, noise, prefix, num_fixed))()
    fast = tf.function(lambda: sampling.cached(
        layer, values, noise, noise, labels, prefix, num_fixed))()
    self.assertAllClose(fast, reference, atol=1e-5)
    flat = lambda x: tf.reshape(x, [2, -1]).numpy()
    self.assertAllEqual(flat(fast)[:, :num_fixed],
                        flat(prefix)[:, :num_fixed])
    self.assertGreater(flat(fast)[:, num_fixed:].std(), 0.1)

  def test_candidates_are_the_outputs_at_each_tau(self):
    # The likelihood's step (likelihood.py): channel c's outputs at M
    # values of its own tau, against a sampling step with each set.
    shape = (3, 4, 3)
    layer = _backbone(shape)
    images, tau = _inputs(shape, batch=2)
    i, j, c = 1, 2, 1
    cache, context = layer.sampling_start(images, tau, None, i)
    cache = layer.sampling_start_row(cache, context, images[:, i:i + 1], i)
    x_row = images[:, i:i + 1]
    candidates = tf.constant([[0.1, 0.5, 0.9], [0.3, 0.0, 1.0]])
    outputs = layer.sampling_candidates(cache, context, x_row, i, j, c,
                                        candidates)
    self.assertEqual(outputs.shape, (2, 3, 2))
    for m in range(3):
      pixel = tau[:, i, j].numpy()
      pixel[:, c] = candidates[:, m]
      changed = layer.sampling_with_tau(context, i, j, tf.constant(pixel))
      step, _ = layer.sampling_pixel(cache, changed, x_row, i, j, c)
      self.assertAllClose(outputs[:, m], step[:, 0, 0, 2 * c:2 * c + 2],
                          atol=1e-5)
      tau_m = tau.numpy()
      tau_m[:, i, j] = pixel
      whole = layer(images, tf.constant(tau_m))[:, i, j, 2 * c:2 * c + 2]
      self.assertAllClose(outputs[:, m], whole, atol=1e-5)


class ModelTest(tf.test.TestCase):

  def test_the_pixel_cnn_pp_head_on_it_builds_and_trains(self):
    keras.utils.set_random_seed(0)
    model = registry.get('pixel_cnn_pp')(
        (8, 8, 3), backbone='pixelcnn_pp', num_layers=1, filters=8,
        output_filters=16, num_mixtures=2)
    self.assertEqual(model.get_config()['backbone_config'],
                     {'resolutions': 3})
    optimizer = keras.optimizers.Adam(1e-3)
    batch = {'images': np.random.default_rng(0).integers(
        0, 256, (4, 8, 8, 3), np.uint8)}
    losses = []
    for _ in range(2):
      with tf.GradientTape() as tape:
        loss = tf.reduce_mean(model.per_example_loss(batch, {})[0])
      grads = tape.gradient(loss, model.trainable_weights)
      self.assertTrue(all(g is not None and np.isfinite(g.numpy()).all()
                          for g in grads))
      optimizer.apply_gradients(zip(grads, model.trainable_weights))
      losses.append(float(loss))
    self.assertLess(losses[1], losses[0])

  def test_resolutions_is_the_backbone_sections(self):
    model = aiqn_tf.PixelIQN((4, 4, 1), num_layers=1, filters=4,
                             kernel_size=3, output_filters=4,
                             backbone='pixelcnn_pp',
                             backbone_config=dict(resolutions=2))
    self.assertEqual(model.backbone.sizes, [(4, 4), (2, 2)])
    restored = pixelcnn_pp.PixelCNNPPNetwork.from_config(
        model.backbone.get_config())
    self.assertEqual(restored.sizes, [(4, 4), (2, 2)])
    with self.assertRaisesRegex(ValueError, 'resolutions must be >= 1'):
      aiqn_tf.PixelIQN((4, 4, 1), backbone='pixelcnn_pp',
                       backbone_config=dict(resolutions=0))


if __name__ == '__main__':
  tf.test.main()
