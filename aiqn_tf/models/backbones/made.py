"""A MADE backbone for vectors: AIQN on continuous vectors and tables.

The masked network of AIQN-VAE's latent AIQN (latent_aiqn.py; Germain et
al. 2015's MADE masks, `masks.autoregressive_mask`) as a backbone of the
pixel heads, so that PixelIQN's quantile head, the softmax and the logistic
mixture each model vectors x [D] in the order of their dimensions:

  trunk: num_layers masked ReLU layers of `filters` units, each unit
    carrying one dimension g in 0..D-2 and seeing x_j for j <= g (mask B
    over the inputs' dimensions);
  head: per dimension d, `output_filters` // D units (at least one) that see
    trunk units of dimensions < d (mask A), tau_d's features alone and the
    label's embedding, then its `out_channels` / D outputs.

So output d depends on x_1..x_{d-1}, tau_d and the label, as the backbone
contract asks (backbone.py: vectors [B, D] -> [B, out_channels], outputs
channel-major). Without a cache, samplers run whole passes per dimension
('sequential'), which for a vector is D passes.
"""

import keras
import numpy as np
import tensorflow as tf

from aiqn_tf.models.backbones import backbone
from aiqn_tf.models.layers import masked_dense
from aiqn_tf.models.layers import masks


@backbone.register('made')
class MADE(backbone.PixelBackbone):
  """MADE over the dimensions of vectors; see the module docstring.

  Args: as PixelBackbone's; image_shape is (D,) with D >= 2, num_layers the
  trunk's layers, filters their width, output_filters the head's width
  (split evenly over the dimensions); kernel_size is not used.
  """

  spaces = ('vectors',)

  def build_layers(self, channels, out_channels, num_layers, filters,
                   kernel_size, output_filters):
    del kernel_size
    dims = np.arange(channels)
    if channels < 2:
      raise ValueError(f'The made backbone models vectors of 2 or more '
                       f'dimensions, got {channels}.')
    previous = dims
    for i in range(num_layers):
      groups = np.arange(filters) % (channels - 1)
      setattr(self, f'trunk_{i}', masked_dense.MaskedDense(
          filters, masks.autoregressive_mask(previous, groups, 'B'),
          activation='relu', name=f'trunk_{i}'))
      previous = groups
    self.num_trunk = num_layers
    per_dim = max(1, output_filters // channels)
    head_groups = np.repeat(dims, per_dim)
    self.context = masked_dense.MaskedDense(
        len(head_groups), masks.autoregressive_mask(previous, head_groups,
                                                    'A'), name='context')
    own = lambda inputs, outputs: (  # B minus A: the same dimension only.
        masks.autoregressive_mask(inputs, outputs, 'B') -
        masks.autoregressive_mask(inputs, outputs, 'A'))
    if self.use_tau:
      size = backbone.TAU_COSINES if self.tau_embedding == 'cosine' else 1
      self.tau_in = masked_dense.MaskedDense(
          len(head_groups), own(np.repeat(dims, size), head_groups),
          use_bias=False, name='tau_in')
    if self.num_classes:
      self.label_embedding = keras.layers.Embedding(
          self.num_classes, len(head_groups), name='label_embedding')
    self.out = masked_dense.MaskedDense(
        out_channels, own(head_groups, np.repeat(dims, out_channels //
                                                 channels)), name='out')

  def call(self, images, tau=None, labels=None):
    """vectors [B, D] (tau [B, D], labels [B]) -> [B, out_channels]."""
    h = images
    for i in range(self.num_trunk):
      h = getattr(self, f'trunk_{i}')(h)
    head = self.context(h)
    if self.use_tau:
      head += self.tau_in(self.tau_features(tau))
    if self.num_classes:
      head += self.label_embedding(labels)
    return self.out(tf.nn.relu(head))
