"""Registries: a name -> a part (a class, or a value such as a data reader).

One generic `Registry` serves every kind of part the library lets a module
add: model kinds and backbones (models/registry.py,
models/backbones/backbone.py) and data readers (data/readers.py). Built-in
parts register when their module is
imported, which the registry does on its first look-up; modules outside the
package register the same way, and the binaries import them from
`--model_module` (a run's config.json remembers it).
"""

import importlib

import keras


class Registry:
  """Names -> classes of one kind of part, built-in ones imported lazily.

  Args:
    what: what it holds, for messages ('model', 'backbone', 'data reader').
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
    """Decorator: registers a part as `name` and returns it.

    A class gets `cls.kind = name` and is registered as Keras-serializable
    (package 'aiqn_tf'), so `model.save('m.keras')` and
    `keras.models.load_model` work; other values are kept as they are.
    """

    def decorator(cls):
      known = self._classes.get(name)
      if known is not None and known is not cls:
        raise ValueError(f'{self.what.capitalize()} {name!r} is already '
                         f'registered as {known.__module__}.'
                         f'{known.__name__}.')
      if self._check:
        self._check(cls)
      if isinstance(cls, type):
        cls.kind = name
        cls = keras.saving.register_keras_serializable(
            package='aiqn_tf', name=cls.__name__)(cls)
      self._classes[name] = cls
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
                  if getattr(cls, '__module__', None) in self.builtin_modules)

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


def import_modules(modules):
  """Imports modules that register parts (e.g. from --model_module).

  Raises:
    ValueError: naming a module that cannot be imported.
  """
  for module in modules:
    try:
      importlib.import_module(module)
    except ImportError as e:
      raise ValueError(f'Cannot import module {module!r}: {e}') from e
