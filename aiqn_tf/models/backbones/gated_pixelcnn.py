"""The Gated PixelCNN backbone (van den Oord et al. 2016) shared by PixelIQN and PixelCNN.

Each layer block has a vertical stack, whose features at row i see the input at
rows <= i, and a horizontal stack, whose features at (i, j) see row i at columns
<= j. The vertical stack reaches the horizontal one only shifted down by one
row (rows strictly above), and the horizontal one never feeds the vertical one,
so there is no blind spot and no leak. Inside a pixel, R < G < B: the
horizontal stack's features are split into one group per image channel and
every horizontal convolution's current-pixel tap and every 1x1 of the
horizontal path is channel-masked ('A' in the first block, 'B' after).

Conditioning (tau for PixelIQN, class labels) is added before each gate: tau,
rescaled from [0, 1] to [-1, 1] (the paper) or through IQN's cosine embedding
(cos(pi k tau), k = 1..TAU_COSINES, per sub-pixel), through a 1x1 convolution
(channel-masked 'B' in the horizontal stack, so an output sees its own tau and
earlier ones only); labels through a learned per-class bias.
"""

import functools

import keras
import numpy as np
import tensorflow as tf

from aiqn_tf.models.backbones import backbone
from aiqn_tf.models.layers import masks
from aiqn_tf.models.layers import slicing
from aiqn_tf.models.layers.masked_conv import MaskedConv2D


