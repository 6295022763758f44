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

from aiqn_tf.core import events
from aiqn_tf.models import registry
from aiqn_tf.models.layers import slicing
from aiqn_tf.models.layers.masked_conv import MaskedConv2D

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

  A backbone of other event spaces (`spaces`, core/events.py) maps its
  events the same way: sequences [B, T, C] to [B, T, out_channels], output
  [b, t, o] depending on events at steps before t and on step t's channels
  before c(o) (and tau up to and including (t, c(o))), the raster order of
  a [T, C] array. The images' arguments below are then the sequences'.

  A subclass implements (`register` checks that it does):
  - `build_layers(...)`: creates its layers (num_classes, use_tau are set).
  - `call(images, tau=None, labels=None)`: the full pass above.
  - For images (and optionally for sequences, as [T, 1, C] images: one
    row per step), the cache protocol of the exact fast sampler
    (sampling.cached), which
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
        num_classes, self.spaces)
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
  spaces = ('images',)  # The event spaces' kinds it serves (events.KINDS).

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

  def unpack(self, inputs, key='images'):
    """Checks a model's input dict; returns (events, tau or None, labels or
    None).

    Args:
      inputs: {key: [B, *event shape], "tau" (with use_tau), "labels"
        (class-conditional)}.
      key: the events' key (the event space's, events.EventSpace.key).

    Raises:
      ValueError: on a missing or unexpected key or a wrong shape.
    """
    keys = ([key] + (['tau'] if self.use_tau else []) +
            (['labels'] if self.num_classes else []))
    expected = ', '.join(f'"{k}"' for k in keys)
    if not isinstance(inputs, dict):
      raise ValueError(f'Expected a dict with keys {expected}, got '
                       f'{type(inputs).__name__}.')
    missing = [k for k in keys if k not in inputs]
    extra = [k for k in inputs if k not in keys]
    if missing or extra:
      raise ValueError(f'Expected keys {expected}; missing {missing}, '
                       f'unexpected {extra}.')
    for name in (key, 'tau'):
      if name in inputs:
        shape = tuple(inputs[name].shape)
        if shape[1:] != self.image_shape:
          raise ValueError(f'"{name}" must have shape [batch, '
                           f'{", ".join(map(str, self.image_shape))}], got '
                           f'{list(shape)}.')
    if self.num_classes and len(inputs['labels'].shape) != 1:
      raise ValueError('"labels" must have shape [batch] (int class ids), got '
                       f'{list(inputs["labels"].shape)}.')
    return (tf.cast(inputs[key], tf.float32),
            tf.cast(inputs['tau'], tf.float32) if self.use_tau else None,
            inputs['labels'] if self.num_classes else None)

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

  def with_candidate_tau(self, features, c, candidates):
    """One pixel's tau features, repeated per candidate, with channel c's
    replaced by the candidates' (for `sampling_candidates`).

    Args:
      features: float32 [B M, ..., C T], the pixel's features (as
        `tau_features` gives them, channel-major) repeated M times.
      c: int scalar, the channel whose tau is tried.
      candidates: float32 [B, M] in [0, 1].

    Returns:
      float32 of features' shape.
    """
    channels = self.image_shape[-1]
    size = features.shape[-1] // channels  # Features per channel.
    own = self.tau_features(tf.reshape(candidates, [-1, 1]))  # [B M, T].
    own = tf.reshape(tf.tile(own, [1, channels]), tf.concat(
        [tf.shape(own)[:1], tf.ones([features.shape.rank - 2], tf.int32),
         [channels * size]], 0))
    which = tf.equal(tf.range(channels * size) // size, c)
    return tf.where(which, own, features)

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
                          output_filters, num_classes, spaces=('images',)):
  """Checks the architecture's arguments; returns image_shape as a tuple of
  ints. `spaces`: the backbone's event spaces, which fix the shape's rank."""
  image_shape = tuple(int(d) for d in image_shape)
  ranks = {events.RANKS[kind]: kind for kind in spaces}
  if len(image_shape) not in ranks or min(image_shape) < 1 or (
      len(image_shape) == 3 and image_shape[-1] not in (1, 3)):
    raise ValueError(
        'image_shape must be ' + ' or '.join(
            {'images': '(height, width, channels) with 1 or 3 channels',
             'sequences': '(time steps, channels)',
             'vectors': '(dimensions,)'}[kind] for kind in spaces) +
        f', got {image_shape}.')
  channels = image_shape[-1]
  if num_layers < 1:
    raise ValueError(f'num_layers must be >= 1, got {num_layers}.')
  if 'images' in spaces and (kernel_size < 3 or kernel_size % 2 == 0):
    raise ValueError(f'kernel_size must be odd and >= 3, got {kernel_size}.')
  if kernel_size < 2:  # Sequences: a causal filter of width 2 or more.
    raise ValueError(f'kernel_size must be >= 2, got {kernel_size}.')
  for name, value in (('filters', filters), ('output_filters', output_filters)):
    if value < channels:
      raise ValueError(f'{name} must be at least the number of channels '
                       f'({channels}), got {value}.')
  if num_classes is not None and num_classes < 2:
    raise ValueError(f'num_classes must be None or >= 2, got {num_classes}.')
  return image_shape


# What a registered backbone must implement itself (PixelBackbone's contract);
# the cache protocol where it serves images.
REQUIRED = ('build_layers', 'call')
CACHE_PROTOCOL = ('sampling_start', 'sampling_start_row', 'sampling_pixel',
                  'sampling_finish_row')


def caches(cls):
  """Whether backbone class `cls` implements the cache protocol (every
  image backbone must; a sequence backbone may, and samples fast then)."""
  return all(getattr(cls, name) is not getattr(PixelBackbone, name)
             for name in CACHE_PROTOCOL)


def _check_contract(cls):
  if not (isinstance(cls, type) and issubclass(cls, PixelBackbone)):
    raise TypeError(f'A backbone must subclass backbone.PixelBackbone, got '
                    f'{cls!r}.')
  unknown = sorted(set(cls.spaces) - set(events.KINDS))
  if unknown or not cls.spaces:
    raise TypeError(f'{cls.__name__}.spaces must name event spaces of '
                    f'{events.KINDS}, got {cls.spaces!r}.')
  required = REQUIRED + (CACHE_PROTOCOL if 'images' in cls.spaces else ())
  missing = [name for name in required
             if getattr(cls, name) is getattr(PixelBackbone, name, None)]
  if missing:
    raise TypeError(f'Backbone {cls.__name__} does not implement '
                    f'{", ".join(missing)} (see backbone.PixelBackbone).')
  if not dataclasses.is_dataclass(cls.Config):
    raise TypeError(f'{cls.__name__}.Config must be a dataclass.')


REGISTRY = registry.Registry(
    'backbone', ('aiqn_tf.models.backbones.gated_pixelcnn',
                 'aiqn_tf.models.backbones.snail',
                 'aiqn_tf.models.backbones.pixel_rnn',
                 'aiqn_tf.models.backbones.pixelcnn_pp',
                 'aiqn_tf.models.backbones.wavenet',
                 'aiqn_tf.models.backbones.made'),
    check=_check_contract)
register = REGISTRY.register
