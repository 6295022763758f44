"""The PixelCNN++ network (Salimans et al. 2017) as a backbone.

`--backbone=pixelcnn_pp` for PixelIQN, PixelCNN and PixelCNN++: the same
inputs, outputs, conditioning and sampler protocol as the Gated PixelCNN
(backbone.PixelBackbone), so every head and the one sampler core work
unchanged. The network follows openai/pixel-cnn (`pixel_cnn_pp/model.py`):

- Two streams of `filters` planes. u, down-shifted, sees the rows strictly
  above: u = down_shift(conv (n+1) x k (x)). ul, down-right-shifted, sees
  the rows above and the pixels to the left in the current row:
  ul = down_shift(conv 1 x k (x)) + right_shift(conv (n+1) x n (x)), with
  x the image and a plane of ones (which tells the image from the zero
  padding). n = kernel_size // 2; the paper's kernel_size 3 gives its 2 x 3,
  1 x 3 and 2 x 1 kernels (the pixel models' default, 5, gives 3 x 5 and
  3 x 3). Every later convolution of u is (n+1) x k (down-shifted), of ul
  (n+1) x (n+1) (down-right-shifted).
- Gated ResNet blocks: c = conv(concat_elu(x)) (+ a 1x1 convolution of
  concat_elu(aux), the auxiliary input), c = conv(concat_elu(c)) to 2F
  planes, + conditioning, x + a * sigmoid(b) with (a, b) the halves of c.
  ul's blocks take u as aux (and, in the upsampling half, u and ul's
  shortcut); u's upsampling blocks take u's shortcut.
- A U-Net over `resolutions` resolutions (the paper: 3, 32 -> 16 -> 8):
  num_layers blocks per resolution in the downsampling half with a stride-2
  shifted convolution (2 x 3 for u, 2 x 2 for ul, zero-padded: H -> ceil(H/2))
  between resolutions; in the upsampling half a stride-2 transposed shifted
  convolution and num_layers + 1 blocks per resolution (num_layers at the
  coarsest), each taking the downsampling half's output at its place (the
  shortcut lists). A resolution is added only while it is at least 2 x 2
  (8 x 8: 8, 4, 2; 5 x 7: 5 x 7, 3 x 4, 2 x 2; 3 x 3: 3, 2; 2 x 3: one).
- The streams see only earlier pixels, never the current one. The contract
  is sub-pixel-causal (R < G < B), so the output path brings in the current
  pixel: out = W3 elu(W2 elu(W_ul elu(ul) + W_x x + W_tau tau)), all 1x1,
  W_x channel-masked 'A' (output channel c sees the pixel's image channels
  < c), W_tau, W2, W3 'B' (tau of channels <= c), W_ul unmasked (the stream
  holds only earlier pixels).
- Conditioning before every gate, as in the Gated PixelCNN: the labels as a
  learned per-class bias of every block; tau's features (tau_features) of
  earlier pixels through a 1x1 convolution of every block (folded into its
  second convolution as taps at the block's own place), shifted like the
  streams: a u block at resolution s and place (q, c) takes the features of
  full-resolution pixel (2^s q - 1, 2^s c) (the row above; zero on the top
  row), an ul block those of (2^s q, 2^s c - 1) (the pixel to the left; zero
  in the first column). The current pixel's tau reaches the output through
  W_tau only.
- Not included: weight normalisation and its data-dependent initialisation
  (plain kernels, for Adam; the blocks' second convolution starts at a tenth
  of the usual scale instead, as the paper's init_scale 0.1), dropout (the
  paper: 0.5 on CIFAR-10; the heads' losses call the backbone without a
  training flag, and a run resumes exactly only with noise drawn from the
  step's seed), and PixelCNN++'s own output layer (that is the pixel_cnn_pp
  head's).

Fast sampling (the cache protocol) keeps every shifted convolution's input
map (zero rows on top, so a row's window is a fixed-size slice) and
recomputes one row per resolution at a time. At image row i, resolution s
holds row q = i // 2^s of each stream's downsampling and upsampling halves:
that row is either the one image row i changes, or (i not a multiple of 2^s)
a row whose inputs are all final, recomputed to the same values. u depends
only on rows above, so `sampling_start_row` runs its row step once per
image row; ul's row step runs once per pixel, at its first sampled channel,
from the image row so far (a prefix that ends inside a pixel starts at its
first sampled channel); every channel then runs the output path on the one
pixel, as do `sampling_candidates` (PixelIQN's likelihood: the pixel's own
tau enters the output path only) once per candidate. Per RGB image: H row steps of u, H * W row steps of ul (each one
row of every block at every resolution, about 1.75 rows of the finest
resolution's width) and 3 H W single-pixel output paths, against 3 H W full
passes of the sequential sampler.
"""

