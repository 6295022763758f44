"""PixelRNN's recurrent backbones: the Row LSTM and the Diagonal BiLSTM.

van den Oord, Kalchbrenner & Kavukcuoglu (2016), "Pixel Recurrent Neural
Networks", section 3. `--backbone=row_lstm` and `--backbone=diagonal_bilstm`
for PixelIQN, PixelCNN and PixelCNN++: the inputs, outputs, conditioning and
sampler protocol of every backbone (backbone.PixelBackbone), so every head
and the one sampler core work unchanged.

Both stack `num_layers` LSTM layers of `filters` hidden units U, split into
one group per image channel (R < G < B): every input-to-state convolution's
current-pixel tap is channel-masked ('A' in the first layer, 'B' after), the
four gates (input, forget, output, candidate; 4U pre-activations) are
grouped alike, and the state-to-state convolutions, which read only pixels
entirely before the current one, are unmasked. Layer l maps its input x_l
([B, H, W, C] for the first, [B, H, W, U] after) to x_{l+1} = x_l +
residual(h) (the first layer: residual(h) alone), residual a 1x1 masked
'B'; the last layer's features go through the output path, a 1x1, ReLU and
a 1x1, masked 'B'. Conditioning enters before every gate, as in the Gated
PixelCNN: tau through `tau_features` and a 1x1 convolution (masked 'B', so
an output sees its own tau and earlier ones), the labels through a learned
per-class bias. Unlike the paper, there is no 7 x 7 mask-'A' convolution
before the first layer (the first layer reads the image itself) and no
layer-to-output skip connections.

- Row LSTM: the rows are the LSTM's time steps. Input-to-state: a masked
  1 x k convolution along the row (the k//2 pixels to the left and the
  current one), for the whole map at once; state-to-state: a 1 x k
  convolution of the previous row's hidden states. The cell state at (i, j)
  follows the one at (i - 1, j). One layer's output at (i, j) sees row
  i - d (d >= 0) within columns j - (d + 1) k//2 .. j + d k//2: a triangle
  above the pixel, which misses part of the context (the paper's point).
- Diagonal BiLSTM: two diagonal LSTMs, each state from the one above and
  the one beside it. The input map is skewed (row i shifted right by i), so
  that a column LSTM with a 2 x 1 state-to-state kernel runs along the
  diagonals; unskewed, the forward state at (i, j) follows (i - 1, j) and
  (i, j - 1) (its cell state the one at (i, j - 1)) and sees every pixel up
  and to the left. The backward direction is its mirror image (it sees up
  and to the right, (i, j + 1) included), so its map is shifted down one
  row before it is added: the output at (i, j) sees the backward state of
  (i - 1, j), every pixel of the rows above at columns >= j. Together they
  see the whole past. Input-to-state: forward a 1x1 masked by channel, but
  1 x 2 in the first layer, which also reads the pixel to the left
  unmasked (with a 1x1 under mask 'A' no state would ever see a pixel's
  last channel, in grey nothing at all); backward an unmasked 1x1, as is
  its tau convolution (once shifted, all it reads is in the rows above; a
  row's last pixel reaches the next row only through it). kernel_size is
  not used.

Fast sampling (sampling.cached) computes one pixel of every layer per
sub-pixel, for every channel group (a later channel's step of the same
pixel overwrites what an earlier one stored; the last one's values are
final, as no feature of a pixel sees its own last channel): see each
backbone's cache protocol. `sampling_candidates` (PixelIQN's likelihood)
repeats that step once per candidate tau.
"""

import keras
import tensorflow as tf

from aiqn_tf.models.backbones import backbone
from aiqn_tf.models.layers import slicing
from aiqn_tf.models.layers.masked_conv import MaskedConv2D


# The sampler's loops are AutoGraph-converted (sampling.cached); the cache
# protocol's methods have no control flow of tensors, so their conversion
# (about a second per model's first trace) is skipped.
_not_converted = tf.autograph.experimental.do_not_convert


def lstm_cell(pre, c):
  """The LSTM core: (h, c) from the pre-activations and the previous cell.

  Args:
    pre: [..., 4U], the input, forget and output gates and the candidate,
      each U units, grouped alike.
    c: [..., U], the previous cell state.

  Returns:
    (h [..., U], c [..., U]).
  """
  i, f, o, g = tf.split(pre, 4, axis=-1)
  c = tf.sigmoid(f) * c + tf.sigmoid(i) * tf.tanh(g)
  return tf.sigmoid(o) * tf.tanh(c), c


