"""The pixel models' fast sampler changed in one factor, for the cause studies.

- `widened_sample`: PixelIQN's quantiles widened or narrowed about the
  median (the coverage study's test of the quantiles' range).
- `fed_back_sample`: every sub-pixel's value changed by a function before it
  is written into the image, so before it becomes context for the sub-pixels
  after it (the test of what off-level context does: PixelIQN's values snapped
  to the data's levels as they are drawn, or PixelCNN's values moved off its
  levels).
- `past_tau_sample`: PixelIQN drawn with other tau than its own at the
  sub-pixels before each one (the test of what the past tau, which the
  network sees, does to a sample: in training the past tau are independent
  of the past values; in sampling the past values were drawn from them).

The first two run the sampler core (models/sampling.py) through its
`pixel_fn` hook; the third needs a tau map per sub-pixel, so it runs one
full pass per sub-pixel, as the sequential sampler does.
"""

import numpy as np
import tensorflow as tf

from aiqn_tf.models import sampling
from aiqn_tf.models.layers import slicing


def widened_sample(model, tau, spread):
  """PixelIQN's fast sample with every quantile widened about its median.

  Args:
    model: a PixelIQN on the gated backbone.
    tau: float32 [B, H, W, C] in [0, 1].
    spread: float32 scalar s: y = clip(Q(1/2) + s (Q(tau) - Q(1/2))).

  Returns:
    float32 [B, H, W, C] in [-1, 1].
  """
  backbone = model.backbone
  half = tf.fill([tau.shape[0], 1], 0.5)

  def pixel_fn(cache, context, x_row, i, j, c, state):
    median = backbone.sampling_candidates(cache, context, x_row, i, j, c,
                                          half)[:, 0, 0]
    outputs, cache = backbone.sampling_pixel(cache, context, x_row, i, j, c)
    median = tf.reshape(median, [-1, 1, 1, 1])
    values = tf.clip_by_value(median + spread * (outputs - median), -1.0, 1.0)
    return values, cache, context, state, None

  images, _ = sampling.cached(backbone, model.sample_values, tau, tau,
                              pixel_fn=pixel_fn)
  return images


def fed_back_sample(model, noise, feed):
  """A pixel model's fast sample whose values pass through `feed` as drawn.

  Sub-pixel (i, j, c) is drawn as the model draws it (`sample_values` at its
  noise), then `feed` changes it, and the changed value is what the image
  holds: the context of every later sub-pixel and the sample's value.

  Args:
    model: a PixelIQN or PixelCNN (any head on the gated backbone).
    noise: float32 [B, H, W, C] in [0, 1] (PixelIQN: tau).
    feed: f(values [B, 1, 1, C] in [-1, 1], i, j) -> values of that shape,
      for the pixel at row i, column j (scalar int32 tensors); the identity
      gives the model's own sample.

  Returns:
    float32 [B, H, W, C] in [-1, 1].
  """
  backbone = model.backbone
  noise = tf.convert_to_tensor(noise, tf.float32)
  tau = noise if model.uses_tau else None

  def pixel_fn(cache, context, x_row, i, j, c, state):
    outputs, cache = backbone.sampling_pixel(cache, context, x_row, i, j, c)
    values = model.sample_values(
        outputs, slicing.take(slicing.take(noise, 1, i), 2, j))
    return feed(values, i, j), cache, context, state, None

  images, _ = sampling.cached(backbone, model.sample_values, noise, tau,
                              pixel_fn=pixel_fn)
  return images


def past_tau_sample(model, tau, past):
  """PixelIQN's sample with the past tau replaced, sub-pixel by sub-pixel.

  Sub-pixel k is Q(tau_k | x_<k, tau'_<k): the network sees its own tau at
  k and `past` before it, averaged over the M maps of `past`; its value is
  then context for the later sub-pixels, as in the sampler. With past = [tau]
  this is the model's own sample (`sampling.sequential`).

  Args:
    model: a PixelIQN without class labels.
    tau: float32 [B, H, W, C] in [0, 1].
    past: float32 [M, B, H, W, C] in [0, 1]: the tau the network sees before
      each sub-pixel (M maps averaged).

  Returns:
    float32 [B, H, W, C] in [-1, 1].
  """
  tau = tf.convert_to_tensor(tau, tf.float32)
  past = tf.convert_to_tensor(past, tf.float32)
  shape = tau.shape[1:]
  size = shape.num_elements()
  images = tf.zeros_like(tau)
  for k in range(size):
    this = tf.reshape(tf.equal(tf.range(size), k), shape)
    outputs = tf.reduce_mean(tf.stack([
        model.backbone(images, tf.where(this, tau, past[m]), None)
        for m in range(past.shape[0])]), 0)
    images = tf.where(this, model.sample_values(outputs, tau), images)
  return images


def data_levels(images):
  """The sorted distinct values of uint8 images, as floats in [-1, 1]."""
  return np.unique(np.asarray(images)).astype(np.float32) / 127.5 - 1.0


def black_threshold(values, share):
  """The value at or below which `share` of `values` lie ([-1, 1] scale).

  Setting those to -1 (black) gives the samples the data's share of black
  sub-pixels: the point mass at black that a quantile function can only
  approach with a flat stretch, and so draws as faint grey.
  """
  return float(np.quantile(np.asarray(values), share))


def to_black(values, threshold):
  """Values at or below `threshold` set to -1 (black), the rest unchanged."""
  return tf.where(values <= threshold, -tf.ones_like(values), values)


def snap(values, levels):
  """Each value moved to the nearest of `levels` (float32 [L], sorted)."""
  levels = tf.constant(levels, tf.float32)
  nearest = tf.argmin(tf.abs(values[..., None] - levels), axis=-1)
  return tf.gather(levels, nearest)
