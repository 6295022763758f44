"""PixelIQN's quantile density against gradients and finite differences."""

import numpy as np
import tensorflow as tf

import aiqn_tf
from aiqn_tf.models.heads import quantile_density
from aiqn_tf.models import sampling
from aiqn_tf.testing import test_util


class QuantileDensityTest(tf.test.TestCase):

  def test_needs_tau_and_the_gated_stacks(self):
    shape = (2, 2, 1)
    images, tau = tf.zeros((1,) + shape), tf.fill((1,) + shape, 0.5)
    small = dict(num_layers=1, filters=4, kernel_size=3, output_filters=4)
    snail = aiqn_tf.PixelIQN(shape, backbone='snail', **small).build_all()
    with self.assertRaisesRegex(ValueError, 'needs the gated backbone'):
      quantile_density.quantile_density(snail, images, tau)
    cnn = aiqn_tf.PixelCNN(shape, **small).build_all()
    with self.assertRaisesRegex(ValueError, 'needs a PixelIQN'):
      quantile_density.quantile_density(cnn, images, tau)

  def test_matches_full_model_gradient_and_finite_difference(self):
    shape = (4, 3, 3)
    model = test_util.trained_model(aiqn_tf.PixelIQN, shape, num_classes=2)
    labels = tf.constant([0, 1])
    tau = sampling.draw_noise((2,) + shape, seed=4)
    images = tf.function(
        lambda: sampling.sample(model, tau, 'fast', labels))()
    dq = quantile_density.quantile_density(model, images, tau, labels).numpy()
    size = np.prod(shape)

    def out_k(t, k):
      outputs = model({'images': images, 'tau': t, 'labels': labels})
      return tf.reshape(outputs, [2, -1])[:, k]

    h = 1e-2
    for k in np.random.default_rng(0).choice(size, 8, replace=False):
      # Reverse mode through the whole model: d out_k / d tau, entry k.
      with tf.GradientTape() as tape:
        tape.watch(tau)
        value = tf.reduce_sum(out_k(tau, k))
      exact = tf.reshape(tape.gradient(value, tau), [2, -1])[:, k]
      self.assertAllClose(dq.reshape(2, -1)[:, k], exact, rtol=1e-4,
                          atol=1e-6)
      # And a central difference (float32: a loose tolerance).
      bump = np.zeros((2, size), np.float32)
      bump[:, k] = h
      bump = bump.reshape((2,) + shape)
      finite = (out_k(tau + bump, k) - out_k(tau - bump, k)) / (2 * h)
      self.assertAllClose(dq.reshape(2, -1)[:, k], finite, rtol=0.1,
                          atol=2e-3)
    log_density, crossing = quantile_density.density_summary(dq)
    self.assertEqual(log_density.shape, (2,))
    self.assertAllClose(crossing, np.mean(dq.reshape(2, -1) <= 0, axis=1))


if __name__ == '__main__':
  tf.test.main()