def skew(x):
  """[B, H, W, D] -> [B, H, W + H - 1, D], row i shifted right by i (zeros
  elsewhere): the diagonals (i + j constant) become columns."""
  batch = tf.shape(x)[0]
  _, height, width, depth = x.shape
  x = tf.pad(x, [[0, 0], [0, 0], [0, height], [0, 0]])
  x = tf.reshape(x, [batch, height * (width + height), depth])
  return tf.reshape(x[:, :height * (width + height - 1)],
                    [batch, height, width + height - 1, depth])


def unskew(x, width):
  """The inverse of `skew`: [B, H, W + H - 1, D] -> [B, H, W, D]."""
  batch = tf.shape(x)[0]
  _, height, _, depth = x.shape
  x = tf.reshape(x, [batch, height * (width + height - 1), depth])
  x = tf.pad(x, [[0, 0], [0, height], [0, 0]])
  return tf.reshape(x, [batch, height, width + height, depth])[:, :, :width]


def diagonal_lstm(pre, state_kernel):
  """Diagonal LSTMs over whole maps, D directions at once.

  In each, the state at (i, j) comes from the pre-activations at (i, j),
  the hidden states at (i - 1, j) and (i, j - 1) and the cell state at
  (i, j - 1); zeros outside the map. On the skewed map these are one column
  LSTM step: W + H - 1 steps, each over all rows.

  Args:
    pre: [D, B, H, W, 4U], the input-to-state part (with the conditioning)
      of each direction, oriented so that its recurrence runs as above (the
      backward direction's mirrored).
    state_kernel: [D, 2U, 4U], each direction's state-to-state kernel: the
      rows of the state above, then of the state beside.

  Returns:
    (h, c), each [D, B, H, W, U].
  """
  directions, _, height, width, size = pre.shape
  batch = tf.shape(pre)[1]
  units = size // 4
  steps = width + height - 1
  skewed = skew(tf.reshape(pre, tf.stack([-1, height, width, size])))
  columns = tf.reshape(tf.transpose(skewed, [2, 0, 1, 3]),
                       tf.stack([steps, directions, batch, height, size]))
  # The skew's padding needs no mask: left of a row (t < i) the
  # pre-activations are zero and so, by induction from the zero initial
  # state, are the states (the state kernel has no bias: tanh(0) = 0), as a
  # pixel's left neighbour outside the map must be; right of a row the
  # states are not zero but only ever feed states right of a row.

  def step(state, column_pre):
    h, c = state  # [D, B, H, U], the previous skewed column.
    above = tf.pad(h, [[0, 0], [0, 0], [1, 0], [0, 0]])[:, :, :-1]
    return lstm_cell(column_pre + tf.einsum(
        'dbhk,dkz->dbhz', tf.concat([above, h], -1), state_kernel), c)

  zeros = tf.zeros(tf.stack([directions, batch, height, units]))
  h, c = tf.scan(step, columns, initializer=(zeros, zeros))

  def unskewed(x):  # [W + H - 1, D, B, H, U] -> [D, B, H, W, U].
    x = tf.reshape(tf.transpose(x, [1, 2, 3, 0, 4]),
                   tf.stack([-1, height, steps, units]))
    return tf.reshape(unskew(x, width),
                      tf.stack([directions, batch, height, width, units]))

  return unskewed(h), unskewed(c)


def _pixel(x, j):
  """Column j of a row [B, 1, W, D] -> [B, D]."""
  return slicing.take(x, 2, j)[:, 0, 0]


def _flat(x):
  """[B, 1, K, D] -> [B, K D], column-major (as a 1 x K kernel reshaped)."""
  return tf.reshape(x, [tf.shape(x)[0], x.shape[2] * x.shape[3]])