@backbone.serializable
class GatedBlock(keras.layers.Layer):
  """One gated layer block: a vertical and a horizontal stack with their conditioning.

  Args:
    filters: int F >= num_groups, feature planes of each stack, split into
      one group per image channel.
    kernel_size: odd int k; the vertical kernel is (k//2 + 1, k), the horizontal
      one (1, k//2 + 1).
    output_filters: int, planes of the skip connection into the output path.
    num_groups: int C, image channels (1 or 3).
    first: bool, the first block (mask 'A', no residual connection).
    last: bool, the last block (its horizontal output only feeds the skip path,
      so it has no residual 1x1).
    num_classes: int or None, for a per-class bias before the gates.
    use_tau: bool, whether tau is fed to the block.
  """

  def __init__(self, filters, kernel_size, output_filters, num_groups, first,
               last=False, num_classes=None, use_tau=True, **kwargs):
    super().__init__(**kwargs)
    self.arguments = dict(filters=filters, kernel_size=kernel_size,
                          output_filters=output_filters,
                          num_groups=num_groups, first=first, last=last,
                          num_classes=num_classes, use_tau=use_tau)
    n = kernel_size // 2
    f2 = 2 * filters
    h_mask = 'A' if first else 'B'
    self.first = first
    self.v_conv = MaskedConv2D(f2, (n + 1, kernel_size), ((n, 0), (n, n)),
                               name='v_conv')
    self.h_conv = MaskedConv2D(f2, (1, n + 1), ((0, 0), (n, 0)), h_mask,
                               num_groups, output_splits=2, name='h_conv')
    self.link = MaskedConv2D(f2, use_bias=False, name='v_to_h')
    self.skip = MaskedConv2D(output_filters, mask_type='B',
                             num_groups=num_groups, name='skip')
    self.residual = None if last else MaskedConv2D(
        filters, mask_type='B', num_groups=num_groups, name='residual')
    self.v_tau = self.h_tau = self.v_label = self.h_label = None
    if use_tau:
      self.v_tau = MaskedConv2D(f2, use_bias=False, name='v_tau')
      self.h_tau = MaskedConv2D(f2, mask_type='B', num_groups=num_groups,
                                output_splits=2, use_bias=False, name='h_tau')
    if num_classes:
      self.v_label = keras.layers.Embedding(num_classes, f2, name='v_label')
      self.h_label = keras.layers.Embedding(num_classes, f2, name='h_label')

  def vertical(self, v, tau=None, labels=None, padding=None):
    """Vertical stack. Returns (pre-activation [B,H',W,2F], output [B,H',W,F]).

    `tau` must have the rows of the output (the default padding keeps H' = H).
    """
    pre = self.v_conv(v, padding=padding)
    pre = self._condition(pre, tau, labels, self.v_tau, self.v_label)
    return pre, backbone.gate(pre)

  def horizontal(self, h, v_above, tau=None, labels=None):
    """Horizontal stack.

    Args:
      h: [B, H, W, C or F], the previous block's horizontal output (the image
        for the first block).
      v_above: [B, H, W, 2F], the vertical pre-activation of rows strictly
        above (already shifted down).
      tau, labels: the conditioning, as in `call`.

    Returns:
      (horizontal output [B, H, W, F] or None for the last block,
       skip contribution [B, H, W, output_filters]).
    """
    pre = self.h_conv(h) + self.link(v_above)
    pre = self._condition(pre, tau, labels, self.h_tau, self.h_label)
    gated = backbone.gate(pre)
    out = None
    if self.residual is not None:
      out = self.residual(gated)
      if not self.first:
        out += h
    return out, self.skip(gated)

  # One pixel of the horizontal stack as matrix products, for the sampler.
  # The features of channel groups <= g at pixel j depend only on the
  # earlier columns, the current pixel's input features of groups <= g
  # (< g under mask 'A'), the vertical features above and tau of channels
  # <= g; so sub-pixel (i, j, g) computes those features only, through
  # kernels cut to the rows and columns they need (about half the work of
  # computing every group at every sub-pixel), and each block is one
  # product into the gate and one out of it.

  def step_weights(self, group, labels=None):
    """The weights of `step` for the features of groups <= `group`.

    Args:
      group: int (static), the image channel being sampled.
      labels: int32 [B] or None; the per-class bias is folded in.

    Returns:
      A dict of tensors for `step`, computed once per sample.
    """
    num_groups = self.h_conv.num_groups
    n = self.h_conv.kernel_size[1] - 1
    kernel = self.h_conv.masked_kernel()[0]  # [n + 1, in, 2F]
    in_channels, f2 = kernel.shape[1], kernel.shape[2]
    seen = masks.prefix_size(in_channels, num_groups,
                             group - 1 if self.first else group)
    columns = np.flatnonzero(masks.channel_groups(f2, num_groups, 2) <= group)
    rows = [tf.reshape(kernel[:n], [n * in_channels, f2]), kernel[n, :seen],
            self.link.kernel[0, 0]]
    if self.h_tau is not None:
      tau_kernel = self.h_tau.masked_kernel()[0, 0]
      rows.append(tau_kernel[:masks.prefix_size(tau_kernel.shape[0],
                                                num_groups, group)])
    bias = tf.gather(self.h_conv.bias, columns)
    if self.h_label is not None:
      bias += tf.gather(self.h_label(labels), columns, axis=1)
    features = len(columns) // 2
    skip_size = masks.prefix_size(self.skip.filters, num_groups, group)
    out = [self.skip.masked_kernel()[0, 0, :features, :skip_size]]
    out_bias = [self.skip.bias[:skip_size]]
    if self.residual is not None:
      out.insert(0, self.residual.masked_kernel()[0, 0, :features, :features])
      out_bias.insert(0, self.residual.bias[:features])
    return dict(w_in=tf.gather(tf.concat(rows, 0), columns, axis=1),
                b_in=bias, w_out=tf.concat(out, 1),
                b_out=tf.concat(out_bias, 0))

  def step(self, weights, earlier, current, v_above, tau=None):
    """One pixel of `horizontal`, features of groups <= g (see step_weights).

    Args:
      weights: from `step_weights(g, labels)`.
      earlier: [B, (k//2) * (C or F)], the block's input at the k//2 columns
        before the pixel, flattened column-major.
      current: [B, C_g], the block's input at the pixel: image channels < g
        (first block) or features of groups <= g.
      v_above: [B, 2F], the vertical pre-activation of the pixel above.
      tau: [B, (g + 1) * T], the tau features of channels <= g
        (GatedPixelCNN.tau_features), or None.

    Returns:
      (horizontal output [B, F_g] or None for the last block, skip
       contribution [B, S_g]): the features of groups <= g.
    """
    inputs = [earlier, current, v_above] + ([] if tau is None else [tau])
    gated = backbone.gate(tf.matmul(tf.concat(inputs, 1), weights['w_in']) +
                 weights['b_in'])
    out = tf.matmul(gated, weights['w_out']) + weights['b_out']
    if self.residual is None:
      return None, out
    features = gated.shape[-1]
    h = out[:, :features]
    if not self.first:
      h += current
    return h, out[:, features:]

  def _condition(self, pre, tau, labels, tau_conv, label_embedding):
    if tau_conv is not None:
      pre += tau_conv(tau)
    if label_embedding is not None:
      pre += label_embedding(labels)[:, None, None, :]
    return pre

  def call(self, v, h, tau=None, labels=None):
    """Returns (v_out [B,H,W,F], h_out [B,H,W,F] or None, skip [B,H,W,output_filters])."""
    v_pre, v_out = self.vertical(v, tau, labels)
    h_out, skip = self.horizontal(h, backbone.shift_down(v_pre), tau, labels)
    return v_out, h_out, skip

  def get_config(self):
    return dict(super().get_config(), **self.arguments)


