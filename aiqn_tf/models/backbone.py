"""The backbones of the pixel models: their contract, registry and helpers.

A backbone (the Gated PixelCNN in gated_pixelcnn.py, the PixelSNAIL-style one
in snail.py, or one of your own) maps images, tau and labels to
per-sub-pixel outputs that depend only on earlier sub-pixels, and implements
the sampler core's cache protocol (sampling.cached), so that every head
(PixelIQN's quantiles, PixelCNN's softmax, the PixelCNN++ mixture) and the
one fast sampler work on it unchanged. `PixelBackbone` states the contract;
`register` adds a backbone, checking at registration that the class
implements it, and `--backbone=NAME` (the pixel models' `backbone` field)
then chooses it. A backbone's own hyperparameters are its `Config` dataclass:
the run's `backbone` section (config.json), with its flags
(`--NAME.FIELD`). The conformance suite (backbone_conformance_test.py) runs
every registered backbone under every pixel head: causality by Jacobians,
fast == sequential, a .keras round trip. The helpers the built-in backbones
share (the gate, the shift to rows above, the masked output path) are here
too.
"""

import dataclasses

import keras
import numpy as np
import tensorflow as tf

from aiqn_tf.models import registry
from aiqn_tf.models import slicing
from aiqn_tf.models.masked_conv import MaskedConv2D

serializable = keras.saving.register_keras_serializable(package='aiqn_tf')
TAU_EMBEDDINGS = ('linear', 'cosine')
TAU_COSINES = 8  # Cosine features per sub-pixel (IQN uses 64 per scalar tau).


def gate(x):
  """tanh(first half) * sigmoid(second half) along the last axis."""
  f, g = tf.split(x, 2, axis=-1)
  return tf.tanh(f) * tf.sigmoid(g)


def shift_down(x):
  """Shifts [B, H, W, C] down one row (zeros in the top row): rows strictly above."""
  return slicing.pad_top(x, 1)[:, :-1]


@dataclasses.dataclass
class NoConfig:
  """The section of a backbone without hyperparameters of its own."""