class _Conditioning(keras.layers.Layer):
  """tau through a 1x1 convolution and a per-class bias, added before a gate.

  Args:
    filters: int, the pre-activations' planes (4U, grouped as the gates).
    num_groups: int C, image channels.
    masked: bool, the tau convolution channel-masked 'B' (an output sees its
      own tau and earlier ones) or not (a direction that only ever reads
      rows above).
    use_tau, num_classes: as in PixelBackbone.
  """

  def __init__(self, filters, num_groups, masked, use_tau, num_classes,
               **kwargs):
    super().__init__(**kwargs)
    self.tau = None
    if use_tau:
      self.tau = MaskedConv2D(
          filters, mask_type='B' if masked else None,
          num_groups=num_groups, output_splits=4 if masked else 1,
          use_bias=False, name='tau')
    self.label = (keras.layers.Embedding(num_classes, filters, name='label')
                  if num_classes else None)

  def call(self, pre, tau=None, labels=None):
    if self.tau is not None:
      pre += self.tau(tau)
    if self.label is not None:
      pre += self.label(labels)[:, None, None, :]
    return pre

  def build_sublayers(self, tau_channels):
    if self.tau is not None:
      self.tau.build((None, None, None, tau_channels))
    if self.label is not None:
      self.label.build()

  def tau_kernel(self):
    """[C T, 4U] (masked), or None."""
    return None if self.tau is None else self.tau.masked_kernel()[0, 0]

  def label_bias(self, labels):
    """[B, 4U], or None."""
    return None if self.label is None else self.label(labels)


class _RecurrentLayer(keras.layers.Layer):
  """What the two kinds of layer share: the residual and the gates' sizes.

  Args:
    filters: int U >= num_groups, hidden units (and the features' planes).
    num_groups: int C, image channels (1 or 3).
    first: bool, the first layer (mask 'A', no residual connection).
    num_classes: int or None.
    use_tau: bool.
  """

  def __init__(self, filters, num_groups, first, num_classes=None,
               use_tau=True, **kwargs):
    super().__init__(**kwargs)
    self.arguments = dict(filters=filters, num_groups=num_groups,
                          first=first, num_classes=num_classes,
                          use_tau=use_tau)
    self.units = filters
    self.first = first
    self.residual = MaskedConv2D(filters, mask_type='B',
                                 num_groups=num_groups, name='residual')

  def state_kernel(self, shape, name):
    """An unmasked, bias-free state-to-state convolution, built now (the
    recurrences read its kernel inside their loops)."""
    n = shape[1] // 2
    conv = MaskedConv2D(4 * self.units, shape, ((shape[0] - 1, 0), (n, n)),
                        use_bias=False, name=name)
    conv.build((None, None, None, self.units))
    return conv

  def build_sublayers(self, input_channels, tau_channels):
    """Builds every weight, for inputs of `input_channels` planes and tau
    features of `tau_channels` (the backbone does, so that Keras need not
    trace `call` to build them)."""
    for conv in self.input_convs():
      conv.build((None, None, None, input_channels))
    for condition in self.conditions():
      condition.build_sublayers(tau_channels)
    self.residual.build((None, None, None, self.units))
    self.built = True

  def finish(self, x, h):
    """The layer's output x_{l+1} from its input x_l and its hidden map h."""
    out = self.residual(h)
    return out if self.first else x + out

  def residual_weights(self):
    return self.residual.masked_kernel()[0, 0], self.residual.bias

  def get_config(self):
    return dict(super().get_config(), **self.arguments)


@backbone.serializable
class RowLSTMLayer(_RecurrentLayer):
  """One Row LSTM layer (see the module docstring).

  Args:
    filters, num_groups, first, num_classes, use_tau: as in _RecurrentLayer.
    kernel_size: odd int k; input-to-state 1 x (k//2 + 1) (the current
      pixel and the k//2 to its left), state-to-state 1 x k.
  """

  def __init__(self, filters, kernel_size, num_groups, first,
               num_classes=None, use_tau=True, **kwargs):
    super().__init__(filters, num_groups, first, num_classes, use_tau,
                     **kwargs)
    self.arguments['kernel_size'] = kernel_size
    n = kernel_size // 2
    self.input_to_state = MaskedConv2D(
        4 * filters, (1, n + 1), ((0, 0), (n, 0)), 'A' if first else 'B',
        num_groups, output_splits=4, name='input_to_state')
    self.state_to_state = self.state_kernel((1, kernel_size),
                                            'state_to_state')
    self.condition = _Conditioning(4 * filters, num_groups, True, use_tau,
                                   num_classes, name='condition')

  def input_convs(self):
    return [self.input_to_state]

  def conditions(self):
    return [self.condition]

  def call(self, x, tau=None, labels=None):
    """x [B, H, W, C or U] -> (x_{l+1} [B, H, W, U], h, c [B, H, W, U]).

    tau: [B, H, W, C T], the backbone's tau features, or None.
    """
    pre = self.condition(self.input_to_state(x), tau, labels)
    zeros = tf.zeros(tf.stack([tf.shape(x)[0], 1, x.shape[2], self.units]))

    def step(state, pre_row):  # One row, [B, 1, W, 4U].
      h, c = state
      return lstm_cell(pre_row + self.state_to_state(h), c)

    rows = tf.transpose(pre[:, :, None], [1, 0, 2, 3, 4])
    h, c = tf.scan(step, rows, initializer=(zeros, zeros))
    h, c = (tf.transpose(m[:, :, 0], [1, 0, 2, 3]) for m in (h, c))
    return self.finish(x, h), h, c

  def step_weights(self, labels=None):
    """The weights of one pixel's step, computed once per sample."""
    kernels = [tf.reshape(self.input_to_state.masked_kernel(),
                          [-1, 4 * self.units]),
               tf.reshape(self.state_to_state.kernel, [-1, 4 * self.units])]
    if self.condition.tau is not None:
      kernels.append(self.condition.tau_kernel())
    weights = dict(kernel=tf.concat(kernels, 0),
                   bias=self.input_to_state.bias)
    weights['residual'], weights['residual_bias'] = self.residual_weights()
    if self.condition.label is not None:
      weights['label'] = self.condition.label_bias(labels)
    return weights