@backbone.register('gated')
class GatedPixelCNN(backbone.PixelBackbone):
  """Stack of gated blocks and the masked output path (see PixelBackbone)."""

  layer_name = 'gated_pixelcnn'  # The name earlier checkpoints have.

  def build_layers(self, channels, out_channels, num_layers, filters,
                   kernel_size, output_filters):
    self.blocks = [
        GatedBlock(filters, kernel_size, output_filters, channels,
                   first=i == 0, last=i == num_layers - 1,
                   num_classes=self.num_classes, use_tau=self.use_tau,
                   name=f'block_{i}')
        for i in range(num_layers)
    ]
    # Keras' tracked lists are invisible to tf.train.Checkpoint (and so to
    # SavedModel export): name each block as an attribute too.
    for i, block in enumerate(self.blocks):
      setattr(self, f'block_{i}', block)
    self.output_layers(channels, out_channels, output_filters)

  def call(self, images, tau=None, labels=None):
    """images [B,H,W,C] in [-1,1], tau [B,H,W,C] in [0,1] -> [B,H,W,out_channels]."""
    if tau is not None:
      tau = self.tau_features(tau)
    v = h = images
    skip = 0.0
    for block in self.blocks:
      v, h, s = block(v, h, tau, labels)
      skip += s
    return self.output_path(skip)

  def output_path(self, skip):
    """Summed skip connections [..., output_filters] -> [..., out_channels]."""
    return self.out_final(tf.nn.relu(self.out_hidden(tf.nn.relu(skip))))

  # The sampler core's cache protocol (see sampling.cached). The vertical
  # stack at row r depends only on rows <= r, so each block keeps its last
  # k//2 + 1 input rows and the pre-activation of the last finished row,
  # and computes one row from them when a row is final. The horizontal
  # stack of pixel (i, j) depends only on row i at columns j - k//2 .. j of
  # the previous block's horizontal output and on the vertical features of
  # the row above, so each block keeps its horizontal input of the current
  # row, and sub-pixel (i, j, g) runs every block, the skip connections and
  # the output path on one pixel, for the features of groups <= g only
  # (GatedBlock.step). The last channel's step computes every group and
  # stores the pixel's features before pixel j + 1 reads them.

  def sampling_start(self, images, tau=None, labels=None, first_row=0):
    """One full vertical pass over `images`: the cache and the context.

    Args:
      images: float32 [B, H, W, C] in [-1, 1] (rows not yet sampled: any).
      tau: float32 [B, H, W, C] in [0, 1] or None (as in `call`).
      labels: int32 [B] or None.
      first_row: int scalar, the first row to be sampled.

    Returns:
      (cache, context). cache = (v_rows, v_pre, h_rows): per block, its
      vertical input at rows first_row - 1 - k//2 .. first_row - 1 (zeros
      above the image), [B, k//2 + 1, W, C or F]; its vertical
      pre-activation at row first_row - 1, [B, 1, W, 2F]; and for every
      block but the first, its horizontal input of the current row
      left-padded by k//2 zero columns, [B, 1, W + k//2, F] (filled by
      `sampling_start_row`). context: the conditioning and the step
      weights of every channel group, constant while sampling.
    """
    n = self.kernel_size // 2
    if tau is not None:
      tau = self.tau_features(tau)
    v_rows, v_pre, h_rows = [], [], []
    v = images
    for block in self.blocks:
      v_rows.append(slicing.take(slicing.pad_top(v, n + 1), 1, first_row,
                                  n + 1))
      if block is not self.blocks[0]:
        h_rows.append(slicing.pad_left(tf.zeros_like(v[:, :1]), n))
      pre, v = block.vertical(v, tau, labels)
      v_pre.append(slicing.take(slicing.pad_top(pre, 1), 1, first_row))
    weights = [([block.step_weights(g, labels) for block in self.blocks],
                self._output_weights(g))
               for g in range(self.image_shape[-1])]
    return (v_rows, v_pre, h_rows), (tau, labels, weights)

  def _output_weights(self, group):
    """The output path's weights for channel `group` (see GatedBlock.step)."""
    channels = self.image_shape[-1]
    hidden, final = self.out_hidden, self.out_final
    skip_size = masks.prefix_size(hidden.kernel.shape[2], channels, group)
    hidden_size = masks.prefix_size(hidden.filters, channels, group)
    columns = np.flatnonzero(
        masks.channel_groups(final.filters, channels) == group)
    return (hidden.masked_kernel()[0, 0, :skip_size, :hidden_size],
            hidden.bias[:hidden_size],
            tf.gather(final.masked_kernel()[0, 0, :hidden_size], columns,
                      axis=1),
            tf.gather(final.bias, columns))

  def sampling_start_row(self, cache, context, x_row, i):
    """The cache at the start of row i: its horizontal inputs from x_row.

    One pass of the horizontal stack over the whole row, so that columns
    given before the first one sampled (an inpainting prefix) are cached;
    the others are overwritten before they are read.

    Args:
      cache, context: from `sampling_start` or the previous row.
      x_row: float32 [B, 1, W, C], row i as given.
      i: int scalar.
    """
    v_rows, v_pre, h_rows = cache
    tau, labels, _ = context
    n = self.kernel_size // 2
    tau_row = None if tau is None else slicing.take(tau, 1, i)
    h, new_rows = x_row, []
    for l, block in enumerate(self.blocks[:-1]):
      h, _ = block.horizontal(h, v_pre[l], tau_row, labels)
      new_rows.append(tf.ensure_shape(slicing.pad_left(h, n), h_rows[l].shape))
    return v_rows, v_pre, new_rows

  def sampling_pixel(self, cache, context, x_row, i, j, c):
    """Output of sub-pixel (i, j, c), and the cache with column j stored.

    Args:
      cache, context: as in `sampling_start_row`.
      x_row: float32 [B, 1, W, C], row i as sampled so far.
      i, j, c: int scalars.

    Returns:
      (outputs [B, 1, 1, out_channels], cache): the outputs of channel c
      (zeros for the other channels' outputs).
    """
    steps = [functools.partial(self._channel_step, cache, context, x_row, i,
                               j, g) for g in range(self.image_shape[-1])]
    return steps[0]() if len(steps) == 1 else tf.switch_case(c, steps)

  def sampling_candidates(self, cache, context, x_row, i, j, c, candidates):
    """Outputs of sub-pixel (i, j, c) at M candidate values of its own tau.

    The past (the cache, x_row, and tau of the sub-pixels before (i, j, c)
    in the context) is shared; each candidate costs one single-pixel pass
    of the horizontal stack and the output path, as a sampling step does.

    Args:
      cache, context: as in `sampling_pixel`.
      x_row: float32 [B, 1, W, C], row i as sampled so far.
      i, j, c: int scalars.
      candidates: float32 [B, M] in [0, 1], values of tau at (i, j, c).

    Returns:
      float32 [B, M, out_channels / C]: channel c's outputs at each.
    """
    steps = [functools.partial(self._channel_step, cache, context, x_row, i,
                               j, g, candidates)
             for g in range(self.image_shape[-1])]
    return steps[0]() if len(steps) == 1 else tf.switch_case(c, steps)

  def _channel_step(self, cache, context, x_row, i, j, group,
                    candidates=None):
    v_rows, v_pre, h_rows = cache
    tau, _, weights = context
    block_weights, (w_hidden, b_hidden, w_final, b_final) = weights[group]
    n = self.kernel_size // 2
    batch = tf.shape(x_row)[0]
    flat = lambda x: tf.reshape(x, [batch, x.shape[2] * x.shape[3]])
    pixel = lambda x: flat(slicing.take(x, 2, j))
    channels = self.image_shape[-1]
    last = group == channels - 1 and candidates is None
    # The image's columns from x_row itself: a pixel's last channel is
    # written after its step, so a cached copy would miss it.
    earlier = flat(slicing.take(slicing.pad_left(x_row, n), 2, j, n))
    current = pixel(x_row)[:, :group]
    tau_pixel = None if tau is None else pixel(slicing.take(tau, 1, i))[
        :, :masks.prefix_size(tau.shape[-1], channels, group)]
    v_above = [pixel(v) for v in v_pre]
    copies = lambda x: x
    if candidates is not None:
      # Every candidate is a row of its own: the pixel's inputs repeated,
      # channel `group`'s tau features (the last of the prefix) replaced.
      m = candidates.shape[1]
      copies = lambda x: tf.repeat(x, m, axis=0)
      own = tf.reshape(self.tau_features(tf.reshape(candidates, [-1, 1])),
                       [batch * m, -1])
      tau_pixel = tf.concat([copies(tau_pixel[:, :-own.shape[1]]), own], 1)
      earlier, current = copies(earlier), copies(current)
      v_above = [copies(v) for v in v_above]
      # A class-conditional block's bias is per example.
      block_weights = [dict(w, b_in=copies(w['b_in'])) if w['b_in'].shape.rank
                       == 2 else w for w in block_weights]
    skip, new_rows = 0.0, []
    for l, block in enumerate(self.blocks):
      h, s = block.step(block_weights[l], earlier, current, v_above[l],
                        tau_pixel)
      skip += s
      if h is None:
        break
      row = h_rows[l]
      if last:
        row = slicing.put(row, 2, j + n, h[:, None, None])
        new_rows.append(row)
      earlier, current = copies(flat(slicing.take(row, 2, j, n))), h
    hidden = tf.nn.relu(tf.matmul(tf.nn.relu(skip), w_hidden) + b_hidden)
    out = tf.matmul(hidden, w_final) + b_final
    if candidates is not None:
      return tf.reshape(out, [batch, candidates.shape[1], out.shape[-1]])
    size = out.shape[-1]
    out = tf.pad(out, [[0, 0], [group * size,
                                (channels - 1 - group) * size]])
    cache = (v_rows, v_pre, new_rows if last else h_rows)
    return out[:, None, None], cache

  def sampling_finish_row(self, cache, context, x_row, r):
    """The cache once row r is final: row r of every block's vertical stack.

    Args:
      cache, context: as in `sampling_pixel`.
      x_row: float32 [B, 1, W, C], the finished row r.
      r: int scalar.
    """
    v_rows, _, h_rows = cache
    tau, labels, _ = context
    n = self.kernel_size // 2
    side = ((0, 0), (n, n))  # Padding of a vertical conv on a window of rows.
    tau_row = None if tau is None else slicing.take(tau, 1, r)
    new_rows, new_pre, row = [], [], x_row
    for l, block in enumerate(self.blocks):
      window = tf.concat([v_rows[l][:, 1:], row], 1)
      pre, row = block.vertical(window, tau_row, labels, padding=side)
      new_rows.append(window)
      new_pre.append(pre)
    return new_rows, new_pre, h_rows
