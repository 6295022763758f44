"""Image grids, for TensorBoard and PNG files."""

import math
import os

import numpy as np
import tensorflow as tf


def image_grid(images, num_cols=None, scale=1, pad=1):
  """Tiles images into one picture.

  Args:
    images: uint8 [N, H, W, C].
    num_cols: images per row (default: ceil(sqrt(N))).
    scale: int, nearest-neighbour upscaling (for tiny images such as 8x8 digits).
    pad: pixels of white between images.

  Returns:
    uint8 [rows * (H*scale + pad) + pad, cols * (W*scale + pad) + pad, C].
  """
  images = np.asarray(images)
  if images.ndim != 4 or images.dtype != np.uint8:
    raise ValueError(f'images must be uint8 [N, H, W, C], got '
                     f'{images.dtype} {images.shape}.')
  images = images.repeat(scale, axis=1).repeat(scale, axis=2)
  num, height, width, channels = images.shape
  num_cols = num_cols or math.ceil(math.sqrt(num))
  num_rows = math.ceil(num / num_cols)
  grid = np.full((num_rows * (height + pad) + pad,
                  num_cols * (width + pad) + pad, channels), 255, np.uint8)
  for k, image in enumerate(images):
    top = pad + (k // num_cols) * (height + pad)
    left = pad + (k % num_cols) * (width + pad)
    grid[top:top + height, left:left + width] = image
  return grid


def write_png(path, image):
  """Writes a uint8 [H, W, C] picture as PNG (any tf.io.gfile path)."""
  tf.io.gfile.makedirs(os.path.dirname(path) or '.')
  tf.io.write_file(path, tf.io.encode_png(image))
