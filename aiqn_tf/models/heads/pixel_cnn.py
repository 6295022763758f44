"""The Gated PixelCNN softmax baseline, on the same backbone as PixelIQN."""

import tensorflow as tf

from aiqn_tf.core import images as image_lib
from aiqn_tf.models import base
from aiqn_tf.models import losses
from aiqn_tf.models.heads import pixel_model
from aiqn_tf.models import registry

NUM_LEVELS = 256


@registry.register('pixel_cnn')
class PixelCNN(pixel_model.PixelModel):
  """Maps images to 256-way logits for each sub-pixel given the earlier ones.

  Called on {"images": float32 [B,H,W,C] in [-1,1]} (plus "labels": int32 [B]
  when class-conditional), returns float32 logits [B,H,W,C,256]; logits
  (i,j,c,:) see images at sub-pixels strictly before (i,j,c) in raster order
  with R < G < B.

  Args: as `pixel_model.PixelModel`.
  """

  outputs_per_channel = NUM_LEVELS
  values = ('uint8', 'mu_law')  # 256 levels.

  def call_outputs(self, outputs):
    return tf.reshape(outputs,
                      [-1, *self.image_shape, self.outputs_per_channel])

  def negative_log_likelihood(self, levels, outputs):
    """-log P(levels) in nats, [...], from `call` outputs [..., P]."""
    return losses.softmax_cross_entropy(levels, outputs)

  def log_prob(self, images, labels=None, num_samples=1):
    """Exact log P(x) in nats [B] (see base.GenerativeModel.log_prob)."""
    del num_samples
    levels = image_lib.to_uint8(base.checked_images(
        tf.convert_to_tensor(images, tf.float32)))
    self.check_conditioning(labels)
    outputs = self(self.model_inputs({'images': levels, 'labels': labels}))
    return -tf.reduce_sum(self.negative_log_likelihood(levels, outputs),
                          axis=[1, 2, 3])

  def level_log_probs(self, outputs):
    """Unnormalized log-probabilities [..., 256] of the levels from [..., P]."""
    return outputs

  def training_noise(self, batch_size, seed):
    del batch_size, seed  # Training a PixelCNN draws no noise.
    return {}

  def per_example_loss(self, batch, noise, training=True):
    """Softmax cross-entropy summed over sub-pixels, in nats; logs bits/dim."""
    del noise, training
    nats = self.negative_log_likelihood(self.space.levels(
        batch[self.space.key]), self(self.model_inputs(batch)))
    axes = list(range(1, len(self.image_shape) + 1))
    return (tf.reduce_sum(nats, axis=axes),
            {'bits_per_dim': losses.bits_per_dim(
                tf.reduce_mean(nats, axis=axes))})

  def sample_values(self, outputs, noise):
    """Sample values from backbone outputs: the levels' inverse CDF at noise.

    A PixelCNN sample is thereby a deterministic function of uniform noise, as
    a PixelIQN sample is of tau.

    Args:
      outputs: float32 [..., C * P], the backbone's outputs, channel-major
        (P = outputs_per_channel; PixelCNN: the 256 logits).
      noise: float32 [..., C] uniform in [0, 1].

    Returns:
      float32 [..., C] in [-1, 1]: the sampled levels in the image scale.
    """
    outputs = tf.reshape(outputs, tf.concat(
        [tf.shape(noise), [self.outputs_per_channel]], 0))
    cdf = tf.cumsum(tf.nn.softmax(self.level_log_probs(outputs)), axis=-1)
    level = tf.reduce_sum(tf.cast(cdf < noise[..., None], tf.int32), -1)
    return self.space.level_values(tf.minimum(level, NUM_LEVELS - 1))
