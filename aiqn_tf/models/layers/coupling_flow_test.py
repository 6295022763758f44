"""The coupling flow: inverse against forward, log-determinant against autodiff."""

import os
import tempfile

import keras
import numpy as np
import tensorflow as tf

from aiqn_tf.models.layers import coupling_flow
from aiqn_tf.testing import test_util


def _flow(shape, num_steps=3, seed=0):
  flow = coupling_flow.CouplingFlow(num_steps=num_steps, hidden=8)
  flow(tf.zeros((1,) + shape))
  test_util.randomize_weights(flow, seed)
  return flow


class CouplingFlowTest(tf.test.TestCase):

  def test_inverse_undoes_forward(self):
    for shape in ((8, 8, 1), (4, 6, 3)):
      flow = _flow(shape)
      x = tf.random.stateless_normal((5,) + shape, [1, 2])
      y, _ = flow.forward(x)
      self.assertGreater(float(tf.reduce_max(tf.abs(y - x))), 0.1)
      self.assertAllClose(flow.inverse(y), x, atol=1e-5)
      self.assertAllClose(flow.forward(flow.inverse(x))[0], x, atol=1e-5)

  def test_log_determinant_is_that_of_the_jacobian(self):
    shape = (4, 4, 1)
    flow = _flow(shape, num_steps=4, seed=3)
    x = tf.random.stateless_normal((3,) + shape, [4, 5])
    with tf.GradientTape() as tape:
      tape.watch(x)
      y, log_det = flow.forward(x)
    jacobian = tape.batch_jacobian(y, x).numpy().reshape(3, 16, 16)
    expected = [np.linalg.slogdet(j.astype(np.float64))[1] for j in jacobian]
    self.assertAllClose(log_det, expected, atol=1e-4)
    self.assertGreater(float(tf.reduce_max(tf.abs(log_det))), 0.1)

  def test_starts_as_the_identity(self):
    flow = coupling_flow.CouplingFlow(num_steps=2, hidden=4)
    x = tf.random.stateless_normal((2, 4, 4, 3), [0, 1])
    y, log_det = flow.forward(x)
    self.assertAllClose(y, x)
    self.assertAllClose(log_det, [0.0, 0.0])

  def test_saves_and_loads(self):
    # As a .keras file, and through tf.train.Checkpoint, the trainer's
    # format, which misses weights a layer keeps in a list made in build.
    flow = _flow((4, 4, 1))
    inputs = keras.Input((4, 4, 1))
    model = keras.Model(inputs, flow(inputs))
    path = os.path.join(tempfile.mkdtemp(), 'flow.keras')
    model.save(path)
    x = tf.random.stateless_normal((2, 4, 4, 1), [7, 8])
    self.assertAllClose(keras.models.load_model(path)(x), model(x))
    fresh = coupling_flow.CouplingFlow(num_steps=3, hidden=8)
    fresh(x)
    checkpoint = tf.train.Checkpoint(flow=flow).save(
        os.path.join(tempfile.mkdtemp(), 'ckpt'))
    tf.train.Checkpoint(flow=fresh).restore(checkpoint).assert_consumed()
    self.assertAllClose(fresh(x), flow(x))

  def test_odd_sizes_are_refused(self):
    with self.assertRaisesRegex(ValueError, 'even heights and widths'):
      coupling_flow.CouplingFlow()(tf.zeros([1, 7, 8, 1]))


if __name__ == '__main__':
  tf.test.main()
