"""A PixelSNAIL-style backbone: gated residual causal convolutions and causal
self-attention over every earlier pixel (Chen et al., 2018).

`--backbone=snail` for PixelIQN, PixelCNN and PixelCNN++: the same inputs,
outputs, conditioning and sampler protocol as the Gated PixelCNN
(backbone.PixelBackbone), so every head and the one sampler core work
unchanged.

- A causal convolution sees the k//2 rows above (all k columns) and the
  k//2 + 1 pixels of its row up to the current one, where the channel masks
  order R < G < B (mask 'A' in the first layer, 'B' after). Alone it has the
  PixelCNN's blind spot; the attention removes it.
- Each residual unit: x + gate(W2 elu(conv(elu(x))) + tau + label), with
  tau (through 1x1 masked convolutions) and the labels (a per-class bias)
  entering before every gate, as in the Gated PixelCNN.
- After every `attention_every` units, causal multi-head attention: the keys
  and values come from the features and the image (as PixelSNAIL's) of
  pixels strictly before the query pixel (all channel groups: the query's
  pixel is not among them), each channel group has its own queries (from
  its features and the earlier groups', mask 'B') and its own output, so
  inside a pixel R < G < B holds through the channel masks. The image term
  is what reaches a pixel's last channel: no feature of its own pixel sees
  it (mask 'A'), and the convolutions of later pixels see only k//2 columns
  to the right in the rows above.

Fast sampling keeps, per residual unit, its input features of every pixel
sampled so far (the convolution reads a k//2 + 1 by k window of them) and,
per attention layer, the features' part of the keys and values of every
earlier pixel (the image's part, a 1x1 map of C values, is recomputed from
the image each step: a pixel's last channel is set only after its own step);
sub-pixel (i, j, c) runs every layer on pixel (i, j) only and attends over
the cache. The caches are updated by scatters, which XLA performs in place
(a select over the whole map made it copy every map every step: 6x slower
on the photos preset, experiments/sampling.py).
"""

import dataclasses
import math

import keras
import tensorflow as tf

from aiqn_tf.core import config_fields
from aiqn_tf.models.backbones import backbone
from aiqn_tf.models.layers import slicing
from aiqn_tf.models.layers.masked_conv import MaskedConv2D

ATTENTION_EVERY = 2  # Default residual units per attention layer.
NUM_HEADS = 2  # Attention heads per channel group.
# A full pass attends in at most this many blocks of query rows, each over
# the keys up to its last row only: the causal half of the score matrix is
# never computed (photos preset: a PixelIQN training step 2x faster on CPU,
# experiments/train_throughput.py), and the scores' memory shrinks alike.
QUERY_BLOCKS = 16
# Blocks hold at least this many queries: below it the extra ops cost more
# than they save (digits 8x8: one block, 2x faster than eight).
MIN_BLOCK_QUERIES = 128