@backbone.serializable
class DiagonalBiLSTMLayer(_RecurrentLayer):
  """One Diagonal BiLSTM layer (see the module docstring).

  Args: as in _RecurrentLayer.
  """

  def __init__(self, filters, num_groups, first, num_classes=None,
               use_tau=True, **kwargs):
    super().__init__(filters, num_groups, first, num_classes, use_tau,
                     **kwargs)
    taps = 2 if first else 1  # The first layer also reads the left pixel.
    self.forward_input = MaskedConv2D(
        4 * filters, (1, taps), ((0, 0), (taps - 1, 0)),
        'A' if first else 'B', num_groups, output_splits=4,
        name='forward_input')
    self.backward_input = MaskedConv2D(4 * filters, name='backward_input')
    # Taps: the state above, the state beside.
    self.forward_state = self.state_kernel((2, 1), 'forward_state')
    self.backward_state = self.state_kernel((2, 1), 'backward_state')
    self.forward_condition = _Conditioning(4 * filters, num_groups, True,
                                           use_tau, num_classes,
                                           name='forward_condition')
    self.backward_condition = _Conditioning(4 * filters, num_groups, False,
                                            use_tau, num_classes,
                                            name='backward_condition')

  def input_convs(self):
    return [self.forward_input, self.backward_input]

  def conditions(self):
    return [self.forward_condition, self.backward_condition]

  def backward_pre(self, x, tau=None, labels=None):
    return self.backward_condition(self.backward_input(x), tau, labels)

  def call(self, x, tau=None, labels=None):
    """x [B, H, W, C or U] -> (x_{l+1} [B, H, W, U], then [B, H, W, U]:
    the forward h and c, the backward h (not yet shifted down)).

    tau: [B, H, W, C T], the backbone's tau features, or None.
    """
    pre = tf.stack([
        self.forward_condition(self.forward_input(x), tau, labels),
        self.backward_pre(x, tau, labels)[:, :, ::-1]])  # Mirrored.
    kernels = tf.stack([tf.reshape(conv.kernel, [-1, 4 * self.units])
                        for conv in (self.forward_state,
                                     self.backward_state)])
    h, c = diagonal_lstm(pre, kernels)
    forward_h, forward_c, backward_h = h[0], c[0], h[1][:, :, ::-1]
    out = self.finish(x, forward_h + backbone.shift_down(backward_h))
    return out, forward_h, forward_c, backward_h

  def backward_row(self, x, tau, labels, above):
    """The backward direction's hidden states of one row, right to left.

    Args:
      x: [B, 1, W, C or U], the layer's input at the row.
      tau: [B, 1, W, C T] or None, labels: [B] or None.
      above: [B, 1, W, U], the backward states of the row above.

    Returns:
      [B, 1, W, U].
    """
    kernel = self.backward_state.kernel
    pre = self.backward_pre(x, tau, labels) + tf.tensordot(above,
                                                           kernel[0, 0], 1)
    zeros = tf.zeros(tf.stack([tf.shape(x)[0], self.units]))

    def step(state, column_pre):  # One column, [B, 4U].
      h, c = state
      return lstm_cell(column_pre + tf.matmul(h, kernel[1, 0]), c)

    h, _ = tf.scan(step, tf.transpose(pre[:, 0], [1, 0, 2]),
                   initializer=(zeros, zeros), reverse=True)
    return tf.transpose(h, [1, 0, 2])[:, None]

  def step_weights(self, labels=None):
    """The weights of one pixel's forward step, computed once per sample."""
    kernel = self.forward_state.kernel
    kernels = [tf.reshape(self.forward_input.masked_kernel(),
                          [-1, 4 * self.units]), kernel[0, 0], kernel[1, 0]]
    if self.forward_condition.tau is not None:
      kernels.append(self.forward_condition.tau_kernel())
    weights = dict(kernel=tf.concat(kernels, 0),
                   bias=self.forward_input.bias)
    weights['residual'], weights['residual_bias'] = self.residual_weights()
    if self.forward_condition.label is not None:
      weights['label'] = self.forward_condition.label_bias(labels)
    return weights


