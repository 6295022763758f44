"""Slices of static shape at dynamic offsets, for the layers and the samplers.

The backbones' sampling caches and the sampler core read and write rows,
columns and pixels at positions known only inside the sampling loop; with
these the loops keep static shapes, so they also compile with XLA
(jit_compile=True).
"""

import tensorflow as tf


def pad_top(x, rows):
  """x [B, H, W, D] with `rows` zero rows added on top."""
  return tf.pad(x, [[0, 0], [rows, 0], [0, 0], [0, 0]])


def take(x, axis, start, size=1):
  """x's entries [start, start + size) along `axis`; `size` a Python int.

  A slice of static shape at a dynamic offset, so that the samplers'
  loops also compile with XLA (jit_compile=True).
  """
  begin = [0] * len(x.shape)
  sizes = [-1] * len(x.shape)
  begin[axis], sizes[axis] = start, size
  return tf.slice(x, tf.stack([tf.cast(b, tf.int32) for b in begin]), sizes)


def put(x, axis, start, part):
  """x with its entries [start, start + part's size) along `axis` replaced.

  Static shapes at a dynamic offset (see `take`): a select against the
  positions along `axis`.
  """
  size = x.shape[axis]
  positions = tf.range(size)
  part_size = part.shape[axis]
  where = (positions >= start) & (positions < start + part_size)
  index = tf.clip_by_value(positions - start, 0, part_size - 1)
  shape = [1] * len(x.shape)
  shape[axis] = size
  return tf.where(tf.reshape(where, shape), tf.gather(part, index, axis=axis),
                  x)


def set_row(x, r, row):
  """x [B, H, W, D] with row r replaced by row [B, 1, W, D]."""
  return put(x, 1, r, row)


def pad_left(x, columns):
  """x [B, H, W, D] with `columns` zero columns added on the left."""
  return tf.pad(x, [[0, 0], [0, 0], [columns, 0], [0, 0]])
