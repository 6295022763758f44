"""PixelCNN baseline: logits layout, channel order and a step at the paper's size."""

import keras
import numpy as np
import tensorflow as tf

import aiqn_tf
from aiqn_tf.models import losses
from aiqn_tf.testing import test_util


class PixelCNNTest(tf.test.TestCase):

  def test_logits_layout_follows_rgb_order(self):
    model = aiqn_tf.PixelCNN((3, 3, 3), num_layers=2, filters=6,
                             kernel_size=3, output_filters=96)
    images = tf.random.uniform((1, 3, 3, 3), -1, 1)
    model({'images': images})
    test_util.randomize_weights(model)
    with tf.GradientTape(persistent=True) as tape:
      tape.watch(images)
      logits = model({'images': images})
      per_channel = [tf.reduce_sum(logits[0, 1, 1, c] * tf.range(256.0))
                     for c in range(3)]
    self.assertEqual(logits.shape, (1, 3, 3, 3, 256))
    # Channel c of pixel (1, 1) sees exactly channels < c of that pixel.
    for c in range(3):
      grad = tape.gradient(per_channel[c], images).numpy()[0, 1, 1]
      self.assertAllEqual(grad != 0, np.arange(3) < c)

  def test_paper_size_takes_an_optimizer_step(self):
    model = aiqn_tf.PixelCNN((32, 32, 3), num_classes=10)
    optimizer = keras.optimizers.RMSprop(1e-4)
    levels = np.random.default_rng(0).integers(0, 256, (2, 32, 32, 3))
    inputs = {'images': aiqn_tf.images.to_float(levels),
              'labels': np.array([3, 7])}
    with tf.GradientTape() as tape:
      nats = tf.reduce_mean(
          losses.softmax_cross_entropy(levels, model(inputs)))
    grads = tape.gradient(nats, model.trainable_weights)
    optimizer.apply_gradients(zip(grads, model.trainable_weights))
    # An untrained softmax is close to uniform: about 8 bits per sub-pixel.
    self.assertBetween(float(losses.bits_per_dim(nats)), 7.0, 9.5)
    self.assertTrue(all(np.all(np.isfinite(tf.convert_to_tensor(g)))
                        for g in grads))
    self.assertLess(
        float(tf.reduce_mean(losses.softmax_cross_entropy(levels,
                                                          model(inputs)))),
        float(nats))


if __name__ == '__main__':
  tf.test.main()
