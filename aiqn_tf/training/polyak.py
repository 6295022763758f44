"""Polyak averaging: an exponential moving average of a model's weights."""

import tensorflow as tf


class PolyakAverage:
  """Keeps `average_model`'s weights an exponential moving average of `model`'s.

  The average is for sampling and export only; training never reads it. As in
  tf.train.ExponentialMovingAverage with num_updates, the decay is
  min(decay, (1 + step) / (10 + step)), so early averages are not dominated by
  the initial weights on short runs.

  Args:
    model: the trained keras.Model (built).
    average_model: a built keras.Model of the same architecture; its weights
      are overwritten with `model`'s now.
    decay: float in [0, 1), the paper's 0.9999.
    averaged: optional callable(model) -> the part of a model whose weights
      are averaged (None: no part); the other weights are copied at each
      update. Default: all weights are averaged.
  """

  def __init__(self, model, average_model, decay, averaged=None):
    self.model = model
    self.average_model = average_model
    self.decay = decay
    if len(model.weights) != len(average_model.weights):
      raise ValueError('model and average_model differ in architecture.')
    if averaged is None:
      self.is_averaged = [True] * len(model.weights)
    else:
      part = averaged(model)
      ids = {id(w) for w in part.weights} if part is not None else set()
      self.is_averaged = [id(w) in ids for w in model.weights]
    for average, weight in zip(average_model.weights, model.weights):
      average.assign(weight)

  def update(self, step):
    """Moves the average towards the current weights (cross-replica context).

    Args:
      step: scalar, the number of optimizer steps taken so far.
    """
    step = tf.cast(step, tf.float32)
    decay = tf.minimum(self.decay, (1.0 + step) / (10.0 + step))
    for average, weight, is_averaged in zip(
        self.average_model.weights, self.model.weights, self.is_averaged):
      if is_averaged:
        average.assign(decay * average + (1.0 - decay) * weight)
      else:
        average.assign(weight)
