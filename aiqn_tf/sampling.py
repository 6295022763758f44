"""The sampler core shared by every autoregressive model of aiqn_tf.

A model is wrapped as a *step function* f(images, noise) -> values: given the
current images and fixed noise (both [B, H, W, C]), it returns the value of
every sub-pixel as a function of the noise and the sub-pixels before it. For
PixelIQN the noise is tau and the value the clipped quantile; for the PixelCNN
baseline the noise is uniform and the value the softmax's inverse CDF at it.
Either way a sample is a deterministic function of the noise, which is what
makes exact fast samplers possible.

Sub-pixels are fed back unrounded (the clipped network output): rounding to
uint8 happens once, at the end, so float rounding differences between exact
samplers stay at the last level instead of propagating.
"""

import tensorflow as tf

from aiqn_tf import images as image_lib
from aiqn_tf.pixel_cnn import NUM_LEVELS


def iqn_step_fn(model, labels=None):
  """Step function of a PixelIQN: tau -> clip(Q(tau | earlier), -1, 1)."""

  def step(images, tau):
    inputs = {'images': images, 'tau': tau}
    if labels is not None:
      inputs['labels'] = labels
    return tf.clip_by_value(model(inputs), -1.0, 1.0)

  return step


def cnn_step_fn(model, labels=None):
  """Step function of a PixelCNN: uniform noise -> inverse softmax CDF, scaled."""

  def step(images, noise):
    inputs = {'images': images}
    if labels is not None:
      inputs['labels'] = labels
    cdf = tf.cumsum(tf.nn.softmax(model(inputs)), axis=-1)
    level = tf.reduce_sum(tf.cast(cdf < noise[..., None], tf.int32), -1)
    return image_lib.to_float(tf.minimum(level, NUM_LEVELS - 1))

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
  images = tf.zeros_like(noise) if images is None else tf.convert_to_tensor(
      images, tf.float32)
  for k in tf.range(num_fixed, size):
    values = step_fn(images, noise)
    this = tf.reshape(tf.equal(tf.range(size), k), shape[1:])
    images = tf.where(this, values, images)
  return images
