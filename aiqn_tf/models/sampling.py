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
- `cached`: the same samples with a backbone's caches. The backbone says what
  to cache and how to advance: `sampling_start` (a full pass over the given
  images), `sampling_start_row`, `sampling_pixel` (the output of one
  sub-pixel from the cache and the current row, and the cache with it) and
  `sampling_finish_row` (the cache once a row is final); this module keeps
  the one loop over sub-pixels. For the Gated PixelCNN (gated_pixelcnn.py)
  sub-pixel (i, j, c) costs every block's horizontal stack, skip and the
  output path on one pixel, for the features of channels <= c only: in all
  about one full pass of the vertical stack, one of the horizontal stack
  per row, and about 1.5 single-pixel passes of the horizontal and output
  path per RGB pixel, instead of H * W * C full passes.

Sub-pixels are fed back unrounded (the clipped network output): rounding to
uint8 happens once, at the end, so float differences between the two exact
samplers (the same convolutions on differently shaped tensors) stay below one
level instead of propagating.
"""

import functools

import tensorflow as tf

METHODS = ('fast', 'sequential')


def _graph_loops(f):
  """AutoGraph-converts `f` where it is defined.

  Its `for ... in tf.range` loops then become graph loops inside any
  tf.function, even when AutoGraph did not convert the caller (a lambda it
  cannot parse, a user's function with autograph=False); eagerly they run as
  Python loops.
  """
  return functools.wraps(f)(tf.autograph.to_graph(f))


@_graph_loops
def sequential(step_fn, noise, images=None, num_fixed=0, stop=None):
  """Reference sampler: one full step per sub-pixel, in raster order.

  Args:
    step_fn: f(images, noise) -> values, see the module docstring.
    noise: float32 [B, H, W, C] in [0, 1] (or [B, m] for a latent model).
    images: float32 of noise's shape in [-1, 1] whose first `num_fixed`
      sub-pixels (raster order, R < G < B) are kept; zeros if None.
    num_fixed: int, sub-pixels of `images` to keep (inpainting).
    stop: sample sub-pixels [num_fixed, stop) only (default: all); the rest
      keep their input values (benchmarks time a prefix).

  Returns:
    float32 of noise's shape: the sample before rounding.
  """
  noise = tf.convert_to_tensor(noise, tf.float32)
  shape = noise.shape[1:]
  size = shape.num_elements()
  images = _initial_images(noise, images)
  k = tf.cast(num_fixed, tf.int32)
  while k < (size if stop is None else stop):  # A while loop, as in `cached`.
    values = step_fn(images, noise)
    this = tf.reshape(tf.equal(tf.range(size), k), shape)
    images = tf.where(this, values, images)
    k += 1
  return images


@_graph_loops
def cached(backbone, values_fn, noise, tau=None, labels=None, images=None,
           num_fixed=0):
  """Exact fast sampler over a backbone's caches (see the module docstring).

  Args:
    backbone: has `sampling_start(images, tau, labels, first_row) -> (cache,
      context)`, `sampling_start_row(cache, context, x_row, i) -> cache`,
      `sampling_pixel(cache, context, x_row, i, j, c) -> (outputs [B, 1, 1,
      D], cache)` (outputs of channel c; the others are not read) and
      `sampling_finish_row(cache, context, x_row, r) -> cache`; cache is a
      nested structure of tensors of fixed shapes.
    values_fn: f(outputs [B, 1, 1, D], noise [B, 1, 1, C]) -> values
      [B, 1, 1, C] in [-1, 1] (a model's `sample_values`).
    noise: float32 [B, H, W, C] in [0, 1].
    tau: the backbone's tau input (PixelIQN: the noise) or None.
    labels: int32 [B] for a class-conditional backbone, else None.
    images, num_fixed: as in `sequential`.

  Returns:
    float32 [B, H, W, C] in [-1, 1]: the same sample as `sequential` with the
    matching step function, up to float rounding.
  """
  noise = tf.convert_to_tensor(noise, tf.float32)
  _, height, width, channels = noise.shape
  images = _initial_images(noise, images)
  row_size = width * channels
  # While loops rather than tf.range ones: XLA needs a Range's bounds at
  # compile time, and an inpainting prefix may be a tensor.
  num_fixed = tf.cast(num_fixed, tf.int32)
  i = num_fixed // row_size
  cache, context = backbone.sampling_start(images, tau, labels, i)
  while i < height:
    x_row = take(images, 1, i)
    cache = backbone.sampling_start_row(cache, context, x_row, i)
    k = tf.maximum(num_fixed - i * row_size, 0)
    while k < row_size:
      j = k // channels
      outputs, cache = backbone.sampling_pixel(cache, context, x_row, i, j,
                                               k % channels)
      values = values_fn(outputs, take(take(noise, 1, i), 2, j))
      this = tf.reshape(tf.equal(tf.range(row_size), k),
                        [1, 1, width, channels])
      x_row = tf.where(this, values, x_row)
      k += 1
    images = set_row(images, i, x_row)
    cache = backbone.sampling_finish_row(cache, context, x_row, i)
    i += 1
  return images


def sample(model, noise, method=None, labels=None, images=None, num_fixed=0):
  """Samples any aiqn_tf model: `model.sample` (see models/base.py).

  Args:
    model: a registered model (PixelIQN, PixelCNN, AIQNVAE, ...).
    noise: float32 [B, *model.noise_shape] in [0, 1].
    method: one of model.sample_methods (PixelIQN / PixelCNN: 'fast',
      'sequential'; AIQN-VAE: 'aiqn', 'prior'); None: the model's default.
    labels, images, num_fixed: conditioning and inpainting, where the model
      supports them.

  Returns:
    float32 [B, H, W, C] in [-1, 1].
  """
  return model.sample(noise, method, labels, images, num_fixed)


def _initial_images(noise, images):
  if images is None:
    return tf.zeros_like(noise)
  return tf.convert_to_tensor(images, tf.float32)


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
  if not hasattr(backbone, 'blocks'):
    raise ValueError('quantile_density needs the gated backbone (its '
                     'vertical and horizontal stacks); this model has '
                     f'{type(backbone).__name__}.')
  height, width, channels = backbone.image_shape
  images = tf.convert_to_tensor(images, tf.float32)
  tau = tf.convert_to_tensor(tau, tf.float32)
  batch = tf.shape(images)[0]

  def fold(x):  # [B, H, W, D] -> [B * H, 1, W, D]
    return tf.reshape(x, [-1, 1, width, x.shape[-1]])

  v, v_above = images, []
  for block in backbone.blocks:
    pre, v = block.vertical(v, backbone.tau_features(tau), labels)
    v_above.append(fold(pad_top(pre, 1)[:, :-1]))
  row_labels = None if labels is None else tf.repeat(labels, height)
  x_rows, tau_rows = fold(images), fold(tau)

  def rows_out(tau_rows):
    h, skip = x_rows, 0.0
    for block, above in zip(backbone.blocks, v_above):
      h, s = block.horizontal(h, above, backbone.tau_features(tau_rows),
                              row_labels)
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
