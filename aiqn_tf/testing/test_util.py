"""Helpers shared by the tests."""

import os
import subprocess
import sys

import keras
import numpy as np
import tensorflow as tf

import aiqn_tf
from aiqn_tf.core import images as image_lib
from aiqn_tf.models import losses

# The repository root (aiqn_tf/testing/ is two levels below it).
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
TESTDATA = os.path.join(ROOT, 'testdata')


def randomize_weights(model, seed=0):
  """Gives every weight of a built model a random non-zero value.

  Kernels get N(0, 1/fan_in), so activations stay in the gates' sensitive range;
  everything else (biases, label embeddings), which Keras initializes to zeros
  or tiny values, gets N(0, 0.1^2); batch norm's moving variances stay
  positive (1 + |N(0, 0.1^2)|). No weight is left exactly zero, so every
  connection a mask allows carries gradient.
  """
  rng = np.random.default_rng(seed)
  for weight in model.weights:
    shape = tuple(weight.shape)
    scale = 1.0 / np.sqrt(np.prod(shape[:-1])) if len(shape) == 4 else 0.1
    value = rng.normal(0.0, scale, shape)
    if 'moving_variance' in weight.path:
      value = 1.0 + np.abs(value)
    weight.assign(value.astype(np.float32))



def trained_model(cls, shape, num_classes=None, steps=5, seed=0, **kwargs):
  """A small model after a few Adam steps on random images (non-trivial).

  kwargs: more constructor arguments (e.g. PixelIQN's tau_embedding).
  """
  keras.utils.set_random_seed(seed)
  model = cls(shape, num_layers=3, filters=6 * shape[-1], kernel_size=3,
              output_filters=12 * shape[-1], num_classes=num_classes,
              **kwargs)
  optimizer = keras.optimizers.Adam(1e-2)
  rng = np.random.default_rng(seed)
  for _ in range(steps):
    levels = rng.integers(0, 256, (4,) + shape)
    inputs = {'images': image_lib.to_float(levels)}
    if num_classes:
      inputs['labels'] = rng.integers(0, num_classes, 4).astype(np.int32)
    with tf.GradientTape() as tape:
      if cls is aiqn_tf.PixelIQN:
        inputs['tau'] = rng.uniform(size=(4,) + shape).astype(np.float32)
        loss = losses.quantile_huber_loss(inputs['images'], model(inputs),
                                          inputs['tau'])
      else:  # PixelCNN and its subclasses.
        loss = model.negative_log_likelihood(levels, model(inputs))
      loss = tf.reduce_mean(loss)
    grads = tape.gradient(loss, model.trainable_variables)
    optimizer.apply_gradients(zip(grads, model.trainable_variables))
  return model


# The evaluate binary's flags that skip PixelIQN's likelihood estimate and the
# independent critic, for the tests that check neither (they cost most of a
# small evaluation; evaluate_test checks both).
QUICK_EVALUATE = ('--likelihood_images=0', '--independent_critic_steps=0')


def run_binary(name, *args, timeout=600):
  """Runs `python -m binaries.NAME ARGS` from the repository root.

  Returns:
    (exit code, stdout followed by stderr).
  """
  env = dict(os.environ, PYTHONPATH=ROOT)
  env.pop('TF_CONFIG', None)
  result = subprocess.run([sys.executable, '-m', f'binaries.{name}', *args],
                          cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=timeout)
  return result.returncode, result.stdout + result.stderr