class _PixelRNN(backbone.PixelBackbone):
  """What the two PixelRNN backbones share: the stack, the output path and
  the per-pixel side of the cache protocol.

  A subclass implements `_make_layer`, `sampling_start`,
  `sampling_finish_row`, and one pixel's step: `_pixel_inputs(cache, x_row,
  i, j)` (what the step reads, batch-first tensors), `_layer_step(l,
  weights, inputs, x, pre, tau)` (one layer at the pixel: its output
  features and states) and `_store(cache, j, states)`.
  """

  def build_layers(self, channels, out_channels, num_layers, filters,
                   kernel_size, output_filters):
    tau_channels = channels * (
        1 if self.tau_embedding == 'linear' else backbone.TAU_COSINES)
    self.lstm_layers = []
    for i in range(num_layers):
      layer = self._make_layer(filters, kernel_size, channels, i == 0,
                               name=f'layer_{i}')
      layer.build_sublayers(filters if i else channels, tau_channels)
      self.lstm_layers.append(layer)
      setattr(self, f'layer_{i}', layer)  # Visible to tf.train.Checkpoint.
    self.output_layers(channels, out_channels, output_filters)
    # Every weight built now: Keras need not trace the loops to build them.
    self.out_hidden.build((None, None, None, filters))
    self.out_final.build((None, None, None, output_filters))
    self.built = True

  def _make_layer(self, filters, kernel_size, channels, first, name):
    """One layer (first: the one reading the image)."""
    raise NotImplementedError

  def _stack(self, images, tau_features=None, labels=None):
    """The layers' passes: (x_L [B, H, W, U], each layer's (input, its
    call's maps)); tau_features from `tau_features` or None."""
    x, passes = images, []
    for layer in self.lstm_layers:
      maps = layer(x, tau_features, labels)
      passes.append((x,) + tuple(maps[1:]))
      x = maps[0]
    return x, passes

  def call(self, images, tau=None, labels=None):
    """images [B,H,W,C] in [-1,1], tau [B,H,W,C] in [0,1] ->
    [B,H,W,out_channels]."""
    if tau is not None:
      tau = self.tau_features(tau)
    return self.output_path(self._stack(images, tau, labels)[0])

  def output_path(self, x):
    """The last layer's features through a 1x1, ReLU and a 1x1 (masked 'B')."""
    return self.out_final(tf.nn.relu(self.out_hidden(x)))

  def _weights(self, labels):
    """Every layer's step weights and the output path's."""
    hidden, final = self.out_hidden, self.out_final
    return dict(layers=[layer.step_weights(labels)
                        for layer in self.lstm_layers],
                output=(hidden.masked_kernel()[0, 0], hidden.bias,
                        final.masked_kernel()[0, 0], final.bias))

  @_not_converted
  def sampling_start_row(self, cache, context, x_row, i):
    """The cache as it is: `sampling_start` stored the first row's states
    (an inpainting prefix's), and each pixel's step stores its own."""
    del context, x_row, i
    return cache

  def _pixel_step(self, inputs, weights):
    """Every layer and the output path on one pixel.

    Returns:
      (outputs [B, out_channels], each layer's states to store).
    """
    x, states = None, []
    for l, w in enumerate(weights['layers']):
      pre = w['bias']
      if 'labels' in inputs:
        pre += inputs['labels'][l]
      x, state = self._layer_step(l, w, inputs, x, pre, inputs.get('tau'))
      states.append(state)
    w_hidden, b_hidden, w_final, b_final = weights['output']
    hidden = tf.nn.relu(tf.matmul(x, w_hidden) + b_hidden)
    return tf.matmul(hidden, w_final) + b_final, states

  def _gathered_inputs(self, cache, context, x_row, i, j):
    tau, _, weights = context
    inputs = self._pixel_inputs(cache, x_row, i, j)
    if tau is not None:
      inputs['tau'] = _pixel(slicing.take(tau, 1, i), j)
    if self.num_classes:
      inputs['labels'] = [w['label'] for w in weights['layers']]
    return inputs

  @_not_converted
  def sampling_pixel(self, cache, context, x_row, i, j, c):
    """Outputs at (i, j), and the cache with pixel j's states stored.

    Args:
      cache, context: from `sampling_start` or the previous step.
      x_row: float32 [B, 1, W, C], row i as sampled so far.
      i, j, c: int scalars. Every channel group is computed (those after c
        from sub-pixels not yet final: a later step overwrites them).

    Returns:
      (outputs [B, 1, 1, out_channels], cache).
    """
    del c
    inputs = self._gathered_inputs(cache, context, x_row, i, j)
    outputs, states = self._pixel_step(inputs, context[2])
    return outputs[:, None, None], self._store(cache, j, states)

  @_not_converted
  def sampling_candidates(self, cache, context, x_row, i, j, c, candidates):
    """Outputs of sub-pixel (i, j, c) at M candidate values of its own tau.

    The past is shared; each candidate costs one step of `sampling_pixel`
    (every layer and the output path on one pixel).

    Args:
      cache, context: as in `sampling_pixel`.
      x_row: float32 [B, 1, W, C], row i as sampled so far.
      i, j, c: int scalars.
      candidates: float32 [B, M] in [0, 1], values of tau at (i, j, c).

    Returns:
      float32 [B, M, out_channels / C]: channel c's outputs at each.
    """
    inputs = self._gathered_inputs(cache, context, x_row, i, j)
    batch, m = tf.shape(candidates)[0], candidates.shape[1]
    inputs = tf.nest.map_structure(lambda x: tf.repeat(x, m, axis=0), inputs)
    channels = self.image_shape[-1]
    inputs['tau'] = self.with_candidate_tau(inputs['tau'], c, candidates)
    outputs, _ = self._pixel_step(inputs, context[2])
    per_channel = outputs.shape[1] // channels
    outputs = slicing.take(outputs, 1, c * per_channel, per_channel)
    return tf.reshape(outputs, [batch, m, per_channel])


