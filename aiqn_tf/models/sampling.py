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

from aiqn_tf.core import compat
from aiqn_tf.models.layers import slicing
# The noise lives in its own module; its name stays here too, where the
# first releases had it (`aiqn_tf.sampling.draw_noise`), as do PixelIQN's
# density analysis' (core/compat.py).
from aiqn_tf.models.noise import draw_noise  # pylint: disable=unused-import

__getattr__ = compat.names_moved_from(__name__)

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
           num_fixed=0, pixel_fn=None, state=()):
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
    pixel_fn: optional f(cache, context, x_row, i, j, c, state) -> (values
      [B, 1, 1, C], cache, context, state, order) in place of each
      sub-pixel's step (`sampling_pixel` then values_fn): the likelihood
      (likelihood.py) chooses the sub-pixel's tau there first. `state` is a
      nested structure of tensors of fixed shapes, carried through. order:
      None, or int32 [B]: element b of the batch becomes element order[b]
      (a particle filter's resampling); pixel_fn has reordered the cache
      and context (backbone.sampling_reorder) and computed values on the
      reordered x_row, and the rows sampled so far are reordered here.

  Returns:
    float32 [B, H, W, C] in [-1, 1]: the same sample as `sequential` with the
    matching step function, up to float rounding; with pixel_fn, the pair
    (sample, final state).
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
  # A context that pixel_fn changes is carried through the loops as its
  # tensors only: a while loop cannot carry the Nones (no labels, no tau).
  template = context
  context = _tensors(template)
  while i < height:
    x_row = slicing.take(images, 1, i)
    cache = backbone.sampling_start_row(cache, _rebuild(template, context),
                                        x_row, i)
    k = tf.maximum(num_fixed - i * row_size, 0)
    while k < row_size:
      j = k // channels
      if pixel_fn is None:
        outputs, cache = backbone.sampling_pixel(
            cache, _rebuild(template, context), x_row, i, j, k % channels)
        values = values_fn(outputs,
                           slicing.take(slicing.take(noise, 1, i), 2, j))
      else:
        values, cache, changed, state, order = pixel_fn(
            cache, _rebuild(template, context), x_row, i, j, k % channels,
            state)
        context = _tensors(changed)
        if order is not None:
          x_row, images = tf.gather(x_row, order), tf.gather(images, order)
      this = tf.reshape(tf.equal(tf.range(row_size), k),
                        [1, 1, width, channels])
      x_row = tf.where(this, values, x_row)
      k += 1
    images = slicing.set_row(images, i, x_row)
    cache = backbone.sampling_finish_row(cache, _rebuild(template, context),
                                         x_row, i)
    i += 1
  if pixel_fn is None:
    return images
  return images, state


def _tensors(structure):
  return [x for x in tf.nest.flatten(structure) if x is not None]


def _rebuild(template, tensors):
  """`template`'s structure with its non-None leaves from `tensors`."""
  leaves = iter(tensors)
  return tf.nest.pack_sequence_as(template, [
      None if x is None else next(leaves) for x in tf.nest.flatten(template)])


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
