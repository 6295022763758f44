"""aiqn_tf: Autoregressive Implicit Quantile Networks (Ostrovski et al., 2018) in Keras.

The library is layered, one folder a layer (docs/concepts/models.md, "Layout"):

  core        image scaling and picture grids
  models      layers, the model protocol and registry, losses, sampler core
  data        datasets and the input pipeline
  evaluation  classifiers, FID / Inception score, results files
  runs        run configuration (sections, presets) and run directories
  training    the trainer loop, optimizers, Polyak averaging, tf.distribute
  serving     SavedModel export

The public names below are loaded on first use, so importing one layer (e.g.
`aiqn_tf.data`) does not import the others.
"""

import importlib

from aiqn_tf.core import compat

__version__ = '0.4.0'

_NAMES = {
    # Classes.
    'PixelIQN': 'aiqn_tf.models.heads.pixel_iqn',
    'PixelCNN': 'aiqn_tf.models.heads.pixel_cnn',
    'PixelCNNPP': 'aiqn_tf.models.heads.pixel_cnn_pp',
    'AIQNVAE': 'aiqn_tf.models.latent.aiqn_vae',
    'LatentAIQN': 'aiqn_tf.models.latent.latent_aiqn',
    'ConvVAE': 'aiqn_tf.models.latent.vae',
}
# Modules, at the names the first releases had (`aiqn_tf.losses`, ...).
_MODULES = compat.TOP_LEVEL

__all__ = sorted(_NAMES) + sorted(_MODULES)


def __getattr__(name):
  if name in _NAMES:
    return getattr(importlib.import_module(_NAMES[name]), name)
  if name in _MODULES:
    return importlib.import_module(_MODULES[name])
  raise AttributeError(f'module {__name__!r} has no attribute {name!r}')
