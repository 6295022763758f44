"""Imports TF-GAN on TensorFlow versions without tf.estimator.

TF-GAN 2.1.0 subclasses tf.estimator classes at import time (e.g.
`class RunTrainOpsHook(tf.estimator.SessionRunHook)`), and tf.estimator was
removed in TensorFlow 2.16, so `import tensorflow_gan` fails. Its evaluation
functions (tensorflow_gan.eval) never touch the estimator: give tensorflow
(and its compat.v1/compat.v2 modules) a stand-in `estimator` namespace whose
every attribute is an inert class, then import. Everything in aiqn_tf that
computes metrics imports TF-GAN through `tfgan()` here.

One fix to TF-GAN's sliced Wasserstein distance: it normalizes every 7x7
patch by its own standard deviation, which is 0 for a flat patch (a digit's
black background, a clear sky), so the distance is NaN for most images of
such data. A flat patch is normalized to zeros instead; every other patch
as TF-GAN does.
"""

import importlib
import sys
import types

import tensorflow as tf


class _StandIn(type):
  """An inert class; any attribute of it is another inert class."""

  def __getattr__(cls, name):
    if name.startswith('__'):
      raise AttributeError(name)
    return _StandIn(name, (), {})


def _estimator_stand_in():
  module = types.ModuleType('estimator', 'Stand-in: tf.estimator is gone.')
  module.__getattr__ = lambda name: _StandIn(name, (), {})
  return module


def tfgan():
  """Returns the tensorflow_gan module, importable on this TensorFlow."""
  stand_in = _estimator_stand_in()
  # tf.compat.v1 is reachable as several module objects (lazy wrappers, the
  # modules they wrap, aliases made on first import): create them all, then
  # patch every one.
  for name in ('tensorflow.compat.v1', 'tensorflow.compat.v2'):
    importlib.import_module(name)
  modules = [tf, tf.compat.v1, tf.compat.v2] + [
      module for name, module in list(sys.modules.items())
      if name.startswith('tensorflow') and name.endswith(
          ('compat.v1', 'compat.v2'))]
  for module in modules:
    for target in (module, getattr(module, '_tfmw_wrapped_module', module)):
      # Not hasattr: lazy module wrappers answer it without the attribute.
      if 'estimator' not in vars(target):
        setattr(target, 'estimator', stand_in)
  import tensorflow_gan  # pylint: disable=g-import-not-at-top
  from tensorflow_gan.python.eval import sliced_wasserstein  # pylint: disable=g-import-not-at-top
  sliced_wasserstein._normalize_patches = _normalize_patches  # pylint: disable=protected-access
  return tensorflow_gan


def _normalize_patches(patches):
  """TF-GAN's patch normalization, with flat patches made zeros, not NaN."""
  patches = tf.concat(patches, 0)
  mean, variance = tf.nn.moments(x=patches, axes=[1, 2, 3], keepdims=True)
  patches = tf.math.divide_no_nan(patches - mean, tf.sqrt(variance))
  return tf.reshape(patches, [tf.shape(patches)[0], -1])
