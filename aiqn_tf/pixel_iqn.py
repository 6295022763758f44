"""PixelIQN: an autoregressive implicit quantile network on a Gated PixelCNN."""

import keras
import tensorflow as tf

from aiqn_tf.gated_pixelcnn import GatedPixelCNN


class PixelIQN(keras.Model):
  """Maps (images, tau) to the quantile of each sub-pixel at its own tau.

  Called on {"images": float32 [B,H,W,C] in [-1,1], "tau": float32 [B,H,W,C]
  in [0,1]} (plus "labels": int32 [B] in [0, num_classes) when class-conditional),
  returns float32 [B,H,W,C]: Q(tau[b,i,j,c] | earlier sub-pixels) in the image
  scale (unbounded; clip to [-1,1] for images). Output (i,j,c) sees images at
  sub-pixels strictly before (i,j,c) in raster order with R < G < B, and tau up
  to and including (i,j,c).

  Args:
    image_shape: (H, W, C), C in {1, 3}.
    num_layers: gated blocks (paper: 15; large ImageNet model: 20).
    filters: feature planes per block (paper: 128; large: 256).
    kernel_size: odd filter size (paper: 5).
    output_filters: planes of the skip/output path (paper: 1024).
    num_classes: None, or the number of classes for a class-conditional model.
  """

  def __init__(self, image_shape, num_layers=15, filters=128, kernel_size=5,
               output_filters=1024, num_classes=None, **kwargs):
    super().__init__(**kwargs)
    self.architecture = dict(
        image_shape=tuple(image_shape), num_layers=num_layers, filters=filters,
        kernel_size=kernel_size, output_filters=output_filters,
        num_classes=num_classes)
    self.backbone = GatedPixelCNN(out_channels=image_shape[-1], use_tau=True,
                                  name='gated_pixelcnn', **self.architecture)

  def __call__(self, inputs, *args, **kwargs):
    # Check before Keras' automatic build, which would otherwise swallow the
    # error and mark the model built.
    self.backbone.unpack(inputs)
    return super().__call__(inputs, *args, **kwargs)

  def call(self, inputs):
    images, tau, labels = self.backbone.unpack(inputs)
    return self.backbone(images, tau, labels)

  def sample_values(self, outputs, noise):
    """Sample values from backbone outputs: the quantiles, clipped to [-1, 1].

    Args:
      outputs: float32 [..., C], the backbone's output at tau = noise.
      noise: float32 [..., C], the tau the outputs were computed at (unused:
        PixelIQN takes its noise as an input).

    Returns:
      float32 [..., C] in [-1, 1].
    """
    del noise
    return tf.clip_by_value(outputs, -1.0, 1.0)

  def get_config(self):
    return dict(super().get_config(), **self.architecture)