import dataclasses

import keras
import numpy as np
import tensorflow as tf

from aiqn_tf.core import config_fields
from aiqn_tf.models.backbones import backbone
from aiqn_tf.models.layers import slicing
from aiqn_tf.models.layers.masked_conv import MaskedConv2D

RESOLUTIONS = 3  # The paper's CIFAR-10 model: 32x32, 16x16, 8x8.
# The sampler's loops are AutoGraph-converted (sampling.py); the protocol's
# methods have no data-dependent Python control flow, and converting the
# whole network's code in them only slows tracing.
_not_converted = tf.autograph.experimental.do_not_convert


def concat_elu(*tensors):
  """elu of [x, -x] for each x, concatenated along the last axis."""
  return tf.nn.elu(tf.concat(list(tensors) + [-x for x in tensors], -1))


def shift_right(x):
  """Shifts [B, H, W, C] right one column (zeros in the first column)."""
  return slicing.pad_left(x, 1)[:, :, :-1]


def _put_row(x, row, values):
  """x [B, H, W, D] with row `row` replaced by values [B, 1, W, D]; a
  scatter, which XLA performs in place."""
  batch = tf.shape(x)[0]
  index = tf.stack([tf.range(batch), tf.fill([batch], tf.cast(row, tf.int32))],
                   1)
  return tf.tensor_scatter_nd_update(x, index, values[:, 0])


