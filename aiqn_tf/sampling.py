"""The sampler core shared by every autoregressive model of aiqn_tf.

A model is sampled through a *step function* f(images, noise) -> values: given
the current images and fixed noise (both [B, H, W, C]), it returns the value
of every sub-pixel as a function of the noise and the sub-pixels before it.
For PixelIQN the noise is tau and the value the clipped quantile; for the
PixelCNN baseline the noise is uniform and the value the softmax's inverse CDF
at it (`sample_values` of each model). A sample is therefore a deterministic
function of the noise, which is what makes exact fast samplers possible:

- `sequential`: the reference, one full network pass per sub-pixel
  (H * W * C passes).
- `row_cached`: the same samples from the Gated PixelCNN's structure. The
  vertical stack at row r depends only on rows <= r, so it is computed once
  per finished row (one row of each block from a (k//2 + 1)-row window); the
  horizontal stack and the output path depend only on the current row and the
  cached vertical features of the row above, so each sub-pixel costs one pass
  over a single row. In all, about one full pass for the vertical stack plus
  H * W * C single-row passes of the rest, instead of H * W * C full passes.

Sub-pixels are fed back unrounded (the clipped network output): rounding to
uint8 happens once, at the end, so float differences between the two exact
samplers (the same convolutions on differently shaped tensors) stay below one
level instead of propagating.
"""

import tensorflow as tf

METHODS = ('fast', 'sequential')


def model_step_fn(model, labels=None):
  """The step function of a PixelIQN or PixelCNN: one full network pass."""
  backbone = model.backbone

  def step(images, noise):
    tau = noise if backbone.use_tau else None
    return model.sample_values(backbone(images, tau, labels), noise)

  return step


def sequential(step_fn, noise, images=None, num_fixed=0):
  """Reference sampler: one full step per sub-pixel, in raster order.

  Args:
    step_fn: f(images, noise) -> values, see the module docstring.
    noise: float32 [B, H, W, C] in [0, 1].
    images: float32 [B, H, W, C] in [-1, 1] whose first `num_fixed` sub-pixels
      (raster order, R < G < B) are kept; zeros if None.
    num_fixed: int, sub-pixels of `images` to keep (inpainting).

  Returns:
    float32 [B, H, W, C] in [-1, 1]: the sample before rounding.
  """
  noise = tf.convert_to_tensor(noise, tf.float32)
  shape = tf.shape(noise)
  size = tf.reduce_prod(shape[1:])
  images = _initial_images(noise, images)
  for k in tf.range(num_fixed, size):
    values = step_fn(images, noise)
    this = tf.reshape(tf.equal(tf.range(size), k), shape[1:])
    images = tf.where(this, values, images)
  return images


def row_cached(model, noise, labels=None, images=None, num_fixed=0):
  """Exact fast sampler of a Gated PixelCNN model (see the module docstring).

  Args:
    model: a PixelIQN or PixelCNN.
    noise: float32 [B, H, W, C] in [0, 1] (tau for PixelIQN).
    labels: int32 [B] for a class-conditional model, else None.
    images, num_fixed: as in `sequential`.

  Returns:
    float32 [B, H, W, C] in [-1, 1]: the same sample as `sequential` gives
    with `model_step_fn(model, labels)`, up to float rounding.
  """
  backbone = model.backbone
  height, width, channels = backbone.image_shape
  n = backbone.kernel_size // 2
  blocks = backbone.blocks
  noise = tf.convert_to_tensor(noise, tf.float32)
  images = _initial_images(noise, images)
  tau = 2.0 * noise - 1.0 if backbone.use_tau else None
  row_size = width * channels
  start_row = num_fixed // row_size
  side = ((0, 0), (n, n))  # Padding of a vertical conv on a window of rows.

  # One full vertical pass over the given images. v_in[l]: block l's vertical
  # input, top-padded by n zero rows (row r at index r + n); v_pre[l]: its
  # pre-activation, top-padded by one zero row (the row above row 0).
  v_in, v_pre = [], []
  v = images
  for block in blocks:
    v_in.append(_pad_top(v, n))
    pre, v = block.vertical(v, tau, labels)
    v_pre.append(_pad_top(pre, 1))

  def finish_vertical_row(v_in, v_pre, r):
    """Recomputes row r of every block's vertical stack (rows <= r final)."""
    tau_row = None if tau is None else tau[:, r:r + 1]
    new_in, new_pre = [v_in[0]], []
    for l, block in enumerate(blocks):
      pre, out = block.vertical(new_in[l][:, r:r + n + 1], tau_row, labels,
                                padding=side)
      new_pre.append(_set_row(v_pre[l], r + 1, pre))
      if l + 1 < len(blocks):
        new_in.append(_set_row(v_in[l + 1], r + n, out))
    return new_in, new_pre

  def row_values(x_row, i, v_pre):
    """Values of every sub-pixel of row i: [B, 1, W, C]."""
    tau_row = None if tau is None else tau[:, i:i + 1]
    h, skip = x_row, 0.0
    for l, block in enumerate(blocks):
      h, s = block.horizontal(h, v_pre[l][:, i:i + 1], tau_row, labels)
      skip += s
    return model.sample_values(backbone.output_path(skip), noise[:, i:i + 1])

  for i in tf.range(start_row, height):
    if i > start_row:
      v_in, v_pre = finish_vertical_row(v_in, v_pre, i - 1)
    x_row = images[:, i:i + 1]
    for k in tf.range(tf.maximum(num_fixed - i * row_size, 0), row_size):
      values = row_values(x_row, i, v_pre)
      this = tf.reshape(tf.equal(tf.range(row_size), k),
                        [1, 1, width, channels])
      x_row = tf.where(this, values, x_row)
    images = _set_row(images, i, x_row)
    v_in = [_set_row(v_in[0], i + n, x_row)] + v_in[1:]
  return images


def sample(model, noise, method='fast', labels=None, images=None,
           num_fixed=0):
  """Samples a PixelIQN or PixelCNN with `method` ('fast' or 'sequential').

  Args and returns as `row_cached`. Wrap in tf.function for speed.
  """
  if method == 'fast':
    return row_cached(model, noise, labels, images, num_fixed)
  if method == 'sequential':
    return sequential(model_step_fn(model, labels), noise, images, num_fixed)
  raise ValueError(f'method must be one of {METHODS}, got {method!r}.')


def _initial_images(noise, images):
  if images is None:
    return tf.zeros_like(noise)
  return tf.convert_to_tensor(images, tf.float32)


def _pad_top(x, rows):
  return tf.pad(x, [[0, 0], [rows, 0], [0, 0], [0, 0]])


def _set_row(x, r, row):
  """x [B, H, W, D] with row r replaced by row [B, 1, W, D]."""
  return tf.ensure_shape(tf.concat([x[:, :r], row, x[:, r + 1:]], axis=1),
                         x.shape)
