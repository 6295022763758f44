"""Helpers shared by the tests."""

import numpy as np


def randomize_weights(model, seed=0):
  """Gives every weight of a built model a random non-zero value.

  Kernels get N(0, 1/fan_in), so activations stay in the gates' sensitive range;
  everything else (biases, label embeddings), which Keras initializes to zeros
  or tiny values, gets N(0, 0.1^2). No weight is left exactly zero, so every
  connection a mask allows carries gradient.
  """
  rng = np.random.default_rng(seed)
  for weight in model.weights:
    shape = tuple(weight.shape)
    scale = 1.0 / np.sqrt(np.prod(shape[:-1])) if len(shape) == 4 else 0.1
    weight.assign(rng.normal(0.0, scale, shape).astype(np.float32))

