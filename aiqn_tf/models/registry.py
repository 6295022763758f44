"""Registries: a name -> a class, for model kinds and for backbones.

A new model is one module whose class is decorated with `@register('name')`;
the trainer, the samplers, evaluation, export and the binaries reach it only
through the protocol in `base`. A new backbone of the pixel models is one
module whose layer is decorated with `@backbone.register('name')`
(models/backbone.py states its contract). Modules outside this package
register the same way; the binaries import them from `--model_module` (and a
run's config.json remembers it).
"""

import importlib

import keras


class Registry:
  """Names -> classes of one kind of part, built-in ones imported lazily.

  Args:
    what: what it holds, for messages ('model', 'backbone').
    builtin_modules: modules that register the built-in parts, imported on
      the first look-up (they import the registry to register themselves).
    check: optional f(cls) run at registration; raises TypeError for a class
      that breaks the part's contract.
  """

  def __init__(self, what, builtin_modules, check=None):
    self.what = what
    self.builtin_modules = tuple(builtin_modules)
    self._check = check
    self._classes = {}

  def register(self, name):
    """Class decorator: registers the class as `name`, sets `cls.kind`.

    Also registers the class as Keras-serializable (package 'aiqn_tf'), so
    `model.save('m.keras')` and `keras.models.load_model` work.
    """

    def decorator(cls):
      known = self._classes.get(name)
      if known is not None and known is not cls:
        raise ValueError(f'{self.what.capitalize()} {name!r} is already '
                         f'registered as {known.__module__}.'
                         f'{known.__name__}.')
      if self._check:
        self._check(cls)
      cls.kind = name
      self._classes[name] = keras.saving.register_keras_serializable(
          package='aiqn_tf', name=cls.__name__)(cls)
      return cls

    return decorator

  def _load_builtin(self):
    for module in self.builtin_modules:
      importlib.import_module(module)

  def names(self):
    """The registered names, sorted."""
    self._load_builtin()
    return sorted(self._classes)

  def builtin_names(self):
    """The names this package registers itself, sorted (not plugins')."""
    self._load_builtin()
    return sorted(name for name, cls in self._classes.items()
                  if cls.__module__ in self.builtin_modules)

  def get(self, name):
    """The class registered as `name`.

    Raises:
      ValueError: listing the registered names.
    """
    self._load_builtin()
    if name not in self._classes:
      raise ValueError(f'Unknown {self.what} {name!r}; choose one of '
                       f'{", ".join(sorted(self._classes))} (or import the '
                       'module that registers it: --model_module).')
    return self._classes[name]


MODELS = Registry('model', (
    'aiqn_tf.models.pixel_iqn', 'aiqn_tf.models.pixel_cnn',
    'aiqn_tf.models.pixel_cnn_pp', 'aiqn_tf.models.aiqn_vae',
    'aiqn_tf.models.gan', 'aiqn_tf.models.adversarial_autoencoder'))
register = MODELS.register
names = MODELS.names
builtin_names = MODELS.builtin_names
get = MODELS.get


def import_modules(modules):
  """Imports modules that register parts (e.g. from --model_module).

  Raises:
    ValueError: naming a module that cannot be imported.
  """
  for module in modules:
    try:
      importlib.import_module(module)
    except ImportError as e:
      raise ValueError(f'Cannot import model module {module!r}: {e}') from e