class PixelBackbone(keras.layers.Layer):
  """The contract of a pixel backbone, and what every backbone shares.

  A backbone maps images [B, H, W, C] in [-1, 1] (tau [B, H, W, C] in [0, 1]
  when use_tau, labels [B] when class-conditional) to [B, H, W, out_channels]
  where output [b, i, j, o] depends only on images at sub-pixels before
  (i, j, c(o)) in raster order with R < G < B, and on tau at sub-pixels up
  to and including (i, j, c(o)), where c(o) = o // (out_channels / C) is the
  output's channel. Tau and labels enter wherever the backbone likes (the
  built-in ones: before every gate).

  A subclass implements (`register` checks that it does):
  - `build_layers(...)`: creates its layers (num_classes, use_tau are set).
  - `call(images, tau=None, labels=None)`: the full pass above.
  - The cache protocol of the exact fast sampler (sampling.cached), which
    must give `call`'s outputs sub-pixel by sub-pixel in raster order:
    `sampling_start(images, tau, labels, first_row) -> (cache, context)`:
    a pass over the given images, rows >= first_row not yet sampled (any
    values); context holds what stays fixed while sampling (tau's features
    first, as `tau_features` gives them, or None; then anything else, e.g.
    the labels). `sampling_start_row(cache, context, x_row, i) -> cache`
    before row i; `sampling_pixel(cache, context, x_row, i, j, c) ->
    (outputs [B, 1, 1, out_channels], cache)`: the outputs at (i, j) of
    channel c's planes (the others are not read) from the cache and the
    current row x_row [B, 1, W, C], whose sub-pixels before (i, j, c) are
    final; `sampling_finish_row(cache, context, x_row, r) -> cache` once row
    r is final. The cache is a nested structure of tensors whose shapes do
    not change (the loops carry it, XLA compiles it).
  - Optionally `sampling_candidates` (PixelIQN's likelihood on the caches).
  `Config` is its section of hyperparameters (a dataclass of
  `config_fields.setting`s, passed to the constructor as keywords).

  Args:
    image_shape: (H, W, C) with C in {1, 3}.
    out_channels: int, output planes, a multiple of C (C for PixelIQN, 256 C
      for PixelCNN logits, channel-major).
    num_layers, filters, kernel_size, output_filters: the architecture (the
      Gated PixelCNN of the paper: 15, 128, 5, 1024).
    num_classes: int or None.
    use_tau: bool.
    tau_embedding: 'linear' (the paper: 2 tau - 1) or 'cosine' (IQN's
      cos(pi k tau), k = 1..TAU_COSINES), see `tau_features`.
  """

  def __init__(self, image_shape, out_channels, num_layers=15, filters=128,
               kernel_size=5, output_filters=1024, num_classes=None,
               use_tau=True, tau_embedding='linear', **kwargs):
    super().__init__(**kwargs)
    if tau_embedding not in TAU_EMBEDDINGS:
      raise ValueError(f'tau_embedding must be one of {TAU_EMBEDDINGS}, got '
                       f'{tau_embedding!r}.')
    self.tau_embedding = tau_embedding
    self.image_shape = validate_architecture(
        image_shape, num_layers, filters, kernel_size, output_filters,
        num_classes)
    self.arguments = dict(
        image_shape=self.image_shape, out_channels=out_channels,
        num_layers=num_layers, filters=filters, kernel_size=kernel_size,
        output_filters=output_filters, num_classes=num_classes,
        use_tau=use_tau, tau_embedding=tau_embedding)
    self.kernel_size = kernel_size
    self.num_classes = num_classes
    self.use_tau = use_tau
    self.build_layers(self.image_shape[-1], out_channels, num_layers, filters,
                      kernel_size, output_filters)

  Config = NoConfig
  kind = None  # Set by `register`.
  layer_name = None  # The layer's name inside a model (default: its kind).

  def build_layers(self, channels, out_channels, num_layers, filters,
                   kernel_size, output_filters):
    """Creates the subclass's layers (num_classes, use_tau are set)."""
    raise NotImplementedError

  def sampling_start(self, images, tau=None, labels=None, first_row=0):
    """(cache, context) before sampling from `first_row` (see the class)."""
    raise NotImplementedError

  def sampling_start_row(self, cache, context, x_row, i):
    """The cache before row i is sampled (see the class)."""
    raise NotImplementedError

  def sampling_pixel(self, cache, context, x_row, i, j, c):
    """(outputs [B, 1, 1, out_channels] at (i, j), cache) (see the class)."""
    raise NotImplementedError

  def sampling_finish_row(self, cache, context, x_row, r):
    """The cache once row r is final (see the class)."""
    raise NotImplementedError

  def output_layers(self, channels, out_channels, output_filters):
    """The output path's two masked 1x1 convolutions (mask B)."""
    self.out_hidden = MaskedConv2D(output_filters, mask_type='B',
                                   num_groups=channels, name='out_hidden')
    self.out_final = MaskedConv2D(out_channels, mask_type='B',
                                  num_groups=channels, name='out_final')

  def unpack(self, inputs):
    """Checks a model's input dict; returns (images, tau or None, labels or None).

    Raises:
      ValueError: on a missing or unexpected key or a wrong shape.
    """
    if not isinstance(inputs, dict):
      raise ValueError('Expected a dict with keys ' + self._expected_keys() +
                       f', got {type(inputs).__name__}.')
    missing = [k for k in self._keys() if k not in inputs]
    extra = [k for k in inputs if k not in self._keys()]
    if missing or extra:
      raise ValueError(f'Expected keys {self._expected_keys()}; missing '
                       f'{missing}, unexpected {extra}.')
    for key in ('images', 'tau'):
      if key in inputs:
        shape = tuple(inputs[key].shape)
        if len(shape) != 4 or shape[1:] != self.image_shape:
          raise ValueError(f'"{key}" must have shape [batch, '
                           f'{", ".join(map(str, self.image_shape))}], got '
                           f'{list(shape)}.')
    if self.num_classes and len(inputs['labels'].shape) != 1:
      raise ValueError('"labels" must have shape [batch] (int class ids), got '
                       f'{list(inputs["labels"].shape)}.')
    return (tf.cast(inputs['images'], tf.float32),
            tf.cast(inputs['tau'], tf.float32) if self.use_tau else None,
            inputs['labels'] if self.num_classes else None)

  def _keys(self):
    return (['images'] + (['tau'] if self.use_tau else []) +
            (['labels'] if self.num_classes else []))

  def _expected_keys(self):
    return ', '.join(f'"{k}"' for k in self._keys())

  def tau_features(self, tau):
    """What the blocks' tau convolutions see: [B, H, W, C] -> [..., C * T].

    'linear': 2 tau - 1 (T = 1). 'cosine': cos(pi k tau) for k = 1..T
    (T = TAU_COSINES), channel-major (channel c's features are consecutive,
    so the channel masks group them with c).
    """
    if self.tau_embedding == 'linear':
      return 2.0 * tau - 1.0
    k = tf.range(1, TAU_COSINES + 1, dtype=tau.dtype)
    features = tf.cos(np.pi * tau[..., None] * k)
    return tf.reshape(features, tf.concat(
        [tf.shape(tau)[:-1], [tau.shape[-1] * TAU_COSINES]], 0))

  # What the likelihood (likelihood.py) adds to the sampler core's cache
  # protocol: each sub-pixel's tau is chosen while sampling, so it is set
  # into the context then, after the candidates were tried.

  def sampling_with_tau(self, context, i, j, tau_pixel):
    """The context with pixel (i, j)'s tau set to tau_pixel [B, C] in [0, 1].

    Both backbones keep tau's features first in their context.
    """
    features = self.tau_features(tau_pixel[:, None, None])
    row = slicing.put(slicing.take(context[0], 1, i), 2, j, features)
    return (slicing.put(context[0], 1, i, row),) + tuple(context[1:])

  def sampling_reorder(self, cache, context, order):
    """The cache and context with element b taking element order[b]'s.

    Particle filters (likelihood.py) resample their particles so. The
    cache's tensors are batch-first, and tau's features lead the context;
    the rest of the context is kept, so `order` must move elements only
    among those of one label.

    Args:
      cache, context: as in `sampling_pixel`.
      order: int32 [B] in [0, B).
    """
    gather = lambda x: tf.gather(x, order)
    return tf.nest.map_structure(gather, cache), (
        None if context[0] is None else gather(context[0]),) + tuple(
            context[1:])

  def sampling_candidates(self, cache, context, x_row, i, j, c, candidates):
    """Outputs [B, M, out_channels / C] of sub-pixel (i, j, c) at M values
    [B, M] of its own tau, the past shared (see GatedPixelCNN's)."""
    raise NotImplementedError(
        f'The {type(self).__name__} backbone has no cached likelihood: '
        'trying many tau at one sub-pixel would repeat its attention over '
        'every earlier position once per candidate. Use '
        "method='sequential' (whole-image passes; small images only).")

  def get_config(self):
    return dict(super().get_config(), **self.arguments)


