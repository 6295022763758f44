"""The snail ablation's backbones (experiments/snail_tau.py): one factor changed each.

Each is a registered backbone (models/backbones/backbone.py), so a run chooses it by
name (`backbone='snail_no_attention'`) as a user's plugin would. Kept apart
from the bench, which defines flags, so its test can import them beside the
binaries' flags in one process.
"""

import collections

import tensorflow as tf

from aiqn_tf.models.backbones import backbone
from aiqn_tf.models.backbones import snail


@backbone.register('snail_no_attention')
class NoAttention(snail.SnailPixelCNN):
  """The snail backbone without its attention layers (built, never used)."""

  def _attention_after(self, i):
    return None


@backbone.register('snail_tau_after_attention')
class TauAfterAttention(snail.SnailPixelCNN):
  """The snail backbone with tau added again before the output path."""

  def build_layers(self, channels, out_channels, num_layers, filters,
                   kernel_size, output_filters):
    super().build_layers(channels, out_channels, num_layers, filters,
                         kernel_size, output_filters)
    self.out_tau = snail._Conditioning(  # pylint: disable=protected-access
        filters, channels, 1, self.use_tau, None, name='out_tau')

  def call(self, images, tau=None, labels=None):
    # output_path takes only the features: the tau features reach it here.
    self._tau = None if tau is None else self.tau_features(tau)
    return super().call(images, tau, labels)

  def output_path(self, x):
    if self._tau is not None:
      x = self.out_tau(x, self._tau)
    return super().output_path(x)


class _PixelAttention(snail._CausalAttention):  # pylint: disable=protected-access
  """Causal attention whose keys and values are the earlier pixels' values.

  The features' part of the keys and values (which carries the earlier
  pixels' tau) is left out; the queries still come from the features.
  """

  def keys_values(self, x):
    zeros = tf.zeros(tf.concat([tf.shape(x)[:-1], [snail.NUM_HEADS,
                                                   self.key_size]], 0),
                     x.dtype)
    return zeros, zeros


@backbone.register('snail_attention_on_pixels')
class AttentionOnPixels(snail.SnailPixelCNN):
  """The snail backbone whose attention reads earlier pixels' values only.

  Tests whether the attention slows PixelIQN because its values carry the
  earlier pixels' tau: here it reads only their values (as the image part
  of its keys and values), so the past tau reach a pixel through the
  convolutions alone, as in the gated backbone.
  """

  def build_layers(self, channels, out_channels, num_layers, filters,
                   kernel_size, output_filters):
    super().build_layers(channels, out_channels, num_layers, filters,
                         kernel_size, output_filters)
    for i, index in self.attention_of_unit.items():
      attention = _PixelAttention(filters, channels, name=f'attention_{i}')
      self.attentions[index] = attention
      setattr(self, f'attention_{i}', attention)


# name: (the registered backbone, models it changes).
VARIANTS = collections.OrderedDict([
    ('gated', ('gated', ('pixel_iqn', 'pixel_cnn'))),
    ('snail', ('snail', ('pixel_iqn', 'pixel_cnn'))),
    ('snail, no attention', ('snail_no_attention', ('pixel_iqn',
                                                    'pixel_cnn'))),
    ('snail, tau after attention', ('snail_tau_after_attention',
                                    ('pixel_iqn',))),
    ('snail, attention on pixel values', ('snail_attention_on_pixels',
                                          ('pixel_iqn', 'pixel_cnn'))),
])
