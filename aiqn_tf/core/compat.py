"""Compatibility names, in one place: each old name, what it is now, and
the release that drops it (the table at the top of CHANGELOG.md).

- `TOP_LEVEL`: the first releases' module names at the package's top
  (`aiqn_tf.losses`, `aiqn_tf.pixel_iqn`, ...), served by
  `aiqn_tf.__getattr__`; short public names, kept.
- `NAMES`: names a module held that live in another now
  (`aiqn_tf.sampling.quantile_density`; `aiqn_tf.models.adversarial`, now a
  package, held `AdversarialModel`), served by that module's `__getattr__`
  (`names_moved_from`); kept.
- `MOVED`: the modules of `aiqn_tf/models/` before 0.4.0 split it by job
  (layers/, backbones/, heads/, latent/, adversarial/): `import
  aiqn_tf.models.pixel_iqn` and `from aiqn_tf.models import gan` give the
  moved module, with a DeprecationWarning, until `MOVED_DROPPED_IN`.

The configuration's own migrations (a flat config.json, the snail
backbone's `attention_every` in the model section) are read where the
configuration is (runs/config.py), and the flags' where the flags are
(runs/config_flags.py); both are in the same CHANGELOG table.
"""

import importlib
import importlib.abc
import importlib.util
import sys
import warnings

TOP_LEVEL = {
    'images': 'aiqn_tf.core.images',
    'grids': 'aiqn_tf.core.grids',
    'losses': 'aiqn_tf.models.losses',
    'sampling': 'aiqn_tf.models.sampling',
    'registry': 'aiqn_tf.models.registry',
    'vae': 'aiqn_tf.models.latent.vae',
    'latent_aiqn': 'aiqn_tf.models.latent.latent_aiqn',
    'aiqn_vae': 'aiqn_tf.models.latent.aiqn_vae',
    'pixel_iqn': 'aiqn_tf.models.heads.pixel_iqn',
    'pixel_cnn': 'aiqn_tf.models.heads.pixel_cnn',
    'pixel_cnn_pp': 'aiqn_tf.models.heads.pixel_cnn_pp',
}

_BY_JOB = {
    'layers': ('masked_conv', 'masks', 'slicing'),
    'backbones': ('backbone', 'gated_pixelcnn', 'snail'),
    'heads': ('pixel_model', 'pixel_iqn', 'pixel_cnn', 'pixel_cnn_pp',
              'likelihood', 'quantile_density'),
    'latent': ('vae', 'latent_aiqn', 'aiqn_vae'),
    'adversarial': ('adversarial', 'adversarial_losses', 'gan',
                    'adversarial_autoencoder', 'dcgan_networks'),
}
# The package adversarial/ took the name of the module adversarial.py, so
# that module's names are the package's (NAMES) rather than a moved module.
MOVED = {f'aiqn_tf.models.{name}': f'aiqn_tf.models.{job}.{name}'
         for job, names in _BY_JOB.items() for name in names if name != job}
MOVED_DROPPED_IN = '1.0.0'

# Names a module of the first releases held that live elsewhere now:
# module -> {name: the module that holds it}; kept (short public names).
NAMES = {
    'aiqn_tf.models.adversarial': {
        'AdversarialModel': 'aiqn_tf.models.adversarial.adversarial',
    },
    'aiqn_tf.models.sampling': {
        'density_summary': 'aiqn_tf.models.heads.quantile_density',
        'quantile_density': 'aiqn_tf.models.heads.quantile_density',
    },
    'aiqn_tf.models.latent.latent_aiqn': {
        'MaskedDense': 'aiqn_tf.models.layers.masked_dense',
    },
}


def names_moved_from(module):
  """A module `__getattr__` serving `NAMES[module]` (imported on first use,
  so the module does not import the one that holds them)."""

  def getattr_(name):
    if name in NAMES.get(module, {}):
      return getattr(importlib.import_module(NAMES[module][name]), name)
    raise AttributeError(f'module {module!r} has no attribute {name!r}')

  return getattr_


class _MovedModules(importlib.abc.MetaPathFinder, importlib.abc.Loader):
  """Imports a module's old name (MOVED) as the module itself."""

  def find_spec(self, fullname, path=None, target=None):
    del path, target
    if fullname in MOVED:
      return importlib.util.spec_from_loader(fullname, self)
    return None

  def create_module(self, spec):
    warnings.warn(f'{spec.name} is now {MOVED[spec.name]}; the old name is '
                  f'dropped in {MOVED_DROPPED_IN}.', DeprecationWarning,
                  stacklevel=2)
    module = importlib.import_module(MOVED[spec.name])
    self._spec = module.__spec__
    return module

  def exec_module(self, module):
    # The import system set the old name's spec on the module: give it back
    # its own.
    module.__spec__ = self._spec


def install():
  """Serves the MOVED names (once per process; aiqn_tf.models calls it)."""
  if not any(isinstance(f, _MovedModules) for f in sys.meta_path):
    sys.meta_path.append(_MovedModules())