def validate_architecture(image_shape, num_layers, filters, kernel_size,
                          output_filters, num_classes):
  """Checks the architecture's arguments; returns image_shape as a tuple of ints."""
  image_shape = tuple(int(d) for d in image_shape)
  if len(image_shape) != 3 or image_shape[-1] not in (1, 3) or min(
      image_shape) < 1:
    raise ValueError(f'image_shape must be (height, width, channels) with 1 '
                     f'or 3 channels, got {image_shape}.')
  channels = image_shape[-1]
  if num_layers < 1:
    raise ValueError(f'num_layers must be >= 1, got {num_layers}.')
  if kernel_size < 3 or kernel_size % 2 == 0:
    raise ValueError(f'kernel_size must be odd and >= 3, got {kernel_size}.')
  for name, value in (('filters', filters), ('output_filters', output_filters)):
    if value < channels:
      raise ValueError(f'{name} must be at least the number of channels '
                       f'({channels}), got {value}.')
  if num_classes is not None and num_classes < 2:
    raise ValueError(f'num_classes must be None or >= 2, got {num_classes}.')
  return image_shape


# What a registered backbone must implement itself (PixelBackbone's contract).
REQUIRED = ('build_layers', 'call', 'sampling_start', 'sampling_start_row',
            'sampling_pixel', 'sampling_finish_row')


def _check_contract(cls):
  if not (isinstance(cls, type) and issubclass(cls, PixelBackbone)):
    raise TypeError(f'A backbone must subclass backbone.PixelBackbone, got '
                    f'{cls!r}.')
  missing = [name for name in REQUIRED
             if getattr(cls, name) is getattr(PixelBackbone, name, None)]
  if missing:
    raise TypeError(f'Backbone {cls.__name__} does not implement '
                    f'{", ".join(missing)} (see backbone.PixelBackbone).')
  if not dataclasses.is_dataclass(cls.Config):
    raise TypeError(f'{cls.__name__}.Config must be a dataclass.')


REGISTRY = registry.Registry(
    'backbone', ('aiqn_tf.models.gated_pixelcnn', 'aiqn_tf.models.snail'),
    check=_check_contract)
register = REGISTRY.register
