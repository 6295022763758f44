"""Polyak averaging against its formula, whole models and one part."""

import keras
import numpy as np
import tensorflow as tf

from aiqn_tf.training import polyak


def _pair():
  def model():
    inputs = keras.Input((2,))
    first = keras.layers.Dense(3, name='first')
    outputs = keras.layers.Dense(1, name='second')(first(inputs))
    return keras.Model(inputs, outputs), first
  (a, a_first), (b, _) = model(), model()
  return a, a_first, b


class PolyakAverageTest(tf.test.TestCase):

  def _step(self, model):
    for w in model.weights:
      w.assign(w + 1.0)

  def test_average_follows_formula(self):
    model, _, average_model = _pair()
    average = polyak.PolyakAverage(model, average_model, decay=0.9)
    expected = [w.numpy() for w in model.weights]
    for step in range(1, 30):
      self._step(model)
      average.update(step)
      d = min(0.9, (1 + step) / (10 + step))
      expected = [d * e + (1 - d) * w.numpy()
                  for e, w in zip(expected, model.weights)]
    for e, w in zip(expected, average_model.weights):
      self.assertAllClose(e, w.numpy(), rtol=1e-5)
    # 29 steps of +1: the average lags the weights.
    self.assertLess(np.max(average_model.weights[0].numpy()
                           - model.weights[0].numpy()), -1.0)

  def test_part_averaged_rest_copied(self):
    model, first, average_model = _pair()
    average = polyak.PolyakAverage(model, average_model, decay=0.9,
                                   averaged=lambda m: first)
    for step in range(1, 10):
      self._step(model)
      average.update(step)
    for w, a in zip(model.weights, average_model.weights):
      if 'first' in w.path:
        self.assertNotAllClose(w.numpy(), a.numpy())
      else:
        self.assertAllEqual(w.numpy(), a.numpy())


if __name__ == '__main__':
  tf.test.main()
