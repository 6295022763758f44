"""PixelRNN's Row LSTM and Diagonal BiLSTM: receptive fields, XLA, caches.

Causality under every head, fast == sequential sampling (and inpainting)
and the round trips: the conformance suite (backbone_conformance_test.py).
"""

from unittest import mock

from absl.testing import parameterized
import keras
import numpy as np
import tensorflow as tf

from aiqn_tf.models import registry
from aiqn_tf.models import sampling
from aiqn_tf.models.backbones import backbone
from aiqn_tf.models.backbones import pixel_rnn
from aiqn_tf.testing import test_util

BACKBONES = (('row_lstm', pixel_rnn.RowLSTM),
             ('diagonal_bilstm', pixel_rnn.DiagonalBiLSTM))


def _backbone(cls, shape, num_layers=1, use_tau=True, num_classes=None,
              out_channels=None, tau_embedding='linear'):
  layer = cls(shape, out_channels=out_channels or shape[-1],
              num_layers=num_layers, filters=4 * shape[-1], kernel_size=3,
              output_filters=16 * shape[-1], num_classes=num_classes,
              use_tau=use_tau, tau_embedding=tau_embedding)
  test_util.randomize_weights(layer)  # Built when constructed.
  return layer


def _inputs(shape, batch=1, seed=0):
  rng = np.random.default_rng(seed)
  return (tf.constant(rng.uniform(-1, 1, (batch,) + shape), tf.float32),
          tf.constant(rng.uniform(size=(batch,) + shape), tf.float32))


def _jacobians(layer, images, tau):
  """Which inputs each output sub-pixel depends on: bool [K, K] for the
  images and tau, K = H W C in raster order."""
  size = int(np.prod(images.shape))
  with tf.GradientTape(persistent=True) as tape:
    tape.watch([images, tau])
    out = tf.reshape(layer(images, tau), [size])
  return tuple(tf.reshape(tape.jacobian(out, x), [size, size]).numpy() != 0
               for x in (images, tau))


