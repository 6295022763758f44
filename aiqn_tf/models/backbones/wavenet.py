"""WaveNet (van den Oord et al. 2016, arXiv:1609.03499) as a backbone of sequences.

Events are sequences [T, C] (time steps, channels; audio is C = 1) in the
model scale. Output (t, c) sees every channel of the steps before t and the
channels before c of step t (the images' R < G < B order, by channel masks
on the current step's tap), and tau of step t's channels <= c:

- an input causal convolution of filter width k over steps t - k + 1 .. t,
  its current-step tap masked 'A';
- `num_layers` residual layers with dilations 1, 2, ..., 2^(dilation_cycle -
  1), repeated: a dilated causal convolution (taps t, t - d, ..., t - (k -
  1) d; the current tap masked 'B'), plus tau through a 1x1 convolution
  (masked 'B', the PixelIQN paper's conditioning before every gate) and a
  per-class bias (global conditioning), a gated unit tanh x sigmoid, a 1x1
  to the residual (added to the layer's input) and one to the skip path;
- the output path: ReLU of the skips' sum, a 1x1 to `output_filters`, ReLU,
  a 1x1 to the head's planes (both masked 'B').

The receptive field is (k - 1) (1 + sum of the dilations) earlier steps.

The fast sampler (sampling.cached on the sequence as a [T, 1, C] image, one
row per step) is the queue scheme of fast-wavenet (Paine et al. 2016,
arXiv:1611.09482), for any filter width: each layer keeps its last (k - 1) d
inputs in a ring buffer, so a step costs one single-step pass through every
layer, instead of a pass over the whole receptive field.
"""

import dataclasses

import keras
import tensorflow as tf

from aiqn_tf.core import config_fields
from aiqn_tf.models.backbones import backbone
from aiqn_tf.models.layers import slicing
from aiqn_tf.models.layers.masked_conv import MaskedConv2D


@dataclasses.dataclass
class WaveNetConfig:
  """The wavenet backbone's section (its dilation schedule)."""
  dilation_cycle: int = config_fields.setting(
      10, 'Dilations 1, 2, ..., 2^(cycle - 1), repeated over the '
      'layers (WaveNet: 10).', minimum=1)


def dilations(num_layers, dilation_cycle):
  """The residual layers' dilations: 1, 2, 4, ... restarting every cycle."""
  return [2 ** (layer % dilation_cycle) for layer in range(num_layers)]


def receptive_field(num_layers, kernel_size, dilation_cycle):
  """Earlier steps an output sees: (k - 1) (1 + sum of the dilations)."""
  return (kernel_size - 1) * (1 + sum(dilations(num_layers, dilation_cycle)))


def _tap_product(conv, taps):
  """A causal convolution's output at one step from its taps.

  Args:
    conv: a built MaskedConv2D with a (k, 1) kernel.
    taps: float32 [B, k, 1, in] the inputs at the kernel's taps, oldest
      first (the current step last).

  Returns:
    float32 [B, 1, 1, filters].
  """
  kernel = conv.masked_kernel()
  flat = tf.reshape(taps, [-1, kernel.shape[0] * kernel.shape[2]])
  out = tf.matmul(flat, tf.reshape(kernel, [-1, kernel.shape[-1]]))
  if conv.bias is not None:
    out += conv.bias
  return out[:, None, None]


def _ring_write(buffer, step, value):
  """buffer [B, S, 1, F] with value [B, 1, 1, F] at position step mod S.

  A scatter, not slicing.put's select over all S positions: a step must not
  cost the buffer's length (under XLA the scatter updates in place).
  """
  batch = tf.shape(buffer)[0]
  position = tf.math.floormod(step, buffer.shape[1])
  indices = tf.stack([tf.range(batch), tf.fill([batch], position)], 1)
  return tf.tensor_scatter_nd_update(buffer, indices, value[:, 0])


