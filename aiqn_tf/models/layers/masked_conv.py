"""The one masked convolution that every stack of the Gated PixelCNN uses."""

import keras
import numpy as np
import tensorflow as tf

from aiqn_tf.models.layers import masks


@keras.saving.register_keras_serializable(package='aiqn_tf')
class MaskedConv2D(keras.layers.Layer):
  """Causally padded 2-D convolution with an autoregressive channel mask.

  Spatial causality comes from the kernel's shape and the zero padding (the
  kernel holds only taps that may be seen, so no compute is spent on masked-out
  taps): the input is padded by `padding` and convolved with VALID padding, and
  the kernel tap at (top, left) is the one aligned with the output pixel. On that
  tap only, channels are masked by group (masks 'A' or 'B', see `masks`); the
  other taps see earlier pixels and are unmasked. With a dilation the taps
  are that far apart (WaveNet's dilated causal convolutions): the padding is
  then in pixels, a multiple of the dilation.

  The mask multiplies the kernel inside `call`, so the layer is autoregressive
  from its first call, before any training (unlike a kernel constraint, which
  acts only after an optimizer step).

  Args:
    filters: int, output channels.
    kernel_size: (height, width) of the kernel.
    padding: ((top, bottom), (left, right)) zero padding before the VALID conv;
      with bottom = 0 and right = 0 the output only sees pixels above and/or to
      the left. Output spatial size = input size + padding - dilation *
      (kernel - 1).
    mask_type: None (no channel mask), 'A' or 'B'.
    num_groups: int, number of ordered channel groups (the image's channels).
    output_splits: int, parts of the output that are grouped alike (2 for the
      two halves of a gated activation).
    use_bias: bool.
    dilation: (height, width) spacing of the taps (default 1, 1).

  Input: float32 [B, H, W, in_channels]. Output: float32 [B, H', W', filters].
  """

  def __init__(self, filters, kernel_size=(1, 1), padding=((0, 0), (0, 0)),
               mask_type=None, num_groups=1, output_splits=1, use_bias=True,
               kernel_initializer='glorot_uniform', dilation=(1, 1),
               **kwargs):
    super().__init__(**kwargs)
    self.filters = int(filters)
    self.kernel_size = tuple(int(k) for k in kernel_size)
    self.padding = tuple(tuple(int(p) for p in pair) for pair in padding)
    self.dilation = tuple(int(d) for d in dilation)
    if mask_type not in (None,) + masks.MASK_TYPES:
      raise ValueError(f"mask_type must be None, 'A' or 'B', got {mask_type!r}.")
    (top, _), (left, _) = self.padding
    (dh, dw), (kh, kw) = self.dilation, self.kernel_size
    if min(self.dilation) < 1 or top % dh or left % dw:
      raise ValueError(f'dilation {self.dilation} must be positive and divide '
                       f'the top and left padding {self.padding}.')
    if top // dh >= kh or left // dw >= kw:
      raise ValueError(f'padding {self.padding} puts the current pixel outside '
                       f'the {self.kernel_size} kernel.')
    self.mask_type = mask_type
    self.num_groups = int(num_groups)
    self.output_splits = int(output_splits)
    self.use_bias = use_bias
    self.kernel_initializer = keras.initializers.get(kernel_initializer)
    if mask_type is not None:  # Fail at construction on uneven groups.
      masks.channel_groups(self.filters, self.num_groups, self.output_splits)

  def build(self, input_shape):
    in_channels = int(input_shape[-1])
    kh, kw = self.kernel_size
    self.kernel = self.add_weight(
        name='kernel', shape=(kh, kw, in_channels, self.filters),
        initializer=self.kernel_initializer)
    self.bias = (self.add_weight(name='bias', shape=(self.filters,),
                                 initializer='zeros')
                 if self.use_bias else None)
    self.mask = None
    if self.mask_type is not None:
      mask = np.ones((kh, kw, in_channels, self.filters), np.float32)
      (top, _), (left, _) = self.padding
      mask[top // self.dilation[0], left // self.dilation[1]] = (
          masks.autoregressive_mask(
              masks.channel_groups(in_channels, self.num_groups),
              masks.channel_groups(self.filters, self.num_groups,
                                   self.output_splits),
              self.mask_type))
      # Keras may build inside a scratch graph; an eager constant can be
      # captured by every later graph and eager call.
      with tf.init_scope():
        self.mask = tf.constant(mask)

  def masked_kernel(self):
    """The kernel [kh, kw, in, filters] with the channel mask applied."""
    return self.kernel if self.mask is None else self.kernel * self.mask

  def call(self, inputs, padding=None):
    """Convolves `inputs`; `padding` overrides the layer's padding (samplers)."""
    (top, bottom), (left, right) = padding or self.padding
    if top or bottom or left or right:
      inputs = tf.pad(inputs, [[0, 0], [top, bottom], [left, right], [0, 0]])
    kernel = self.masked_kernel()
    if self.kernel_size == (1, 1):
      outputs = tf.tensordot(inputs, kernel[0, 0], axes=1)
    else:
      outputs = tf.nn.conv2d(inputs, kernel, strides=1, padding='VALID',
                             dilations=self.dilation)
    if self.bias is not None:
      outputs = outputs + self.bias
    return outputs

  def get_config(self):
    config = super().get_config()
    config.update(filters=self.filters, kernel_size=self.kernel_size,
                  padding=self.padding, mask_type=self.mask_type,
                  num_groups=self.num_groups, output_splits=self.output_splits,
                  use_bias=self.use_bias, dilation=self.dilation,
                  kernel_initializer=keras.initializers.serialize(
                      self.kernel_initializer))
    return config