def resolution_sizes(height, width, resolutions):
  """[(H_s, W_s)] of the U-Net: halved (rounded up) while the next is at
  least 2 x 2 (a one-pixel side adds blocks that see little)."""
  sizes = [(height, width)]
  while len(sizes) < resolutions and min(sizes[-1]) >= 3:
    h, w = sizes[-1]
    sizes.append((-(-h // 2), -(-w // 2)))
  return sizes


class _ShiftedConv(keras.layers.Layer):
  """A VALID convolution of a window of rows that ends at the output's row.

  The caller gives the window of rows (see `_Pass`; `top` zero rows are
  added on top); the layer pads the columns by `columns` (left, right):
  (k//2, k//2) for a down-shifted kernel of width k, (k - 1, 0) for a
  down-right-shifted one. `crop_right` columns of the output are dropped
  (left padding k and crop 1: a kernel of width k sees only the k columns
  strictly left, a right shift). The last `pointwise` input channels are
  seen at the output's own place only (the kernel's tap at its bottom row,
  column `columns[0]`): a 1x1 convolution folded in. Input [B, R, W, D] ->
  [B, (R + top - kh) // strides + 1, W', filters].
  """

  def __init__(self, filters, kernel_size, columns, strides=1, crop_right=0,
               pointwise=0, kernel_initializer='glorot_uniform', **kwargs):
    super().__init__(**kwargs)
    self.filters = filters
    self.kernel_size = tuple(kernel_size)
    self.columns = tuple(columns)
    self.strides = strides
    self.crop_right = crop_right
    self.pointwise = pointwise
    self.kernel_initializer = keras.initializers.get(kernel_initializer)

  def build(self, input_shape):
    in_channels = int(input_shape[-1])
    self.kernel = self.add_weight(
        name='kernel', shape=self.kernel_size + (in_channels, self.filters),
        initializer=self.kernel_initializer)
    self.bias = self.add_weight(name='bias', shape=(self.filters,),
                                initializer='zeros')
    self.mask = None
    if self.pointwise:
      mask = np.ones(self.kernel_size + (in_channels, 1), np.float32)
      mask[:, :, in_channels - self.pointwise:] = 0.0
      mask[-1, self.columns[0], in_channels - self.pointwise:] = 1.0
      with tf.init_scope():  # As MaskedConv2D's: usable by every graph.
        self.mask = tf.constant(mask)

  def call(self, window, top=0):
    (left, right), kernel = self.columns, self.kernel
    if top or left or right:
      window = tf.pad(window, [[0, 0], [top, 0], [left, right], [0, 0]])
    if self.mask is not None:
      kernel = kernel * self.mask
    out = tf.nn.bias_add(
        tf.nn.conv2d(window, kernel, self.strides, 'VALID'), self.bias)
    return out[:, :, :out.shape[2] - self.crop_right] if self.crop_right else out


class _Pointwise(keras.layers.Layer):
  """A 1x1 convolution without bias: [..., D] -> [..., filters]."""

  def __init__(self, filters, **kwargs):
    super().__init__(**kwargs)
    self.filters = filters

  def build(self, input_shape):
    self.kernel = self.add_weight(
        name='kernel', shape=(1, 1, int(input_shape[-1]), self.filters),
        initializer='glorot_uniform')

  def call(self, x):
    return tf.nn.conv2d(x, self.kernel, 1, 'VALID')


class _ShiftedDeconv(keras.layers.Layer):
  """The stride-2 transposed shifted convolution from resolution s + 1 to s.

  Kernel 2 x 3 (down-shifted, u): input (r, c) reaches output rows 2r, 2r+1
  and columns 2c - 1, 2c, 2c + 1; kernel 2 x 2 (down-right-shifted, ul):
  rows 2r, 2r+1 and columns 2c, 2c + 1. [B, H', W', D] -> [B, 2 H', W, E],
  cropped to `width` W (the caller crops the rows).
  """

  def __init__(self, filters, width, kernel_width, **kwargs):
    super().__init__(**kwargs)
    self.filters = filters
    self.width = width
    self.kernel_width = kernel_width

  def build(self, input_shape):
    self.kernel = self.add_weight(
        name='kernel', shape=(2, self.kernel_width, int(input_shape[-1]),
                              self.filters),
        initializer='glorot_uniform')
    self.bias = self.add_weight(name='bias', shape=(self.filters,),
                                initializer='zeros')

  def call(self, x):
    # taps[b, r, a, c, t, e]: input (r, c) times the kernel's tap (a, t).
    taps = tf.einsum('brcd,atde->bracte', x, self.kernel)
    if self.kernel_width == 2:
      columns = taps  # Column 2c + t.
    else:  # Column 2c - 1 + t: even 2c from t = 1, odd 2c + 1 from t = 2
      # of column c and t = 0 of column c + 1.
      odd = taps[:, :, :, :, 2] + tf.pad(
          taps[:, :, :, 1:, 0], [[0, 0], [0, 0], [0, 0], [0, 1], [0, 0]])
      columns = tf.stack([taps[:, :, :, :, 1], odd], 4)
    height, width = x.shape[1], x.shape[2]
    out = tf.reshape(columns, [tf.shape(x)[0], 2 * height, 2 * width,
                               self.filters])
    return out[:, :, :self.width] + self.bias


class _Pass:
  """How the streams read the rows above: whole maps or one row at a time.

  A whole pass (`row` None) pads each shifted convolution's input with zero
  rows on top and convolves the whole map (recording the padded maps when
  `record`: the sampler's cache). A row step (`row` = image row i) computes
  row q_s = i // 2^s at each resolution s: each convolution writes its
  input's row into its cached map and convolves the window of rows above.
  """

  def __init__(self, maps=None, row=None, record=False):
    self.maps = {} if maps is None else dict(maps)
    self.row = row
    self.record = record
    self._memo = {}  # A row step's index tensors, each made once.

  def _once(self, key, make):
    if key not in self._memo:
      self._memo[key] = make()
    return self._memo[key]

  def index(self, s):
    """q_s = i // 2^s, the row of resolution s that a row step computes."""
    return self._once(('index', s), lambda: tf.bitwise.right_shift(
        tf.cast(self.row, tf.int32), s))

  def _write(self, name, s, offset, x):
    """Map `name` with x [B, 1, W_s, D] as its row offset + q_s."""
    cache = self.maps[name]
    def index():
      batch = tf.shape(cache)[0]
      return tf.stack([tf.range(batch),
                       tf.fill([batch], self.index(s) + offset)], 1)
    index = self._once(('write', s, offset), index)
    self.maps[name] = tf.tensor_scatter_nd_update(cache, index, x[:, 0])

  def _read(self, x, key, start, size):
    """x's rows [start(), start() + size); key names the start."""
    begin = self._once(('read',) + key, lambda: tf.stack([0, start(), 0, 0]))
    return tf.slice(x, begin, [-1, size, -1, -1])

  def conv(self, layer, x, s, above, skip=0):
    """layer on rows q - above .. q - skip of x (resolution s) for each q.

    A row step does not write x's row when skip > 0 (the image's, which
    `sampling_finish_row` writes when final).
    """
    if self.row is None:
      if self.record:
        self.maps[layer.name] = slicing.pad_top(x, above)
      return layer(x[:, :x.shape[1] - skip] if skip else x, top=above)
    if not skip:
      self._write(layer.name, s, above, x)
    return layer(self._read(self.maps[layer.name], ('same', s), lambda:
                            self.index(s), above + 1 - skip))

  def down(self, layer, x, s):
    """The stride-2 layer from resolution s - 1 (x) to s: rows 2q - 1, 2q."""
    if self.row is None:
      if self.record:
        self.maps[layer.name] = slicing.pad_top(x, 1)
      return layer(x, top=1)
    self._write(layer.name, s - 1, 1, x)
    return layer(self._read(self.maps[layer.name], ('down', s),
                            lambda: 2 * self.index(s), 2))

  def up(self, layer, x, s, height):
    """The transposed layer from resolution s + 1 (x) to s."""
    out = layer(x)
    if self.row is None:
      return out[:, :height]
    return self._read(out, ('up', s), lambda: self.index(s) % 2, 1)

  def tau(self, features, sizes):
    """tau's features at every resolution: (for u, for ul), each a list."""
    if features is None:
      return [None] * len(sizes), [None] * len(sizes)
    above = slicing.pad_top(features, 1)
    left = shift_right(features)
    for_u, for_ul = [], []
    for s in range(len(sizes)):
      step = 2 ** s
      if self.row is None:
        for_u.append(above[:, :-1:step, ::step])
        for_ul.append(left[:, ::step, ::step])
      else:
        full_row = self.index(s) * step
        for_u.append(slicing.take(above, 1, full_row)[:, :, ::step])
        for_ul.append(slicing.take(left, 1, full_row)[:, :, ::step])
    return for_u, for_ul


class _GatedResnet(keras.layers.Layer):
  """x + a * sigmoid(b), (a, b) = conv(concat_elu(conv(concat_elu(x)) +
  nin(concat_elu(aux)))) + tau + label (see the module docstring). tau's
  1x1 convolution is folded into the second convolution (`pointwise`).

  Args:
    filters: int F, the stream's planes.
    kernel_size, columns: of both shifted convolutions (see _ShiftedConv).
    prefix: str, unique within the backbone (the cache's keys).
    aux: bool, whether the block takes an auxiliary input.
    tau_size: int, tau's features per place (0: no tau).
    num_classes: int or None.
  """

  def __init__(self, filters, kernel_size, columns, prefix, aux, tau_size,
               num_classes, **kwargs):
    super().__init__(name=prefix, **kwargs)
    self.above = kernel_size[0] - 1
    self.conv1 = _ShiftedConv(filters, kernel_size, columns,
                              name=f'{prefix}_conv1')
    self.use_tau = bool(tau_size)
    self.conv2 = _ShiftedConv(
        2 * filters, kernel_size, columns, pointwise=tau_size,
        name=f'{prefix}_conv2',
        kernel_initializer=keras.initializers.VarianceScaling(
            0.01, 'fan_avg', 'uniform'))
    self.aux = _Pointwise(filters, name=f'{prefix}_aux') if aux else None
    self.label = (keras.layers.Embedding(num_classes, 2 * filters,
                                         name=f'{prefix}_label')
                  if num_classes else None)
    self.built = True  # Its layers build on their first call.

  def apply(self, p, x, s, aux=None, tau=None, labels=None):
    """The block on x (a map or a row of resolution s, see _Pass); aux: a
    tuple of maps (concatenated) or None."""
    c = p.conv(self.conv1, concat_elu(x), s, self.above)
    if aux is not None:
      c += self.aux(concat_elu(*aux))
    c = concat_elu(c)
    if self.use_tau:
      c = tf.concat([c, tau], -1)
    c = p.conv(self.conv2, c, s, self.above)
    if self.label is not None:
      c += self.label(labels)[:, None, None, :]
    a, b = tf.split(c, 2, axis=-1)
    return x + a * tf.sigmoid(b)


@dataclasses.dataclass
class PixelCNNPPConfig:
  """The pixelcnn_pp backbone's section: the U-Net's depth."""
  resolutions: int = config_fields.setting(
      RESOLUTIONS, 'Resolutions of the PixelCNN++ U-Net, each half the '
      'previous one\'s size (the paper: 3); fewer where the image is too '
      'small to halve.', minimum=1)


@backbone.register('pixelcnn_pp')
class PixelCNNPPNetwork(backbone.PixelBackbone):
  """The PixelCNN++ network (see the module docstring and PixelBackbone).

  num_layers gated ResNet blocks per resolution and stream (the paper: 5),
  `filters` planes per stream (160), kernel_size 3 for the paper's 2 x 3
  and 2 x 2 kernels, and an output path of `output_filters` planes.
  """

  Config = PixelCNNPPConfig

  def __init__(self, *args, resolutions=RESOLUTIONS, **kwargs):
    # The bound is the section's (a layer may be built without a model).
    config_fields.check(PixelCNNPPConfig(resolutions=resolutions))
    self.resolutions = resolutions  # Read by build_layers.
    super().__init__(*args, **kwargs)
    self.arguments['resolutions'] = resolutions

  def build_layers(self, channels, out_channels, num_layers, filters,
                   kernel_size, output_filters):
    n = kernel_size // 2
    height, width, _ = self.image_shape
    self.sizes = resolution_sizes(height, width, self.resolutions)
    u_kernel, u_columns = (n + 1, 2 * n + 1), (n, n)
    ul_kernel, ul_columns = (n + 1, n + 1), (n, 0)
    self.n = n

    def add(layer):
      setattr(self, layer.name, layer)  # Visible to tf.train.Checkpoint.
      return layer

    tau_size = 0
    if self.use_tau:
      tau_size = channels * (1 if self.tau_embedding == 'linear' else
                             backbone.TAU_COSINES)

    def block(prefix, kernel, columns, aux):
      return add(_GatedResnet(filters, kernel, columns, prefix, aux,
                              tau_size, self.num_classes))

    self.u_init = add(_ShiftedConv(filters, u_kernel, u_columns,
                                   name='u_init'))
    self.ul_init_above = add(_ShiftedConv(filters, (1, kernel_size),
                                          u_columns, name='ul_init_above'))
    self.ul_init_left = add(_ShiftedConv(filters, (n + 1, n), (n, 0),
                                         crop_right=1, name='ul_init_left'))
    # The image maps' rows above (see `sampling_finish_row`).
    self.image_maps = {'u_init': n + 1, 'ul_init_above': 1,
                       'ul_init_left': n}
    self.u_down, self.ul_down, self.u_up, self.ul_up = [], [], [], []
    self.u_shrink, self.ul_shrink = [None], [None]
    self.u_grow, self.ul_grow = [], []
    for s in range(len(self.sizes)):
      if s:
        self.u_shrink.append(add(_ShiftedConv(
            filters, (2, 3), (1, 1), strides=2, name=f'u_shrink_{s}')))
        self.ul_shrink.append(add(_ShiftedConv(
            filters, (2, 2), (1, 0), strides=2, name=f'ul_shrink_{s}')))
      self.u_down.append([block(f'u_down_{s}_{k}', u_kernel, u_columns,
                                False) for k in range(num_layers)])
      self.ul_down.append([block(f'ul_down_{s}_{k}', ul_kernel, ul_columns,
                                 True) for k in range(num_layers)])
    for s in range(len(self.sizes)):
      width_s = self.sizes[s][1]
      last = s == len(self.sizes) - 1
      self.u_grow.append(None if last else add(_ShiftedDeconv(
          filters, width_s, 3, name=f'u_grow_{s}')))
      self.ul_grow.append(None if last else add(_ShiftedDeconv(
          filters, width_s, 2, name=f'ul_grow_{s}')))
      count = num_layers + (0 if last else 1)
      self.u_up.append([block(f'u_up_{s}_{k}', u_kernel, u_columns, True)
                        for k in range(count)])
      self.ul_up.append([block(f'ul_up_{s}_{k}', ul_kernel, ul_columns, True)
                         for k in range(count)])
    self.out_stream = add(MaskedConv2D(output_filters, name='out_stream'))
    self.out_image = add(MaskedConv2D(output_filters, mask_type='A',
                                      num_groups=channels, use_bias=False,
                                      name='out_image'))
    self.out_tau = (add(MaskedConv2D(output_filters, mask_type='B',
                                     num_groups=channels, use_bias=False,
                                     name='out_tau'))
                    if self.use_tau else None)
    self.output_layers(channels, out_channels, output_filters)

  # The streams, on whole maps or one row per resolution (see _Pass).

  def _u_stream(self, p, x, tau_u, labels):
    """u from the image x (with its plane of ones); returns the values of
    u that ul's blocks take, in their order."""
    u = p.conv(self.u_init, x, 0, self.n + 1, skip=1)
    shortcuts, for_ul = [u], []
    for s in range(len(self.sizes)):
      if s:
        u = p.down(self.u_shrink[s], u, s)
        shortcuts.append(u)
      for layer in self.u_down[s]:
        u = layer.apply(p, u, s, tau=tau_u[s], labels=labels)
        shortcuts.append(u)
        for_ul.append(u)
    u = shortcuts.pop()
    for s in reversed(range(len(self.sizes))):
      if self.u_grow[s] is not None:
        u = p.up(self.u_grow[s], u, s, self.sizes[s][0])
      for layer in self.u_up[s]:
        u = layer.apply(p, u, s, (shortcuts.pop(),), tau_u[s], labels)
        for_ul.append(u)
    return for_ul

  def _ul_stream(self, p, x, for_ul, tau_ul, labels):
    """ul [..., filters] from the image x and u's values (`_u_stream`)."""
    ul = (p.conv(self.ul_init_above, x, 0, 1, skip=1) +
          p.conv(self.ul_init_left, x, 0, self.n))
    shortcuts, u = [ul], iter(for_ul)
    for s in range(len(self.sizes)):
      if s:
        ul = p.down(self.ul_shrink[s], ul, s)
        shortcuts.append(ul)
      for layer in self.ul_down[s]:
        ul = layer.apply(p, ul, s, (next(u),), tau_ul[s], labels)
        shortcuts.append(ul)
    ul = shortcuts.pop()
    for s in reversed(range(len(self.sizes))):
      if self.ul_grow[s] is not None:
        ul = p.up(self.ul_grow[s], ul, s, self.sizes[s][0])
      for layer in self.ul_up[s]:
        ul = layer.apply(p, ul, s, (next(u), shortcuts.pop()), tau_ul[s],
                         labels)
    return ul

  def _with_ones(self, images):
    return tf.concat([images, tf.ones_like(images[..., :1])], -1)

  def streams(self, images, tau_features=None, labels=None, record=False):
    """The two streams over whole images: (u's values for ul, ul, pass).

    Args:
      images: float32 [B, H, W, C] in [-1, 1].
      tau_features: `tau_features(tau)` or None.
      labels: int32 [B] or None.
      record: keep every shifted convolution's padded input (the pass's
        `maps`: the sampler's cache).

    Returns:
      (list of u's values [B, H_s, W_s, filters] that ul's blocks take, ul
      [B, H, W, filters] (at (i, j) a function of the pixels before (i, j)
      only), the _Pass).
    """
    p = _Pass(record=record)
    tau_u, tau_ul = p.tau(tau_features, self.sizes)
    x = self._with_ones(images)
    for_ul = self._u_stream(p, x, tau_u, labels)
    return for_ul, self._ul_stream(p, x, for_ul, tau_ul, labels), p

  def output_path(self, ul, images, tau_features=None):
    """ul [..., filters], the pixel's image [..., C] and tau features ->
    [..., out_channels] (channel-masked, see the module docstring)."""
    h = self.out_stream(tf.nn.elu(ul)) + self.out_image(images)
    if self.out_tau is not None:
      h += self.out_tau(tau_features)
    return self.out_final(tf.nn.elu(self.out_hidden(tf.nn.elu(h))))

  def call(self, images, tau=None, labels=None):
    """images [B,H,W,C] in [-1,1], tau [B,H,W,C] in [0,1] -> [B,H,W,out_channels]."""
    tau_features = None if tau is None else self.tau_features(tau)
    _, ul, _ = self.streams(images, tau_features, labels)
    return self.output_path(ul, images, tau_features)

  # The sampler core's cache protocol (sampling.cached; see the module
  # docstring). cache = {'maps': every shifted convolution's padded input
  # map, 'u': u's rows that ul's blocks take (row i // 2^s at resolution
  # s), 'ul': ul's row i [B, 1, W, F] as of the pixel 'pixel' [B] (its
  # raster index, the same for every example; -1 before the first)}.

  @_not_converted
  def sampling_start(self, images, tau=None, labels=None, first_row=0):
    """One whole pass over `images`, recording the streams' maps.

    Rows >= first_row are overwritten before they are read: every later
    row step writes the rows it reads.
    """
    del first_row
    tau_features = None if tau is None else self.tau_features(tau)
    for_ul, ul, p = self.streams(images, tau_features, labels, record=True)
    batch = tf.shape(images)[0]
    cache = dict(maps=p.maps,
                 u=tuple(slicing.take(u, 1, 0) for u in for_ul),
                 ul=slicing.take(ul, 1, 0), pixel=tf.fill([batch], -1))
    return cache, (tau_features, labels)

  @_not_converted
  def sampling_start_row(self, cache, context, x_row, i):
    """u's row step for image row i (rows above final)."""
    del x_row  # u reads rows strictly above only.
    tau_features, labels = context
    p = _Pass(cache['maps'], row=i)
    tau_u, _ = p.tau(tau_features, self.sizes)
    for_ul = self._u_stream(p, None, tau_u, labels)
    return dict(cache, maps=p.maps, u=tuple(for_ul))

  def _ul_step(self, cache, context, x_row, i, j):
    """ul's row step at pixel (i, j): ul's row i from x_row's pixels < j."""
    tau_features, labels = context
    p = _Pass(cache['maps'], row=i)
    _, tau_ul = p.tau(tau_features, self.sizes)
    ul = self._ul_stream(p, self._with_ones(x_row), cache['u'], tau_ul,
                         labels)
    pixel = tf.fill(tf.shape(cache['pixel']), i * self.image_shape[1] + j)
    return dict(cache, maps=p.maps, ul=ul, pixel=pixel)

  def _stream_at(self, cache, context, x_row, i, j):
    """The cache with ul's row computed for pixel (i, j) (once per pixel)."""
    done = tf.equal(cache['pixel'][0], i * self.image_shape[1] + j)
    return tf.cond(done, lambda: cache,
                   lambda: self._ul_step(cache, context, x_row, i, j))

  def _pixel_output(self, cache, context, x_row, i, j, tau_features=None):
    at = lambda x: slicing.take(x, 2, j)
    if tau_features is None and context[0] is not None:
      tau_features = at(slicing.take(context[0], 1, i))
    return self.output_path(at(cache['ul']), at(x_row), tau_features)

  @_not_converted
  def sampling_pixel(self, cache, context, x_row, i, j, c):
    """Outputs at (i, j) (every channel's), from ul's row of the pixel.

    Args:
      cache, context: from `sampling_start` or the previous step.
      x_row: float32 [B, 1, W, C], row i as sampled so far.
      i, j, c: int scalars.

    Returns:
      (outputs [B, 1, 1, out_channels], cache).
    """
    del c  # The masks keep channel c's outputs off channels >= c.
    cache = self._stream_at(cache, context, x_row, i, j)
    return self._pixel_output(cache, context, x_row, i, j), cache

  @_not_converted
  def sampling_candidates(self, cache, context, x_row, i, j, c, candidates):
    """Outputs of sub-pixel (i, j, c) at M candidate values of its own tau.

    The pixel's own tau reaches only the output path: ul's row is computed
    once (or taken from the cache), the output path runs once per
    candidate on the one pixel.

    Args:
      cache, context: as in `sampling_pixel`.
      x_row: float32 [B, 1, W, C], row i as sampled so far.
      i, j, c: int scalars.
      candidates: float32 [B, M] in [0, 1], values of tau at (i, j, c).

    Returns:
      float32 [B, M, out_channels / C]: channel c's outputs at each.
    """
    cache = self._stream_at(cache, context, x_row, i, j)
    channels = self.image_shape[-1]
    batch, m = tf.shape(candidates)[0], candidates.shape[1]
    tau_pixel = self.with_candidate_tau(tf.repeat(
        slicing.take(slicing.take(context[0], 1, i), 2, j), m, axis=0), c,
                                        candidates)  # [B M, 1, 1, C T]
    repeat = lambda x: tf.repeat(x, m, axis=0)
    at = lambda x: slicing.take(x, 2, j)
    out = self.output_path(repeat(at(cache['ul'])), repeat(at(x_row)),
                           tau_pixel)
    per_channel = out.shape[-1] // channels
    out = tf.reshape(out, [batch, m, channels, per_channel])
    return tf.gather(out, c, axis=2)

  @_not_converted
  def sampling_finish_row(self, cache, context, x_row, r):
    """The cache once row r is final: the image's row r in its maps."""
    del context
    maps = dict(cache['maps'])
    x = self._with_ones(x_row)
    for name, above in self.image_maps.items():
      maps[name] = _put_row(maps[name], above + r, x)
    return dict(cache, maps=maps)
