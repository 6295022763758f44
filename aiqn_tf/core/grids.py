"""Pictures of samples, for TensorBoard and PNG files: image grids, line
plots of sequences and vectors, scatter plots of 2-D vectors, and
spectrograms of sound."""

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


_COLOURS = np.array([[31, 119, 180], [214, 39, 40], [44, 160, 44],
                     [148, 103, 189], [255, 127, 14], [23, 190, 207]],
                    np.uint8)


def plot_series(values, num_cols=None, height=64, width=None, bounds=None):
  """Line plots of series, one panel each, tiled as `image_grid` tiles.

  Args:
    values: numeric [N, T, C]: N series of T steps, C channels (one colour
      each); vectors [N, D] plot as series of D steps.
    num_cols: panels per row (default: ceil(sqrt(N))).
    height: pixels per panel.
    width: pixels per panel (default: T, within [64, 256]).
    bounds: (low, high) of the vertical axis, shared by every panel
      (default: the values' range).

  Returns:
    uint8 RGB picture [rows * (height + 1) + 1, cols * (width + 1) + 1, 3].
  """
  values = np.asarray(values, np.float64)
  if values.ndim == 2:
    values = values[..., None]
  if values.ndim != 3 or not np.isfinite(values).all():
    raise ValueError(f'values must be finite [N, T, C] (or [N, D]), got '
                     f'shape {values.shape}.')
  num, steps, channels = values.shape
  width = width or min(max(steps, 64), 256)
  low, high = bounds or (values.min(), values.max())
  if high <= low:
    low, high = low - 1.0, high + 1.0
  x = np.linspace(0, steps - 1, width)
  panels = np.full((num, height, width, 3), 255, np.uint8)
  panels[:, (height - 1) // 2, :] = 220  # The axis' middle, faint.
  for n in range(num):
    for c in range(channels):
      y = np.interp(x, np.arange(steps), values[n, :, c])
      rows = np.round((high - y) / (high - low) * (height - 1)).astype(int)
      rows = np.clip(rows, 0, height - 1)
      previous = np.concatenate([rows[:1], rows[:-1]])
      for column in range(width):
        top, bottom = sorted((previous[column], rows[column]))
        panels[n, top:bottom + 1, column] = _COLOURS[c % len(_COLOURS)]
  return image_grid(panels, num_cols=num_cols)


def scatter(points, size=256, bounds=None, marks=None):
  """A scatter plot of points in the plane, one square panel.

  Args:
    points: numeric [N, 2], (x, y); drawn as 2 x 2 dots in blue.
    size: pixels a side.
    bounds: (low, high) of both axes (default: the points' and marks'
      range, with a margin of 5%).
    marks: optional [K, 2], drawn as red crosses over the points (e.g. the
      modes of a mixture).

  Returns:
    uint8 RGB picture [size, size, 3], y upwards.
  """
  points = np.asarray(points, np.float64).reshape(-1, 2)
  marks = None if marks is None else np.asarray(marks, np.float64)
  if not np.isfinite(points).all() or points.shape[1] != 2:
    raise ValueError(f'points must be finite [N, 2], got {points.shape}.')
  every = points if marks is None else np.concatenate([points, marks])
  if bounds is None:
    low, high = every.min(), every.max()
    margin = 0.05 * (high - low) or 1.0
    low, high = low - margin, high + margin
  else:
    low, high = bounds
  pixel = lambda xy: (
      np.round((high - xy[:, 1]) / (high - low) * (size - 1)).astype(int),
      np.round((xy[:, 0] - low) / (high - low) * (size - 1)).astype(int))
  panel = np.full((size, size, 3), 255, np.uint8)
  middle = int(round((0 - low) / (high - low) * (size - 1)))
  if 0 <= middle < size:  # The axes through the origin, faint.
    panel[size - 1 - middle, :] = 220
    panel[:, middle] = 220
  rows, cols = pixel(points)
  for dr in (0, 1):
    for dc in (0, 1):
      inside = ((rows + dr >= 0) & (rows + dr < size) & (cols + dc >= 0) &
                (cols + dc < size))
      panel[rows[inside] + dr, cols[inside] + dc] = _COLOURS[0]
  if marks is not None:
    for row, col in zip(*pixel(marks)):
      for d in range(-3, 4):
        for r, c in ((row + d, col), (row, col + d)):
          if 0 <= r < size and 0 <= c < size:
            panel[r, c] = _COLOURS[1]
  return panel


# Dark blue (quiet) to yellow (loud), through red: a perceptually ordered
# map that prints and reads in grey as well.
_HEAT = np.array([[0, 0, 40], [90, 20, 120], [200, 50, 70], [250, 150, 30],
                  [255, 250, 180]], np.float64)


def spectrograms(values, rate, num_cols=None, floor_db=80.0):
  """Log-magnitude spectrograms of sound, one panel each, tiled.

  Frames of about 32 ms (a power of two of samples), hop a quarter frame,
  Hann window (tf.signal.stft); channels averaged. Time runs left to right,
  frequency from 0 (bottom) to rate / 2; colour from `floor_db` below the
  loudest bin of all panels (dark) to it (bright), so panels compare.

  Args:
    values: float [N, T, C] or [N, T] on the model scale (about [-1, 1]).
    rate: samples per second.
    num_cols: panels per row (default: ceil(sqrt(N))).
    floor_db: the dynamic range shown, in dB.

  Returns:
    uint8 RGB picture.
  """
  values = np.asarray(values, np.float32)
  if values.ndim == 3:
    values = values.mean(axis=-1)
  if values.ndim != 2 or not np.isfinite(values).all():
    raise ValueError(f'values must be finite [N, T, C] or [N, T], got shape '
                     f'{values.shape}.')
  frame = 2 ** max(3, int(round(np.log2(0.032 * rate))))
  frame = min(frame, 2 ** int(np.log2(values.shape[1])))
  magnitude = tf.abs(tf.signal.stft(values, frame, frame // 4,
                                    pad_end=True)).numpy()
  db = 20 * np.log10(magnitude + 1e-9)
  level = np.clip((db - db.max()) / floor_db + 1.0, 0.0, 1.0)
  anchors = np.linspace(0.0, 1.0, len(_HEAT))
  rgb = np.stack([np.interp(level, anchors, _HEAT[:, c]) for c in range(3)],
                 axis=-1)
  panels = np.round(rgb).astype(np.uint8).transpose(0, 2, 1, 3)[:, ::-1]
  scale = max(1, 128 // panels.shape[2])
  return image_grid(panels.repeat(scale, axis=2), num_cols=num_cols)


def picture(samples, space, num_cols=None):
  """The picture of samples of an event space (core/events.py).

  Args:
    samples: [N, *space.shape] as the space stores them (uint8 images).
    space: events.EventSpace.
    num_cols: samples per row of the picture.

  Returns:
    uint8 [h, w, C]: an image grid (images scaled to about 64 pixels),
    spectrograms of sound (`spectrograms`), one scatter plot of 2-D
    vectors (`scatter`), or line plots of other sequences and vectors on
    the model scale (bounded ones over [-1, 1]).
  """
  if space.kind == 'vectors' and space.shape == (2,):
    return scatter(space.to_float(samples).numpy())
  if space.kind == 'images':
    return image_grid(samples, num_cols=num_cols,
                      scale=max(1, 64 // space.shape[0]))
  if space.is_audio:
    return spectrograms(space.to_waveform(samples).numpy(), space.rate,
                        num_cols=num_cols)
  return plot_series(space.to_float(samples).numpy(), num_cols=num_cols,
                     bounds=(-1.0, 1.0) if space.bounded else None)


def write_png(path, image):
  """Writes a uint8 [H, W, C] picture as PNG (any tf.io.gfile path)."""
  tf.io.gfile.makedirs(os.path.dirname(path) or '.')
  tf.io.write_file(path, tf.io.encode_png(image))