def _row_at(x, r, height):
  """Row r of [B, H, ...] (the last row where r = H, when nothing is left
  to sample)."""
  return slicing.take(x, 1, tf.minimum(r, height - 1))


def _row_above(x, r):
  """Row r - 1 of [B, H, ...] (zeros for r = 0)."""
  return slicing.take(slicing.pad_top(x, 1), 1, r)


def _pad_columns(x, left, right=0):
  return tf.pad(x, [[0, 0], [0, 0], [left, right], [0, 0]])


@backbone.register('row_lstm')
class RowLSTM(_PixelRNN):
  """PixelRNN's Row LSTM (see the module docstring and PixelBackbone).

  num_layers LSTM layers of `filters` hidden units, input-to-state 1 x k
  (masked), state-to-state 1 x k over the row above, k = kernel_size, and
  the output path through `output_filters` planes. The paper's models are
  up to 12 layers deep, with k = 3.
  """

  def _make_layer(self, filters, kernel_size, channels, first, name):
    return RowLSTMLayer(filters, kernel_size, channels, first,
                        self.num_classes, self.use_tau, name=name)

  # The sampler core's cache protocol (sampling.cached). A layer's state at
  # (i, j) depends on row i - 1's hidden states at columns j - k//2 ..
  # j + k//2, its cell state at (i - 1, j) and the layer's input at row i,
  # columns j - k//2 .. j. cache = per layer (n = k//2): h and c of the
  # previous row, [B, 1, W + 2n, U] (n zero columns on each side) and
  # [B, 1, W, U]; h and c of the current row so far, alike; and the input
  # of every layer but the first on the current row, [B, 1, W + n, U] (n
  # zero columns on the left; the first's is the image, read from x_row).
  # Sub-pixel (i, j, c) runs every layer's gates at pixel (i, j) only (one
  # product of [B, (n + 1) C_l + (2n + 1) U + C T] by [.., 4U] per layer,
  # C_l its input's planes, and one U x U residual) and the output path,
  # and stores the pixel's h, c and features; the end of a row makes its
  # states the previous row's (no computation).

  @_not_converted
  def sampling_start(self, images, tau=None, labels=None, first_row=0):
    """One full pass over `images`: the cache and the context.

    Args:
      images: float32 [B, H, W, C] in [-1, 1] (rows not yet sampled: any).
      tau: float32 [B, H, W, C] in [0, 1] or None.
      labels: int32 [B] or None.
      first_row: int scalar, the first row to be sampled.

    Returns:
      (cache, context): the cache as above, at rows first_row - 1 (zeros
      above the image) and first_row (its columns given before the first
      one sampled are right; the others are overwritten before they are
      read); context (tau's features or None, labels, the step weights).
    """
    n = self.kernel_size // 2
    height = self.image_shape[0]
    tau_features = None if tau is None else self.tau_features(tau)
    _, passes = self._stack(images, tau_features, labels)
    h_prev, c_prev, h_cur, c_cur, x_cur = [], [], [], [], []
    for l, (x, h, c) in enumerate(passes):
      h_prev.append(_pad_columns(_row_above(h, first_row), n, n))
      c_prev.append(_row_above(c, first_row))
      h_cur.append(_pad_columns(_row_at(h, first_row, height), n, n))
      c_cur.append(_row_at(c, first_row, height))
      if l:
        x_cur.append(_pad_columns(_row_at(x, first_row, height), n))
    cache = tuple(tuple(x) for x in (h_prev, c_prev, h_cur, c_cur, x_cur))
    return cache, (tau_features, labels, self._weights(labels))

  def _pixel_inputs(self, cache, x_row, i, j):
    del i
    h_prev, c_prev, _, _, x_cur = cache
    n = self.kernel_size // 2
    window = lambda x, size: _flat(slicing.take(x, 2, j, size))
    return dict(image=window(_pad_columns(x_row, n), n + 1),
                above=[window(h, 2 * n + 1) for h in h_prev],
                cell=[_pixel(c, j) for c in c_prev],
                earlier=[window(x, n) for x in x_cur])

  def _layer_step(self, l, weights, inputs, x, pre, tau):
    # The layer's input at the pixel's k//2 + 1 columns (the current last).
    window = (inputs['image'] if l == 0 else
              tf.concat([inputs['earlier'][l - 1], x], 1))
    parts = [window, inputs['above'][l]] + ([] if tau is None else [tau])
    pre += tf.matmul(tf.concat(parts, 1), weights['kernel'])
    h, c = lstm_cell(pre, inputs['cell'][l])
    out = tf.matmul(h, weights['residual']) + weights['residual_bias']
    out = out if l == 0 else x + out
    return out, (h, c, out)

  def _store(self, cache, j, states):
    h_prev, c_prev, h_cur, c_cur, x_cur = cache
    n = self.kernel_size // 2
    at = lambda x, column, value: slicing.put(x, 2, column,
                                               value[:, None, None])
    h_cur = tuple(at(x, j + n, h) for x, (h, _, _) in zip(h_cur, states))
    c_cur = tuple(at(x, j, c) for x, (_, c, _) in zip(c_cur, states))
    x_cur = tuple(at(x, j + n, out)
                  for x, (_, _, out) in zip(x_cur, states[:-1]))
    return h_prev, c_prev, h_cur, c_cur, x_cur

  @_not_converted
  def sampling_finish_row(self, cache, context, x_row, r):
    """Row r's states become the previous row's."""
    del context, x_row, r
    _, _, h_cur, c_cur, x_cur = cache
    return h_cur, c_cur, h_cur, c_cur, x_cur


