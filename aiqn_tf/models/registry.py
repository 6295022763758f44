"""The registry of model kinds: a name -> a `base.GenerativeModel` subclass.

A new model is one module whose class is decorated with `@register('name')`;
the trainer, the samplers, evaluation, export and the binaries reach it only
through the protocol in `base`. Models outside this package register the same
way; the binaries import their module from `--model_module` (and a run's
config.json remembers it).
"""

import importlib

import keras

# Modules of the built-in kinds, imported on first look-up (they import this
# module to register themselves).
_BUILTIN_MODULES = ('aiqn_tf.models.pixel_iqn', 'aiqn_tf.models.pixel_cnn',
                    'aiqn_tf.models.pixel_cnn_pp',
                    'aiqn_tf.models.aiqn_vae', 'aiqn_tf.models.gan',
                    'aiqn_tf.models.adversarial_autoencoder')
_REGISTRY = {}


def register(name):
  """Class decorator: registers a model kind under `name`.

  Also registers the class as Keras-serializable (package 'aiqn_tf'), so
  `model.save('m.keras')` and `keras.models.load_model` work.
  """

  def decorator(cls):
    if name in _REGISTRY and _REGISTRY[name] is not cls:
      raise ValueError(f'Model kind {name!r} is already registered as '
                       f'{_REGISTRY[name].__module__}.'
                       f'{_REGISTRY[name].__name__}.')
    cls.kind = name
    _REGISTRY[name] = keras.saving.register_keras_serializable(
        package='aiqn_tf', name=cls.__name__)(cls)
    return cls

  return decorator


def _load_builtin():
  for module in _BUILTIN_MODULES:
    importlib.import_module(module)


def import_modules(modules):
  """Imports modules that register model kinds (e.g. from --model_module).

  Raises:
    ValueError: naming a module that cannot be imported.
  """
  for module in modules:
    try:
      importlib.import_module(module)
    except ImportError as e:
      raise ValueError(f'Cannot import model module {module!r}: {e}') from e


def names():
  """The registered kinds, sorted."""
  _load_builtin()
  return sorted(_REGISTRY)


def builtin_names():
  """The kinds this package registers itself, sorted (not --model_module's)."""
  _load_builtin()
  return sorted(name for name, cls in _REGISTRY.items()
                if cls.__module__ in _BUILTIN_MODULES)


def get(name):
  """The model class registered as `name`.

  Raises:
    ValueError: listing the registered kinds.
  """
  _load_builtin()
  if name not in _REGISTRY:
    raise ValueError(f'Unknown model {name!r}; choose one of '
                     f'{", ".join(sorted(_REGISTRY))} (or import the module '
                     'that registers it).')
  return _REGISTRY[name]
