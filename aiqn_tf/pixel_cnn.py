"""The Gated PixelCNN softmax baseline, on the same backbone as PixelIQN."""

import keras
import tensorflow as tf

from aiqn_tf import images as image_lib
from aiqn_tf.gated_pixelcnn import GatedPixelCNN

NUM_LEVELS = 256


class PixelCNN(keras.Model):
  """Maps images to 256-way logits for each sub-pixel given the earlier ones.

  Called on {"images": float32 [B,H,W,C] in [-1,1]} (plus "labels": int32 [B]
  when class-conditional), returns float32 logits [B,H,W,C,256]; logits
  (i,j,c,:) see images at sub-pixels strictly before (i,j,c) in raster order
  with R < G < B.

  Args: as `PixelIQN`.
  """

  def __init__(self, image_shape, num_layers=15, filters=128, kernel_size=5,
               output_filters=1024, num_classes=None, **kwargs):
    super().__init__(**kwargs)
    self.architecture = dict(
        image_shape=tuple(image_shape), num_layers=num_layers, filters=filters,
        kernel_size=kernel_size, output_filters=output_filters,
        num_classes=num_classes)
    self.backbone = GatedPixelCNN(
        out_channels=image_shape[-1] * NUM_LEVELS, use_tau=False,
        name='gated_pixelcnn', **self.architecture)

  def __call__(self, inputs, *args, **kwargs):
    # Check before Keras' automatic build, which would otherwise swallow the
    # error and mark the model built.
    self.backbone.unpack(inputs)
    return super().__call__(inputs, *args, **kwargs)

  def call(self, inputs):
    images, _, labels = self.backbone.unpack(inputs)
    logits = self.backbone(images, None, labels)
    height, width, channels = self.backbone.image_shape
    return tf.reshape(logits, [-1, height, width, channels, NUM_LEVELS])

  def sample_values(self, outputs, noise):
    """Sample values from backbone outputs: the softmax's inverse CDF at noise.

    A PixelCNN sample is thereby a deterministic function of uniform noise, as
    a PixelIQN sample is of tau.

    Args:
      outputs: float32 [..., C * 256], the backbone's logits, channel-major.
      noise: float32 [..., C] uniform in [0, 1].

    Returns:
      float32 [..., C] in [-1, 1]: the sampled levels in the image scale.
    """
    logits = tf.reshape(outputs, tf.concat([tf.shape(noise), [NUM_LEVELS]], 0))
    cdf = tf.cumsum(tf.nn.softmax(logits), axis=-1)
    level = tf.reduce_sum(tf.cast(cdf < noise[..., None], tf.int32), -1)
    return image_lib.to_float(tf.minimum(level, NUM_LEVELS - 1))

  def get_config(self):
    return dict(super().get_config(), **self.architecture)
