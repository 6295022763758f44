"""PixelIQN: inputs, outputs and a training step at the paper's size."""

import keras
import numpy as np
import tensorflow as tf

import aiqn_tf
from aiqn_tf.models import losses


def _inputs(shape, batch, seed=0):
  rng = np.random.default_rng(seed)
  return {
      'images': rng.uniform(-1, 1, (batch,) + shape).astype(np.float32),
      'tau': rng.uniform(0, 1, (batch,) + shape).astype(np.float32),
  }


class PixelIQNTest(tf.test.TestCase):

  def test_output_shape_and_own_tau(self):
    model = aiqn_tf.PixelIQN((5, 4, 3), num_layers=2, filters=6,
                             kernel_size=3, output_filters=12)
    inputs = _inputs((5, 4, 3), batch=2)
    out = model(inputs)
    self.assertEqual(out.shape, (2, 5, 4, 3))
    self.assertEqual(out.dtype, tf.float32)
    # Changing only the last sub-pixel's tau changes only the last output.
    tau = inputs['tau'].copy()
    tau[:, -1, -1, -1] = 1.0 - tau[:, -1, -1, -1]
    changed = model(dict(inputs, tau=tau)) != out
    self.assertTrue(np.all(changed[:, -1, -1, -1]))
    self.assertEqual(int(tf.reduce_sum(tf.cast(changed, tf.int32))), 2)

  def test_several_tau_draws_average_the_loss_over_them(self):
    model = aiqn_tf.PixelIQN((3, 3, 1), num_layers=2, filters=6,
                             kernel_size=3, output_filters=12, tau_draws=3)
    images = np.random.default_rng(1).integers(0, 256, (2, 3, 3, 1),
                                               np.uint8)
    noise = model.training_noise(2, tf.constant([4, 5]))
    self.assertEqual(noise['tau'].shape, (2, 3, 3, 3, 1))
    loss, _ = model.per_example_loss({'images': images}, noise)
    self.assertEqual(model.get_config()['tau_draws'], 3)
    model.tau_draws = 1  # The same weights, one draw at a time.
    each = [model.per_example_loss({'images': images},
                                   {'tau': noise['tau'][:, d]})[0]
            for d in range(3)]
    self.assertAllClose(loss, np.mean(each, axis=0), rtol=1e-5)
    with self.assertRaisesRegex(ValueError, 'tau_draws'):
      aiqn_tf.PixelIQN((3, 3, 1), tau_draws=0)

  def test_class_conditional(self):
    model = aiqn_tf.PixelIQN((4, 4, 1), num_layers=1, filters=4,
                             kernel_size=3, output_filters=4, num_classes=10)
    out = model(dict(_inputs((4, 4, 1), 3), labels=np.array([0, 5, 9])))
    self.assertEqual(out.shape, (3, 4, 4, 1))

  def test_rejects_bad_inputs(self):
    model = aiqn_tf.PixelIQN((4, 4, 3), num_layers=1, filters=3,
                             kernel_size=3, output_filters=3)
    inputs = _inputs((4, 4, 3), 1)
    with self.assertRaisesRegex(ValueError, 'missing'):
      model({'images': inputs['images']})
    with self.assertRaisesRegex(ValueError, r'"tau" must have shape \[batch, 4, 4, 3\]'):
      model(dict(inputs, tau=inputs['tau'][..., :1]))
    with self.assertRaisesRegex(ValueError, 'unexpected'):
      model(dict(inputs, labels=np.array([1])))

  def test_paper_size_takes_an_optimizer_step(self):
    # CIFAR-10 model of the paper: 15 blocks, 5x5, 128 planes, 1024 output planes.
    model = aiqn_tf.PixelIQN((32, 32, 3))
    optimizer = keras.optimizers.Adam(1e-4)
    inputs = _inputs((32, 32, 3), batch=2)
    images = aiqn_tf.images.to_float(
        aiqn_tf.images.to_uint8(inputs['images']))  # On the 256-level grid.
    inputs['images'] = images

    def loss_fn():
      quantiles = model(inputs)
      per_image = tf.reduce_sum(
          losses.quantile_huber_loss(images, quantiles, inputs['tau']),
          axis=[1, 2, 3])
      return tf.reduce_mean(per_image)

    loss_before = loss_fn()
    weights_before = [w.numpy() for w in model.trainable_weights]
    with tf.GradientTape() as tape:
      loss = loss_fn()
    grads = tape.gradient(loss, model.trainable_weights)
    self.assertTrue(all(g is not None for g in grads))
    optimizer.apply_gradients(zip(grads, model.trainable_weights))
    self.assertTrue(np.isfinite(loss.numpy()))
    self.assertAllClose(loss, loss_before)
    moved = [np.any(w.numpy() != b)
             for w, b in zip(model.trainable_weights, weights_before)]
    self.assertTrue(all(moved), [w.path for w, m in
                                 zip(model.trainable_weights, moved) if not m])
    self.assertLen(model.backbone.blocks, 15)


if __name__ == '__main__':
  tf.test.main()
