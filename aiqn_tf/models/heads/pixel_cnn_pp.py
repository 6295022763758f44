"""A PixelCNN++ output on the Gated PixelCNN: the discretized logistic mixture.

PixelCNN++ (Salimans et al., 2017) models each pixel's three sub-pixels with
one mixture whose green and blue means are linear in the pixel's earlier
sub-pixels, because its network sees no part of the current pixel. Our
backbone's channel masks already give sub-pixel c's outputs the earlier
sub-pixels of its pixel (R < G < B), so each sub-pixel gets its own mixture
conditioned on them through the network: the same factorization as the
PixelCNN softmax, and the same sampler (the levels' inverse CDF at uniform
noise), so the fast sampler stays exact for it.

On 16-bit values (int16 sequences: sound) the mixture is discretised to the
65,536 levels of the data, as WaveNet's successors model 16-bit audio (van
den Oord et al. 2018, Parallel WaveNet); the inverse CDF is then found by
bisection over the levels (16 halvings), not by a cumulative sum of all of
them. On continuous values (float sequences and vectors: tables) the
mixture is not discretised: the loss is its negative log density, and a
sample its inverse CDF found by bisection between the components' extremes.
"""

import dataclasses
import math

import tensorflow as tf

from aiqn_tf.core import config_fields
from aiqn_tf.models import losses
from aiqn_tf.models.heads import pixel_cnn
from aiqn_tf.models.heads import pixel_model
from aiqn_tf.models import registry


@dataclasses.dataclass
class PixelCNNPPConfig(pixel_model.PixelConfig):
  """The model section: the backbone and the mixture's size."""
  num_mixtures: int = config_fields.setting(
      10, 'PixelCNN++: logistic components per sub-pixel (its CIFAR-10 '
      'model: 10).', minimum=1)


@registry.register('pixel_cnn_pp')
class PixelCNNPP(pixel_cnn.PixelCNN):
  """Maps images to a discretized logistic mixture for each sub-pixel.

  Called on {"images": float32 [B,H,W,C] in [-1,1]} (plus "labels": int32 [B]
  when class-conditional), returns float32 [B,H,W,C,3K]: per sub-pixel the K
  mixture logits, the K means (in the [-1, 1] scale) and the K log-scales;
  outputs (i,j,c,:) see images at sub-pixels strictly before (i,j,c) in raster
  order with R < G < B.

  Args:
    image_shape, num_layers, filters, kernel_size, output_filters,
      num_classes: as `pixel_model.PixelModel`.
    num_mixtures: K, logistic components per sub-pixel, >= 1.
  """

  Config = PixelCNNPPConfig
  # The levels its mixture is discretised to; float: not discretised.
  values = ('uint8', 'int16', 'float')

  def __init__(self, image_shape, num_layers=15, filters=128, kernel_size=5,
               output_filters=1024, num_classes=None, num_mixtures=10,
               **kwargs):
    if num_mixtures < 1:
      raise ValueError(f'num_mixtures must be >= 1, got {num_mixtures}.')
    # The backbone's width depends on it: set before PixelModel builds it.
    self.outputs_per_channel = 3 * num_mixtures
    super().__init__(image_shape, num_layers, filters, kernel_size,
                     output_filters, num_classes, **kwargs)
    self.num_mixtures = num_mixtures
    self.hyperparameters['num_mixtures'] = num_mixtures

  def _mixture(self, outputs):
    return tf.split(outputs, 3, axis=-1)  # logits, means, log-scales.

  def _log_prob(self, levels, params):
    if self.space.num_levels == pixel_cnn.NUM_LEVELS:
      # As PixelCNN++: numerically as before 16-bit levels existed.
      return losses.discretized_logistic_mixture_log_prob(
          levels, *params, num_levels=pixel_cnn.NUM_LEVELS)
    return losses.discretized_logistic_mixture_log_prob(
        levels, *params, num_levels=self.space.num_levels,
        step=self.space.level_step)

  def negative_log_likelihood(self, levels, outputs):
    return -self._log_prob(levels, self._mixture(outputs))

  def per_example_loss(self, batch, noise, training=True):
    """The discretized mixture's loss (pixel_cnn.PixelCNN's); on continuous
    values the negative log density summed over elements, in nats, logging
    its mean per element (`nats_per_dim`: a density, not bits of levels)."""
    if self.space.values != 'float':
      return super().per_example_loss(batch, noise, training)
    x = self.space.to_float(batch[self.space.key])
    nats = -losses.logistic_mixture_log_density(
        x, *self._mixture(self(self.model_inputs(batch))))
    axes = list(range(1, len(self.image_shape) + 1))
    return (tf.reduce_sum(nats, axis=axes),
            {'nats_per_dim': tf.reduce_mean(nats, axis=axes)})

  def level_log_probs(self, outputs):
    """log P of each level [..., L] from mixture parameters [..., 3K]."""
    params = [p[..., None, :] for p in self._mixture(outputs)]
    return self._log_prob(tf.range(self.space.num_levels), params)

  def sample_values(self, outputs, noise):
    """The levels' inverse CDF at noise (see `pixel_cnn.PixelCNN`); over
    16-bit levels by bisection: the first level whose CDF reaches it."""
    if self.space.values == 'float':
      return self._continuous_quantile(outputs, noise)
    if self.space.num_levels == pixel_cnn.NUM_LEVELS:
      return super().sample_values(outputs, noise)
    outputs = tf.reshape(outputs, tf.concat(
        [tf.shape(noise), [self.outputs_per_channel]], 0))
    params = self._mixture(outputs)
    step = self.space.level_step

    def cdf(level):  # P(value <= level): at the level's upper bin edge.
      upper = tf.cast(level, tf.float32) * step - 1.0 + step / 2
      return losses.logistic_mixture_cdf(upper, *params)

    low = tf.zeros_like(noise, tf.int32)
    high = tf.fill(tf.shape(noise), self.space.num_levels - 1)
    for _ in range(math.ceil(math.log2(self.space.num_levels))):
      middle = (low + high) // 2
      below = cdf(middle) < noise
      low = tf.where(below, middle + 1, low)
      high = tf.where(below, high, middle)
    return self.space.level_values(low)

  def _continuous_quantile(self, outputs, noise, halvings=40):
    """The mixture's inverse CDF at noise, by bisection: between the
    components' means -/+ 30 of their scales (the CDF is 0 and 1 there to
    float precision), halved `halvings` times."""
    outputs = tf.reshape(outputs, tf.concat(
        [tf.shape(noise), [self.outputs_per_channel]], 0))
    logits, means, log_scales = self._mixture(outputs)
    spread = 30.0 * tf.exp(tf.maximum(log_scales, losses.MIN_LOG_SCALE))
    low = tf.reduce_min(means - spread, axis=-1)
    high = tf.reduce_max(means + spread, axis=-1)
    for _ in range(halvings):
      middle = (low + high) / 2
      below = losses.logistic_mixture_cdf(middle, logits, means,
                                          log_scales) < noise
      low = tf.where(below, middle, low)
      high = tf.where(below, high, middle)
    return (low + high) / 2