@backbone.serializable
class ResidualLayer(keras.layers.Layer):
  """One residual layer: a dilated causal convolution, conditioning, a gated
  unit, and 1x1s to the residual and the skip path.

  Args:
    filters: int F, residual planes (2 F into the gate), one group per
      channel.
    kernel_size: int k >= 2, the filter width.
    dilation: int d, the taps' spacing in steps.
    output_filters: int, skip planes.
    num_groups: int C, the events' channels.
    last: bool, the last layer (only feeds the skips: no residual 1x1).
    num_classes: int or None, for a per-class bias before the gate.
    use_tau: bool, tau's features through a 1x1 before the gate.
  """

  def __init__(self, filters, kernel_size, dilation, output_filters,
               num_groups, last=False, num_classes=None, use_tau=True,
               **kwargs):
    super().__init__(**kwargs)
    self.arguments = dict(filters=filters, kernel_size=kernel_size,
                          dilation=dilation, output_filters=output_filters,
                          num_groups=num_groups, last=last,
                          num_classes=num_classes, use_tau=use_tau)
    k, d = kernel_size, dilation
    self.conv = MaskedConv2D(2 * filters, (k, 1), (((k - 1) * d, 0), (0, 0)),
                             'B', num_groups, output_splits=2,
                             dilation=(d, 1), name='conv')
    self.tau = MaskedConv2D(2 * filters, mask_type='B', num_groups=num_groups,
                            output_splits=2, use_bias=False,
                            name='tau') if use_tau else None
    self.label = keras.layers.Embedding(
        num_classes, 2 * filters, name='label') if num_classes else None
    self.residual = None if last else MaskedConv2D(
        filters, mask_type='B', num_groups=num_groups, name='residual')
    self.skip = MaskedConv2D(output_filters, mask_type='B',
                             num_groups=num_groups, name='skip')

  def finish(self, pre, h, tau_features=None, labels=None):
    """(the next layer's input [B, T, 1, F] or None for the last layer,
    skip [B, T, 1, output_filters]) from the convolution's output `pre` on
    this layer's input `h`."""
    if self.tau is not None:
      pre += self.tau(tau_features)
    if self.label is not None:
      pre += self.label(labels)[:, None, None, :]
    gated = backbone.gate(pre)
    return (None if self.residual is None else h + self.residual(gated),
            self.skip(gated))

  def call(self, h, tau_features=None, labels=None):
    return self.finish(self.conv(h), h, tau_features, labels)

  def get_config(self):
    return dict(super().get_config(), **self.arguments)


