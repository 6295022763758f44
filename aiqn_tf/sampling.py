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
  horizontal stack depends only on the current row up to the pixel and the
  cached vertical features of the row above, and the skip connections and
  output path only on the pixel itself. So sub-pixel (i, j, c) costs the
  horizontal stack on columns 0..j of row i plus the output path on one
  pixel: in all about one full pass of the vertical stack plus H * C / 2 of
  the horizontal stack and C of the output path, instead of H * W * C full
  passes.

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


def sequential(step_fn, noise, images=None, num_fixed=0, stop=None):
  """Reference sampler: one full step per sub-pixel, in raster order.

  Args:
    step_fn: f(images, noise) -> values, see the module docstring.
    noise: float32 [B, H, W, C] in [0, 1].
    images: float32 [B, H, W, C] in [-1, 1] whose first `num_fixed` sub-pixels
      (raster order, R < G < B) are kept; zeros if None.
    num_fixed: int, sub-pixels of `images` to keep (inpainting).
    stop: sample sub-pixels [num_fixed, stop) only (default: all); the rest
      keep their input values (benchmarks time a prefix).

  Returns:
    float32 [B, H, W, C] in [-1, 1]: the sample before rounding.
  """
  noise = tf.convert_to_tensor(noise, tf.float32)
  shape = tf.shape(noise)
  size = tf.reduce_prod(shape[1:])
  images = _initial_images(noise, images)
  for k in tf.range(num_fixed, size if stop is None else stop):
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

  def pixel_values(x_row, i, j, v_pre):
    """Values of pixel (i, j): [B, 1, 1, C].

    The horizontal stack runs on columns 0..j of row i only (its padding is
    causal, so they are computed as in the full row), and the skip and output
    path on column j only.
    """
    columns = j + 1
    tau_row = None if tau is None else tau[:, i:i + 1, :columns]
    h, skip = x_row[:, :, :columns], 0.0
    for l, block in enumerate(blocks):
      h, s = block.horizontal(h, v_pre[l][:, i:i + 1, :columns], tau_row,
                              labels, last_column_skip=True)
      skip += s
    return model.sample_values(backbone.output_path(skip),
                               noise[:, i:i + 1, j:j + 1])

  for i in tf.range(start_row, height):
    if i > start_row:
      v_in, v_pre = finish_vertical_row(v_in, v_pre, i - 1)
    x_row = images[:, i:i + 1]
    for k in tf.range(tf.maximum(num_fixed - i * row_size, 0), row_size):
      values = pixel_values(x_row, i, k // channels, v_pre)
      this = tf.reshape(tf.equal(tf.range(row_size), k),
                        [1, 1, width, channels])
      x_row = tf.where(this, values, x_row)
    images = _set_row(images, i, x_row)
    v_in = [_set_row(v_in[0], i + n, x_row)] + v_in[1:]
  return images


def sample(model, noise, method='fast', labels=None, images=None,
           num_fixed=0, latent_sampler=None):
  """Samples any aiqn_tf model from its noise. Wrap in tf.function for speed.

  PixelIQN / PixelCNN: with `method` ('fast' or 'sequential'); args and
  returns as `row_cached`. AIQN-VAE / VAE (models with `generate`): noise
  float32 [B, m] in [0, 1] -> images float32 [B, S, S, C] in [-1, 1] through
  the latent AIQN (itself sampled by `sequential`: m passes of a small
  network, so `method` does not matter) or, with latent_sampler='prior', the
  Gaussian prior.
  """
  if hasattr(model, 'generate'):
    if images is not None or labels is not None:
      raise ValueError('A VAE takes neither labels nor images to inpaint.')
    return model.generate(noise, latent_sampler)
  if latent_sampler is not None:
    raise ValueError('latent_sampler is for AIQN-VAE / VAE models only.')
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


def draw_noise(shape, seed, truncation=1.0):
  """Noise for sampling: U[0.5 - a/2, 0.5 + a/2] with a = truncation.

  a = 1 samples the model itself; a smaller a keeps tau (or a PixelCNN's
  uniform noise) near the median, trading diversity for fidelity.

  Args:
    shape: [B, H, W, C].
    seed: int or shape-[2] int tensor; the same seed gives the same noise.
    truncation: float a in (0, 1].

  Returns:
    float32 tensor of `shape` in [0.5 - a/2, 0.5 + a/2].
  """
  if not 0 < truncation <= 1:
    raise ValueError(f'truncation must be in (0, 1], got {truncation}.')
  seed = [0, seed] if isinstance(seed, int) else seed
  uniform = tf.random.stateless_uniform(shape, seed)
  return 0.5 + truncation * (uniform - 0.5)


def quantile_density(model, images, tau, labels=None):
  """dQ/dtau of every sub-pixel of a PixelIQN sample, by forward-mode autodiff.

  For sub-pixel k this is d out_k / d tau_k with the earlier sub-pixels (the
  inputs) and the other taus held fixed: 1 / p(x_k | x_<k) in the model. Row i
  of the output depends on tau only through tau's row i (the vertical stack
  reaches it from rows above), so the rows are folded into the batch and one
  Jacobian-vector product per column and channel (W * C of them) gives all.

  Args:
    model: a PixelIQN.
    images: float32 [B, H, W, C] in [-1, 1], e.g. a sample.
    tau: float32 [B, H, W, C] in [0, 1], the tau the sample was drawn with.
    labels: int32 [B] for a class-conditional model, else None.

  Returns:
    float32 [B, H, W, C]: dQ/dtau in the image scale per unit of tau.
  """
  backbone = model.backbone
  if not backbone.use_tau:
    raise ValueError('quantile_density needs a PixelIQN (a model with tau).')
  height, width, channels = backbone.image_shape
  images = tf.convert_to_tensor(images, tf.float32)
  tau = tf.convert_to_tensor(tau, tf.float32)
  batch = tf.shape(images)[0]

  def fold(x):  # [B, H, W, D] -> [B * H, 1, W, D]
    return tf.reshape(x, [-1, 1, width, x.shape[-1]])

  v, v_above = images, []
  for block in backbone.blocks:
    pre, v = block.vertical(v, 2.0 * tau - 1.0, labels)
    v_above.append(fold(_pad_top(pre, 1)[:, :-1]))
  row_labels = None if labels is None else tf.repeat(labels, height)
  x_rows, tau_rows = fold(images), fold(tau)

  def rows_out(tau_rows):
    h, skip = x_rows, 0.0
    for block, above in zip(backbone.blocks, v_above):
      h, s = block.horizontal(h, above, 2.0 * tau_rows - 1.0, row_labels)
      skip += s
    return backbone.output_path(skip)

  columns = []
  for k in range(width * channels):
    tangent = tf.one_hot(k, width * channels)
    tangent = tf.broadcast_to(tf.reshape(tangent, [1, 1, width, channels]),
                              tf.shape(tau_rows))
    with tf.autodiff.ForwardAccumulator(tau_rows, tangent) as accumulator:
      out = rows_out(tau_rows)
    columns.append(tf.reshape(accumulator.jvp(out), [-1, width * channels])
                   [:, k])
  density = tf.stack(columns, axis=-1)
  return tf.reshape(density, [batch, height, width, channels])


def density_summary(dq):
  """Per-image implied log density and quantile-crossing share.

  Args:
    dq: float32 [B, H, W, C], from `quantile_density`.

  Returns:
    (log_density [B]: sum over sub-pixels with dQ/dtau > 0 of -log dQ/dtau,
     the log density of the sample in the [-1, 1] image scale; crossing [B]:
     the share of sub-pixels with dQ/dtau <= 0, where the quantile function
     is not increasing and the density is undefined).
  """
  positive = dq > 0
  safe = tf.where(positive, dq, tf.ones_like(dq))
  log_density = -tf.reduce_sum(tf.math.log(safe), axis=[1, 2, 3])
  crossing = 1.0 - tf.reduce_mean(tf.cast(positive, tf.float32), [1, 2, 3])
  return log_density, crossing