class PixelRNNTest(tf.test.TestCase, parameterized.TestCase):

  def test_row_lstm_sees_the_triangle_above(self):
    # One layer, k = 3 (n = 1), grey: output (i, j) sees row i - d at
    # columns j - (d + 1) n .. j + d n - 1 (its own pixel through no tap,
    # mask 'A'), and tau there and at the pixels the states of (i - d)
    # span, columns j - d n .. j + d n, its own included.
    shape, (i, j) = (4, 9, 1), (3, 4)
    layer = _backbone(pixel_rnn.RowLSTM, shape)
    images, tau = _inputs(shape)
    with tf.GradientTape(persistent=True) as tape:
      tape.watch([images, tau])
      out = layer(images, tau)[0, i, j, 0]
    seen_images = tape.gradient(out, images).numpy()[0, ..., 0] != 0
    seen_tau = tape.gradient(out, tau).numpy()[0, ..., 0] != 0
    rows, columns = np.meshgrid(np.arange(4), np.arange(9), indexing='ij')
    d = i - rows
    self.assertAllEqual(seen_images, (d >= 0) & (columns >= j - (d + 1)) &
                        (columns <= j + d - 1))
    self.assertAllEqual(seen_tau, (d >= 0) & (np.abs(columns - j) <= d))
    # The triangle misses the top-right corner.
    self.assertFalse(seen_images[0, -1])

  def test_diagonal_bilstm_sees_the_whole_past_and_nothing_after(self):
    # In RGB, through two layers: every earlier sub-pixel (the top-right
    # pixels included, which only the backward direction reaches), its own
    # and earlier tau, nothing later.
    shape = (3, 4, 3)
    layer = _backbone(pixel_rnn.DiagonalBiLSTM, shape, num_layers=2)
    on_images, on_tau = _jacobians(layer, *_inputs(shape))
    order = np.arange(on_images.shape[0])
    self.assertAllEqual(on_images, order[None, :] < order[:, None])
    self.assertAllEqual(on_tau, order[None, :] <= order[:, None])

  def test_diagonal_bilstm_backward_map_is_shifted_down_one_row(self):
    # The backward direction's state at (i, j) sees (i, j + 1): unshifted,
    # every output would see the pixel to its right (as one public port's
    # does). Shifted, none does, and the pixel above-right is still seen.
    shape = (3, 4, 1)
    layer = _backbone(pixel_rnn.DiagonalBiLSTM, shape)
    images, tau = _inputs(shape)
    on_images, _ = _jacobians(layer, images, tau)
    right = np.eye(12, k=1, dtype=bool)  # [k, k + 1]
    right[3::4] = False  # The pixel right of a row's last is the next row's.
    self.assertFalse(on_images[right].any())
    self.assertTrue(on_images[4 + 1, 2])  # (1, 1) sees (0, 2).
    with mock.patch.object(backbone, 'shift_down', lambda x: x):
      unshifted, _ = _jacobians(layer, images, tau)
    self.assertTrue(unshifted[right].all())

  @parameterized.named_parameters(*BACKBONES)
  def test_xla_full_pass_equals_eager(self, cls):
    shape = (3, 4, 3)
    layer = _backbone(cls, shape, num_layers=2, num_classes=3)
    images, tau = _inputs(shape, batch=2)
    labels = tf.constant([2, 0])
    spec = [tf.TensorSpec((None,) + shape, tf.float32)] * 2 + [
        tf.TensorSpec([None], tf.int32)]  # Any batch size.
    compiled = tf.function(layer.call, input_signature=spec,
                           jit_compile=True)
    self.assertAllClose(compiled(images, tau, labels),
                        layer(images, tau, labels), atol=1e-5)

  @parameterized.named_parameters(*BACKBONES)
  def test_candidates_equal_full_passes(self, cls):
    # PixelIQN's likelihood tries M values of a sub-pixel's tau on the
    # caches: each must give the full pass's output with that tau. Row 1 of
    # images given whole (an inpainting start), RGB, class-conditional, tau
    # as IQN's cosines (several features per channel).
    shape, (i, j, c) = (3, 4, 3), (1, 2, 1)
    layer = _backbone(cls, shape, num_layers=2, num_classes=2,
                      out_channels=6, tau_embedding='cosine')
    images, tau = _inputs(shape, batch=2)
    labels = tf.constant([1, 0])
    cache, context = layer.sampling_start(images, tau, labels, first_row=i)
    candidates = tf.constant([[0.1, 0.5, 0.9], [0.3, 0.6, 0.99]])
    outputs = layer.sampling_candidates(cache, context, images[:, i:i + 1],
                                        i, j, c, candidates)
    self.assertEqual(outputs.shape, (2, 3, 2))
    for m in range(3):
      changed = tau.numpy()
      changed[:, i, j, c] = candidates[:, m]
      full = layer(images, tf.constant(changed), labels)[:, i, j,
                                                         2 * c:2 * c + 2]
      self.assertAllClose(outputs[:, m], full, atol=1e-5)

  def test_xla_fast_sampler_equals_graph(self):
    # The backward direction's row pass runs inside the sampler's loops.
    shape = (2, 3, 3)
    layer = _backbone(pixel_rnn.DiagonalBiLSTM, shape, num_classes=2)
    noise = sampling.draw_noise((2,) + shape, seed=1)
    labels = tf.constant([0, 1])
    values = lambda outputs, noise: tf.clip_by_value(outputs, -1.0, 1.0)
    run = lambda jit: tf.function(lambda: sampling.cached(
        layer, values, noise, noise, labels), jit_compile=jit)()
    self.assertAllClose(run(True), run(False), atol=1e-5)

  @parameterized.named_parameters(*BACKBONES)
  def test_a_pixel_model_on_it_trains(self, cls):
    # As --backbone=NAME chooses it.
    name = cls.kind
    model = registry.get('pixel_iqn')((8, 8, 1), backbone=name, num_layers=2,
                                      filters=8, kernel_size=3,
                                      output_filters=16)
    self.assertIsInstance(model.backbone, cls)
    self.assertEqual(model.get_config()['backbone'], name)
    rng = np.random.default_rng(0)
    batch = {'images': rng.integers(0, 256, (4, 8, 8, 1))}
    noise = {'tau': tf.constant(rng.uniform(size=(4, 8, 8, 1)), tf.float32)}
    optimizer = keras.optimizers.Adam(1e-2)
    with tf.GradientTape() as tape:
      loss = tf.reduce_mean(model.per_example_loss(batch, noise)[0])
    grads = tape.gradient(loss, model.trainable_weights)
    self.assertTrue(all(g is not None and np.isfinite(g.numpy()).all()
                        for g in grads))
    optimizer.apply_gradients(zip(grads, model.trainable_weights))
    self.assertLess(
        float(tf.reduce_mean(model.per_example_loss(batch, noise)[0])),
        float(loss))


if __name__ == '__main__':
  tf.test.main()