def _key_size(filters):
  return max(8, filters // 8)


class _CausalConv(keras.layers.Layer):
  """Rows above (k//2 x k) plus the current row up to the pixel (1 x k//2+1)."""

  def __init__(self, filters, kernel_size, mask_type, num_groups,
               output_splits=1, **kwargs):
    super().__init__(**kwargs)
    n = kernel_size // 2
    self.n = n
    # On the input shifted down one row: output row i sees rows i-n..i-1.
    self.above = MaskedConv2D(filters, (n, kernel_size), ((n - 1, 0), (n, n)),
                              use_bias=False, name='above')
    self.row = MaskedConv2D(filters, (1, n + 1), ((0, 0), (n, 0)), mask_type,
                            num_groups, output_splits, name='row')

  def call(self, x):
    return self.above(backbone.shift_down(x)) + self.row(x)

  def at_pixel(self, window):
    """The output at one pixel from its window [B, n + 1, 2n + 1, D] (rows
    i-n..i, columns j-n..j+n) -> [B, 1, 1, filters]."""
    valid = ((0, 0), (0, 0))
    return (self.above(window[:, :self.n], padding=valid) +
            self.row(window[:, self.n:, :self.n + 1], padding=valid))


class _Conditioning(keras.layers.Layer):
  """tau through a 1x1 masked convolution and a per-class bias, added to x."""

  def __init__(self, filters, num_groups, output_splits, use_tau, num_classes,
               **kwargs):
    super().__init__(**kwargs)
    self.tau = (MaskedConv2D(filters, mask_type='B', num_groups=num_groups,
                             output_splits=output_splits, use_bias=False,
                             name='tau') if use_tau else None)
    self.label = (keras.layers.Embedding(num_classes, filters, name='label')
                  if num_classes else None)

  def call(self, x, tau=None, labels=None):
    if self.tau is not None:
      x += self.tau(tau)
    if self.label is not None:
      x += self.label(labels)[:, None, None, :]
    return x


class _ResidualUnit(keras.layers.Layer):
  """x + gate(W2 elu(conv(elu(x))) + conditioning); x [..., F] grouped."""

  def __init__(self, filters, kernel_size, num_groups, use_tau, num_classes,
               **kwargs):
    super().__init__(**kwargs)
    self.conv = _CausalConv(filters, kernel_size, 'B', num_groups,
                            name='conv')
    self.to_gate = MaskedConv2D(2 * filters, mask_type='B',
                                num_groups=num_groups, output_splits=2,
                                name='to_gate')
    self.condition = _Conditioning(2 * filters, num_groups, 2, use_tau,
                                   num_classes, name='condition')

  def call(self, x, tau=None, labels=None):
    return self.finish(x, self.conv(tf.nn.elu(x)), tau, labels)

  def finish(self, x, conv, tau, labels):
    pre = self.condition(self.to_gate(tf.nn.elu(conv)), tau, labels)
    return x + backbone.gate(pre)


class _CausalAttention(keras.layers.Layer):
  """Multi-head attention of each pixel over strictly earlier pixels.

  Queries per channel group (mask 'B' on the features), keys and values from
  all features of the earlier pixels, one output per group (mask 'B').
  """

  def __init__(self, filters, num_groups, **kwargs):
    super().__init__(**kwargs)
    self.num_groups = num_groups
    self.key_size = _key_size(filters)
    size = num_groups * NUM_HEADS * self.key_size
    self.query = MaskedConv2D(size, mask_type='B', num_groups=num_groups,
                              name='query')
    self.key = MaskedConv2D(NUM_HEADS * self.key_size, name='key')
    self.value = MaskedConv2D(NUM_HEADS * self.key_size, name='value')
    self.image_key = MaskedConv2D(NUM_HEADS * self.key_size, use_bias=False,
                                  name='image_key')
    self.image_value = MaskedConv2D(NUM_HEADS * self.key_size,
                                    use_bias=False, name='image_value')
    self.out = MaskedConv2D(filters, mask_type='B', num_groups=num_groups,
                            name='out')

  def _split(self, y):
    return tf.reshape(y, tf.concat(
        [tf.shape(y)[:-1], [NUM_HEADS, self.key_size]], 0))

  def keys_values(self, x):
    """The features' part: [B, ..., F] -> [B, ..., heads, key_size] twice."""
    return self._split(self.key(x)), self._split(self.value(x))

  def image_keys_values(self, images):
    """The image's part: [B, ..., C] -> [B, ..., heads, key_size] twice."""
    return (self._split(self.image_key(images)),
            self._split(self.image_value(images)))

  def with_image(self, keys, values, images):
    """The keys and values of features' part + the image's part."""
    image_keys, image_values = self.image_keys_values(images)
    return keys + image_keys, values + image_values

  def attend(self, x, keys, values, visible):
    """Attention output for queries from x.

    Args:
      x: [B, Q, F], features at the query pixels.
      keys, values: [B, K, heads, key_size].
      visible: bool [Q, K], which keys each query may read.

    Returns:
      [B, Q, F], zero where a query sees no key (the first pixel).
    """
    queries = tf.reshape(self.query(x), tf.concat(
        [tf.shape(x)[:-1], [self.num_groups, NUM_HEADS, self.key_size]], 0))
    # Scaled before the product: the scores are the big tensor.
    scores = tf.einsum('bqgnd,bknd->bgnqk',
                       queries / math.sqrt(self.key_size), keys)
    scores = tf.where(visible, scores, -1e9)
    weights = tf.nn.softmax(scores, axis=-1)
    read = tf.einsum('bgnqk,bknd->bqgnd', weights, values)
    read = tf.reshape(read, tf.concat([tf.shape(x)[:-1], [-1]], 0))
    any_visible = tf.cast(tf.reduce_any(visible, -1), read.dtype)[:, None]
    return self.out(read) * any_visible

  def call(self, x, images):
    """x [B, H, W, F], images [B, H, W, C] -> [B, H, W, F] (to add to x)."""
    height, width = x.shape[1], x.shape[2]
    flat = _flat(x)
    keys, values = self.with_image(*self.keys_values(flat), _flat(images))
    rows = max(-(-height // QUERY_BLOCKS),  # Image rows per block.
               -(-MIN_BLOCK_QUERIES // width))
    outputs = []
    for top in range(0, height, rows):
      start, end = top * width, min(top + rows, height) * width
      visible = tf.range(end)[None, :] < tf.range(start, end)[:, None]
      outputs.append(self.attend(flat[:, start:end], keys[:, :end],
                                 values[:, :end], visible))
    return tf.reshape(tf.concat(outputs, 1), tf.shape(x))


def _flat(x):
  """[B, H, W, D] -> [B, H * W, D]."""
  return tf.reshape(x, [tf.shape(x)[0], x.shape[1] * x.shape[2], x.shape[3]])


@dataclasses.dataclass
class SnailConfig:
  """The snail backbone's section: how often it attends."""
  attention_every: int = config_fields.setting(
      ATTENTION_EVERY, 'Residual units per causal attention layer '
      '(PixelSNAIL\'s CIFAR-10 model: 4).', minimum=1)


@backbone.register('snail')
class SnailPixelCNN(backbone.PixelBackbone):
  """PixelSNAIL-style backbone (see the module docstring and PixelBackbone).

  num_layers residual units of `filters` planes with a k x k causal
  convolution each, an attention layer after every `attention_every` units
  and after the last, and an output path through `output_filters` planes.
  PixelSNAIL's CIFAR-10 model is 12 blocks of 4 units and one attention
  layer: num_layers 48, attention_every 4, filters 256, kernel_size 3 (its
  2 x 3 convolutions: one row above, three wide).
  """

  Config = SnailConfig

  def __init__(self, *args, attention_every=ATTENTION_EVERY, **kwargs):
    # The bound is the section's (a layer may be built without a model).
    config_fields.check(SnailConfig(attention_every=attention_every))
    self.attention_every = attention_every  # Read by build_layers.
    super().__init__(*args, **kwargs)
    self.arguments['attention_every'] = attention_every

  def build_layers(self, channels, out_channels, num_layers, filters,
                   kernel_size, output_filters):
    self.first = _CausalConv(filters, kernel_size, 'A', channels,
                             name='first')
    self.units, self.attentions = [], []
    self.attention_of_unit = {}  # Unit index -> index into self.attentions.
    for i in range(num_layers):
      unit = _ResidualUnit(filters, kernel_size, channels, self.use_tau,
                           self.num_classes, name=f'unit_{i}')
      self.units.append(unit)
      setattr(self, f'unit_{i}', unit)  # Visible to tf.train.Checkpoint.
      if (i + 1) % self.attention_every == 0 or i == num_layers - 1:
        attention = _CausalAttention(filters, channels, name=f'attention_{i}')
        self.attention_of_unit[i] = len(self.attentions)
        self.attentions.append(attention)
        setattr(self, f'attention_{i}', attention)
    self.output_layers(channels, out_channels, output_filters)

  def _attention_after(self, i):
    index = self.attention_of_unit.get(i)
    return None if index is None else self.attentions[index]

  def call(self, images, tau=None, labels=None):
    """images [B,H,W,C] in [-1,1], tau [B,H,W,C] in [0,1] -> [B,H,W,out_channels]."""
    if tau is not None:
      tau = self.tau_features(tau)
    x = self.first(images)
    for i, unit in enumerate(self.units):
      x = unit(x, tau, labels)
      attention = self._attention_after(i)
      if attention is not None:
        x += attention(x, images)
    return self.output_path(x)

  def output_path(self, x):
    return self.out_final(tf.nn.elu(self.out_hidden(tf.nn.elu(x))))

  # The sampler core's cache protocol (sampling.cached). cache = (images
  # [B, H + n, W + 2n, C] and every unit's input features [B, H + n,
  # W + 2n, F], zero-padded by n = k//2 above, left and right so that a
  # pixel's window is a fixed-size slice; keys and values [B, H * W, heads,
  # key_size] of every attention layer). A step writes the current row's
  # pixels and then pixel (i, j)'s features and keys as it computes them;
  # a later channel's step of the same pixel overwrites them, and the last
  # channel's are final (a pixel's features never depend on its own last
  # channel, mask 'A').

  def _padded(self, x):
    n = self.kernel_size // 2
    return tf.pad(x, [[0, 0], [n, 0], [n, n], [0, 0]])

  def sampling_start(self, images, tau=None, labels=None, first_row=0):
    del first_row  # A full pass: exact for any given prefix.
    tau_features = None if tau is None else self.tau_features(tau)
    x = self.first(images)
    features, keys_values = [], []
    for i, unit in enumerate(self.units):
      features.append(self._padded(x))
      x = unit(x, tau_features, labels)
      attention = self._attention_after(i)
      if attention is not None:
        keys_values.append(attention.keys_values(_flat(x)))
        x += attention(x, images)
    cache = (self._padded(images), tuple(features), tuple(keys_values))
    return cache, (tau_features, labels)

  def sampling_start_row(self, cache, context, x_row, i):
    del context, x_row, i
    return cache

  def sampling_pixel(self, cache, context, x_row, i, j, c):
    del c  # Every group is computed; those > c are overwritten later.
    images, features, keys_values = cache
    tau_features, labels = context
    n = self.kernel_size // 2
    width = self.image_shape[1]
    # The current row so far (its pixels before j are final).
    images = slicing.put(images, 1, i + n, self._padded(x_row)[:, n:])
    window = lambda x: slicing.take(slicing.take(x, 1, i, n + 1), 2, j,
                                     2 * n + 1)
    tau = None
    if tau_features is not None:
      tau = slicing.take(slicing.take(tau_features, 1, i), 2, j)
    x = self.first.at_pixel(window(images))
    flat_images = _flat(images[:, n:, n:images.shape[2] - n])
    new_features, new_keys_values = [], []
    position = i * width + j
    visible = (tf.range(self.image_shape[0] * width) < position)[None, :]
    batch = tf.range(tf.shape(x)[0])
    at = lambda *index: tf.stack(
        [batch] + [tf.fill(tf.shape(batch), tf.cast(v, tf.int32))
                   for v in index], axis=1)
    for k, unit in enumerate(self.units):
      # A scatter, not a select over the whole map: XLA updates it in place.
      padded = tf.tensor_scatter_nd_update(features[k], at(i + n, j + n),
                                           x[:, 0, 0])
      new_features.append(padded)
      x = unit.finish(x, unit.conv.at_pixel(tf.nn.elu(window(padded))), tau,
                      labels)
      attention = self._attention_after(k)
      if attention is not None:
        keys, values = keys_values[self.attention_of_unit[k]]
        key, value = attention.keys_values(x[:, 0])  # [B, 1, heads, size].
        keys = tf.tensor_scatter_nd_update(keys, at(position), key[:, 0])
        values = tf.tensor_scatter_nd_update(values, at(position),
                                             value[:, 0])
        new_keys_values.append((keys, values))
        x += attention.attend(
            x[:, 0], *attention.with_image(keys, values, flat_images),
            visible)[:, None]
    cache = (images, tuple(new_features), tuple(new_keys_values))
    return self.output_path(x), cache

  def sampling_finish_row(self, cache, context, x_row, r):
    del context  # The row's last sub-pixel is set only now.
    images, features, keys_values = cache
    n = self.kernel_size // 2
    return (slicing.put(images, 1, r + n, self._padded(x_row)[:, n:]),
            features, keys_values)
