"""Conversion between uint8 images and the model's [-1, 1] float scale.

Every part of aiqn_tf (data, models, samplers, metrics, export) uses these two
functions, so the scale is defined in exactly one place.
"""

import tensorflow as tf


def to_float(images):
  """uint8 (or integer-valued) images in [0, 255] -> float32 in [-1, 1].

  Args:
    images: tensor of any shape, integer levels in [0, 255].

  Returns:
    float32 tensor of the same shape: u / 127.5 - 1.
  """
  return tf.cast(images, tf.float32) / 127.5 - 1.0


def to_uint8(images):
  """float images in the [-1, 1] scale -> uint8 in [0, 255].

  The inverse of `to_float` on its range: rounds to the nearest level and clips
  values outside [-1, 1] (a quantile network's output is unbounded).

  Args:
    images: float tensor of any shape.

  Returns:
    uint8 tensor of the same shape.
  """
  levels = tf.round((tf.cast(images, tf.float32) + 1.0) * 127.5)
  return tf.cast(tf.clip_by_value(levels, 0.0, 255.0), tf.uint8)