@backbone.register('wavenet')
class WaveNet(backbone.PixelBackbone):
  """The WaveNet stack over sequences [B, T, C] (see the module docstring).

  num_layers: residual layers; filters: their residual and gate planes
  (a multiple of C: one group per channel); kernel_size: the filter width
  k >= 2 (WaveNet: 2); output_filters: the skip and output planes.
  """

  Config = WaveNetConfig
  spaces = ('sequences',)

  def __init__(self, *args, dilation_cycle=10, **kwargs):
    self.dilation_cycle = int(dilation_cycle)
    super().__init__(*args, **kwargs)
    self.arguments.update(dict(dilation_cycle=self.dilation_cycle))

  def build_layers(self, channels, out_channels, num_layers, filters,
                   kernel_size, output_filters):
    k = kernel_size
    self.dilations = dilations(num_layers, self.dilation_cycle)
    self.input_conv = MaskedConv2D(filters, (k, 1), ((k - 1, 0), (0, 0)), 'A',
                                   channels, name='input_conv')
    self.blocks = [
        ResidualLayer(filters, k, d, output_filters, channels,
                      last=i == num_layers - 1, num_classes=self.num_classes,
                      use_tau=self.use_tau, name=f'layer_{i}')
        for i, d in enumerate(self.dilations)]
    for block in self.blocks:
      setattr(self, block.name, block)  # Visible to tf.train.Checkpoint.
    self.output_layers(channels, out_channels, output_filters)

  def _output(self, skip):
    hidden = tf.nn.relu(self.out_hidden(tf.nn.relu(skip)))
    return self.out_final(hidden)

  def call(self, sequences, tau=None, labels=None):
    x = sequences[:, :, None]  # [B, T, 1, C]: one "pixel" per step.
    tau_features = (self.tau_features(tau[:, :, None]) if self.use_tau
                    else None)
    h = self.input_conv(x)
    skip = 0.0
    for block in self.blocks:
      h, block_skip = block(h, tau_features, labels)
      skip += block_skip
    return self._output(skip)[:, :, 0]

  # The cache protocol of sampling.cached, on the sequence as a [T, 1, C]
  # image: "row" i is step i, its only "pixel" j = 0. The cache holds each
  # layer's ring buffer of its last (k - 1) d inputs (the input
  # convolution's: the events, d = 1) and the current step's inputs of the
  # residual layers, which `sampling_pixel` computes and
  # `sampling_finish_row` writes into the buffers. A layer's input at step t
  # depends on step t's channels before the last one only (masks 'A' then
  # 'B'), so the last channel's call leaves them final.

  def _sizes(self):
    k = self.kernel_size
    return [k - 1] + [(k - 1) * d for d in self.dilations]

  def sampling_start(self, images, tau=None, labels=None, first_row=0):
    x = images  # [B, T, 1, C].
    tau_features = self.tau_features(tau) if self.use_tau else None
    inputs = [x]
    h = self.input_conv(x)
    for block in self.blocks[:-1]:
      inputs.append(h)
      h, _ = block(h, tau_features, labels)
    inputs.append(h)
    buffers = []
    first_row = tf.cast(first_row, tf.int32)
    for size, layer_input in zip(self._sizes(), inputs):
      # Steps first_row - size .. first_row - 1 (zeros before the start),
      # each at its position step mod size.
      padded = tf.pad(layer_input, [[0, 0], [size, 0], [0, 0], [0, 0]])
      window = slicing.take(padded, 1, first_row, size)
      order = tf.math.floormod(tf.range(size) - first_row, size)
      buffers.append(tf.gather(window, order, axis=1))
    current = [tf.zeros_like(b[:, :1]) for b in buffers[1:]]
    return dict(buffers=buffers, current=current), (tau_features, labels)

  def sampling_start_row(self, cache, context, x_row, i):
    del context, x_row, i
    return cache

  def _taps(self, buffer, step, dilation, current):
    """[B, k, 1, F]: the inputs at step - (k - 1) d, ..., step - d from the
    ring buffer, then `current` (step's own)."""
    k = self.kernel_size
    steps = step - dilation * tf.range(k - 1, 0, -1)
    past = tf.gather(buffer, tf.math.floormod(steps, buffer.shape[1]), axis=1)
    return tf.concat([past, current], 1)

  def sampling_pixel(self, cache, context, x_row, i, j, c):
    del j, c  # Every channel group is computed; the sampler reads c's.
    tau_features, labels = context
    tau_step = (None if tau_features is None
                else slicing.take(tau_features, 1, i))
    buffers = cache['buffers']
    h = _tap_product(self.input_conv, self._taps(buffers[0], i, 1, x_row))
    current, skip = [], 0.0
    for block, buffer, d in zip(self.blocks, buffers[1:], self.dilations):
      current.append(h)
      pre = _tap_product(block.conv, self._taps(buffer, i, d, h))
      h, block_skip = block.finish(pre, h, tau_step, labels)
      skip += block_skip
    return self._output(skip), dict(buffers=buffers, current=current)

  def sampling_finish_row(self, cache, context, x_row, r):
    del context
    values = [x_row] + cache['current']
    buffers = [_ring_write(buffer, r, value)
               for buffer, value in zip(cache['buffers'], values)]
    return dict(buffers=buffers, current=cache['current'])