@backbone.register('diagonal_bilstm')
class DiagonalBiLSTM(_PixelRNN):
  """PixelRNN's Diagonal BiLSTM (see the module docstring and PixelBackbone).

  num_layers bidirectional diagonal LSTM layers of `filters` hidden units
  per direction, with 1x1 input-to-state (1 x 2 in the first layer's
  forward direction) and 2 x 1 state-to-state convolutions, and the output
  path through `output_filters` planes. kernel_size is not used (it is
  still checked, as every backbone's). The paper's models are up to 12
  layers deep.
  """

  def _make_layer(self, filters, kernel_size, channels, first, name):
    del kernel_size
    return DiagonalBiLSTMLayer(filters, channels, first, self.num_classes,
                               self.use_tau, name=name)

  # The sampler core's cache protocol (sampling.cached). cache = per layer:
  # the forward h of the previous row [B, 1, W, U]; the forward h and c of
  # the current row so far [B, 1, W + 1, U] (a zero column on the left);
  # the backward h of the previous row [B, 1, W, U] (what the current row
  # adds, shifted down, and what its own backward pass starts from).
  # Sub-pixel (i, j, c) runs every layer's forward gates at pixel (i, j)
  # only (one product of [B, C_l (2 C in the first layer) + 2U + C T] by
  # [.., 4U] per layer, one U x U residual) and the output path, and
  # stores the pixel's forward h and c. Once row r is final, each layer's
  # input at row r is recomputed from the cache (its residual 1x1) and its
  # backward direction runs along the row, right to left (W steps of [B, U]
  # by [U, 4U], one row's input-to-state product): the backward states of
  # row r feed row r + 1.

  @_not_converted
  def sampling_start(self, images, tau=None, labels=None, first_row=0):
    """One full pass over `images`: the cache and the context.

    Args:
      images: float32 [B, H, W, C] in [-1, 1] (rows not yet sampled: any).
      tau: float32 [B, H, W, C] in [0, 1] or None.
      labels: int32 [B] or None.
      first_row: int scalar, the first row to be sampled.

    Returns:
      (cache, context): the cache as above, at rows first_row - 1 (zeros
      above the image) and first_row (its columns given before the first
      one sampled are right; the others are overwritten before they are
      read); context (tau's features or None, labels, the step weights).
    """
    height = self.image_shape[0]
    tau_features = None if tau is None else self.tau_features(tau)
    _, passes = self._stack(images, tau_features, labels)
    above, h_row, c_row, backward = [], [], [], []
    for _, h, c, backward_h in passes:
      above.append(_row_above(h, first_row))
      h_row.append(_pad_columns(_row_at(h, first_row, height), 1))
      c_row.append(_pad_columns(_row_at(c, first_row, height), 1))
      backward.append(_row_above(backward_h, first_row))
    cache = tuple(tuple(x) for x in (above, h_row, c_row, backward))
    return cache, (tau_features, labels, self._weights(labels))

  def _pixel_inputs(self, cache, x_row, i, j):
    del i
    above, h_row, c_row, backward = cache
    return dict(image=_flat(slicing.take(_pad_columns(x_row, 1), 2, j, 2)),
                above=[_pixel(h, j) for h in above],
                left=[_pixel(h, j) for h in h_row],  # Column j - 1.
                cell=[_pixel(c, j) for c in c_row],
                backward=[_pixel(h, j) for h in backward])

  def _layer_step(self, l, weights, inputs, x, pre, tau):
    window = inputs['image'] if l == 0 else x
    parts = [window, inputs['above'][l], inputs['left'][l]] + (
        [] if tau is None else [tau])
    pre += tf.matmul(tf.concat(parts, 1), weights['kernel'])
    h, c = lstm_cell(pre, inputs['cell'][l])
    out = tf.matmul(h + inputs['backward'][l], weights['residual']) + (
        weights['residual_bias'])
    return (out if l == 0 else x + out), (h, c)

  def _store(self, cache, j, states):
    above, h_row, c_row, backward = cache
    at = lambda x, value: slicing.put(x, 2, j + 1, value[:, None, None])
    return (above, tuple(at(x, h) for x, (h, _) in zip(h_row, states)),
            tuple(at(x, c) for x, (_, c) in zip(c_row, states)), backward)

  @_not_converted
  def sampling_finish_row(self, cache, context, x_row, r):
    """Row r's backward direction, and row r's states made the previous
    row's.

    Args:
      cache, context: as in `sampling_pixel`.
      x_row: float32 [B, 1, W, C], the finished row r.
      r: int scalar.
    """
    _, h_row, c_row, backward = cache
    tau, labels, _ = context
    tau_row = None if tau is None else slicing.take(tau, 1, r)
    x, above, new_backward = x_row, [], []
    for l, layer in enumerate(self.lstm_layers):
      forward_h = h_row[l][:, :, 1:]
      new_backward.append(layer.backward_row(x, tau_row, labels,
                                             backward[l]))
      above.append(forward_h)
      if l + 1 < len(self.lstm_layers):
        x = layer.finish(x, forward_h + backward[l])
    return tuple(above), h_row, c_row, tuple(new_backward)
