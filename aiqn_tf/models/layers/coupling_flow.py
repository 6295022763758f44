"""Real NVP's affine coupling flow for images (Dinh et al. 2017).

An invertible map f: x [B, H, W, C] -> y of the same shape with a cheap
log-determinant, as the flow decoder of Lucas et al. 2019 (VAE-F, CQ-F:
x = f^-1(y), y from the VAE's factorised Gaussian). The image is squeezed
(each 2 x 2 block's pixels into channels, [H/2, W/2, 4C]); each of
`num_steps` affine couplings keeps one half of the channels and transforms
the other given it,

  y_b = x_b * exp(s(x_a)) + t(x_a),  log |det dy/dx| = sum s(x_a),

the halves alternating from step to step (the top and the bottom rows of
each block), and the result is unsqueezed. s = tanh of a network output
(bounded scales), the networks 3 x 3 convolutions with ReLU whose last layer
starts at zero, so the flow starts as the identity.

TFP's `tfb.RealNVP` takes a Keras 3 network as its shift-and-log-scale
function, but its bijector cache is keyed on the input tensor: a second
forward pass over the same tensor after a weight update returns the first
pass's output (checked on TFP 0.25: no change at all after adding 1 to every
weight), and a pass cached outside a GradientTape gives no gradient inside
one. A Keras model's weights change between calls, so the couplings are
written here.
"""

import keras
import tensorflow as tf


@keras.saving.register_keras_serializable(package='aiqn_tf')
class CouplingFlow(keras.layers.Layer):
  """f: images [B, H, W, C] -> y [B, H, W, C], invertible; H and W even.

  Args:
    num_steps: affine couplings, >= 1.
    hidden: channels of each coupling's network, >= 1.
  """

  def __init__(self, num_steps=4, hidden=64, **kwargs):
    super().__init__(**kwargs)
    if num_steps < 1 or hidden < 1:
      raise ValueError(f'num_steps and hidden must be >= 1, got {num_steps} '
                       f'and {hidden}.')
    self.num_steps, self.hidden = num_steps, hidden

  def build(self, input_shape):
    height, width, channels = (int(d) for d in input_shape[1:])
    if height % 2 or width % 2:
      raise ValueError(f'The coupling flow squeezes 2 x 2 blocks: it takes '
                       f'even heights and widths, got {height} x {width}.')
    self.half = 2 * channels
    shape = (height // 2, width // 2, self.half)
    layers = keras.layers
    for step in range(self.num_steps):
      # One attribute each: networks kept in a list made here would be
      # missing from tf.train.Checkpoint's object graph (the trainer's
      # checkpoints), though not from .keras files.
      setattr(self, f'coupling_{step}', keras.Sequential([
          keras.Input(shape),
          layers.Conv2D(self.hidden, 3, padding='same', activation='relu'),
          layers.Conv2D(self.hidden, 1, activation='relu'),
          layers.Conv2D(2 * self.half, 3, padding='same',
                        kernel_initializer='zeros'),
      ], name=f'coupling_{step}'))

  def _build_for(self, images):
    if not self.built:
      self.build(images.shape)
      self.built = True

  def _scale_and_shift(self, step, kept):
    out = getattr(self, f'coupling_{step}')(kept)
    return tf.tanh(out[..., :self.half]), out[..., self.half:]

  def _halves(self, step, squeezed):
    """(kept, transformed) halves of a step; odd steps swap them."""
    first, second = squeezed[..., :self.half], squeezed[..., self.half:]
    return (first, second) if step % 2 == 0 else (second, first)

  def _join(self, step, kept, transformed):
    return tf.concat([kept, transformed] if step % 2 == 0 else
                     [transformed, kept], axis=-1)

  def forward(self, x):
    """y = f(x) [B, H, W, C] and log |det df/dx| [B] (nats)."""
    self._build_for(x)
    y = tf.nn.space_to_depth(x, 2)
    log_det = tf.zeros(tf.shape(x)[:1], x.dtype)
    for step in range(self.num_steps):
      kept, transformed = self._halves(step, y)
      scale, shift = self._scale_and_shift(step, kept)
      y = self._join(step, kept, transformed * tf.exp(scale) + shift)
      log_det += tf.reduce_sum(scale, axis=[1, 2, 3])
    return tf.nn.depth_to_space(y, 2), log_det

  def inverse(self, y):
    """x = f^-1(y) [B, H, W, C]."""
    self._build_for(y)
    x = tf.nn.space_to_depth(y, 2)
    for step in reversed(range(self.num_steps)):
      kept, transformed = self._halves(step, x)
      scale, shift = self._scale_and_shift(step, kept)
      x = self._join(step, kept, (transformed - shift) * tf.exp(-scale))
    return tf.nn.depth_to_space(x, 2)

  def call(self, x):
    return self.forward(x)[0]

  def get_config(self):
    return dict(super().get_config(), num_steps=self.num_steps,
                hidden=self.hidden)
