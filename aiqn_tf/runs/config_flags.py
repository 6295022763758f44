"""absl flags derived from the configuration's fields, and the resume rule.

Every field declared with `core.config_fields.setting` in a configuration
section (config.SECTIONS) or in a registered model's `Config` becomes a flag of
the same name, with the field's help and, for a fixed set of strings, its
choices. Flags default to None, so a run's configuration comes from the preset
and only the flags given on the command line override it (`given`).

  from aiqn_tf.runs import config_flags
  config_flags.define(flags.FLAGS)            # in a binary, at import
  overrides = config_flags.given(flags.FLAGS)  # in main

Which of them a resumed run may change is `config.Config.resumable_fields`.
"""

from absl import flags

from aiqn_tf.core import config_fields
from aiqn_tf.models import registry
from aiqn_tf.runs import config as config_lib

# The flags `define` makes belong to the binary that calls it (its
# --helpshort lists them), not to this module.
flags.disclaim_key_flags()

_DEFINE = {bool: flags.DEFINE_bool, int: flags.DEFINE_integer,
           float: flags.DEFINE_float, str: flags.DEFINE_string}


def fields(model_names=None):
  """{name: dataclasses.Field} of every field with a flag, sections first.

  Args:
    model_names: the model kinds whose sections count (default: all
      registered).

  Raises:
    TypeError: if two sections declare one name with different types.
  """
  sections = list(config_lib.SECTIONS.values()) + [
      registry.get(name).Config for name in model_names or registry.names()]
  found = {}
  for section in sections:
    for field in config_fields.fields(section):
      if not config_fields.info(field)['flag']:
        continue
      if field.name in found and found[field.name].type is not field.type:
        raise TypeError(f'{field.name} is {found[field.name].type} in one '
                        f'section and {field.type} in {section.__name__}.')
      found.setdefault(field.name, field)
  return found


def define(flag_values, model_names=None):
  """Defines a flag per field (`fields`) on `flag_values`; returns the names."""
  defined = fields(model_names)
  for name, field in defined.items():
    meta = config_fields.info(field)
    help_text = meta['help']
    if meta['note']:
      help_text += f' ({meta["note"]})'
    if field.type is str and meta['choices']:
      flags.DEFINE_enum(name, None, list(meta['choices']), help_text,
                        flag_values=flag_values)
    else:
      _DEFINE[field.type](name, None, help_text, flag_values=flag_values)
  return list(defined)


def given(flag_values, names=None):
  """{field: value} of the field flags given explicitly on the command line."""
  names = fields() if names is None else names
  return {name: flag_values[name].value for name in names
          if name in flag_values and flag_values[name].present}
