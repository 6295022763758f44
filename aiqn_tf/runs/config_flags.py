"""absl flags derived from the configuration's fields, and the resume rule.

Every field declared with `core.config_fields.setting` becomes a flag:

- a field of the data, optimizer, loop and evaluation sections
  (config.SECTIONS): `--NAME`, e.g. `--learning_rate`;
- a field of a registered model's `Config` or a registered backbone's:
  `--KIND.NAME`, with that section's own help, e.g. `--pixel_iqn.kappa`,
  `--alpha_gan.filters`, `--snail.attention_every`; a flag of a kind the run
  does not use is ignored with a warning;
- and, as before these sections had flags of their own, `--NAME` alone for
  every model or backbone field, which sets the run's model's (or its
  backbone's) field of that name; its help is the chosen model's (`chosen`
  reads `--model` and `--backbone` from the command line before the flags
  are defined). A name the model and its backbone both declare must be given
  with its section.

Flags default to None, so a run's configuration comes from the preset and
only the flags given on the command line override it (`given`). The chosen
model's and backbone's `--KIND.NAME` flags belong to the binary (its --help
lists them first); the other kinds' are listed by --helpfull.

  from aiqn_tf.runs import config_flags
  model, backbone = config_flags.chosen(sys.argv)
  config_flags.define(flags.FLAGS, model, backbone)  # in a binary, at import
  overrides = config_flags.given(flags.FLAGS)        # in main

Which of them a resumed run may change is `config.Config.resumable_fields`.
"""

from absl import flags

from aiqn_tf.core import config_fields
from aiqn_tf.models.backbones import backbone as backbone_lib
from aiqn_tf.models import registry
from aiqn_tf.runs import config as config_lib

# The flags `define` makes belong to the binary that calls it (its
# --helpshort lists them), not to this module.
flags.disclaim_key_flags()

DEFAULT_MODEL = 'pixel_iqn'
# The module name --helpfull lists the sections of kinds a run does not use
# under.
OTHER_SECTIONS = 'aiqn_tf.runs.config_flags (the sections of other kinds)'
_DEFINE = {bool: flags.DEFINE_bool, int: flags.DEFINE_integer,
           float: flags.DEFINE_float, str: flags.DEFINE_string}


def _argument(argv, name):
  """The value of --name=V or --name V in argv (the last one), else None."""
  value = None
  for i, arg in enumerate(argv):
    if arg.startswith(f'--{name}='):
      value = arg.split('=', 1)[1]
    elif arg == f'--{name}' and i + 1 < len(argv):
      value = argv[i + 1]
  return value


def chosen(argv):
  """(model kind, backbone or None) a command line asks for, defaults else.

  Imports --model_module's modules first, so their kinds count. Unknown
  kinds fall back to the defaults here: the binary's own check names them.
  """
  modules = _argument(argv, 'model_module')
  if modules:
    try:
      registry.import_modules(modules.split(','))
    except ValueError:
      pass  # The binary reports it with its usage.
  model = _argument(argv, 'model') or DEFAULT_MODEL
  try:
    default_backbone = getattr(registry.get(model).Config(), 'backbone', None)
  except ValueError:
    model, default_backbone = DEFAULT_MODEL, 'gated'
  backbone = _argument(argv, 'backbone') or default_backbone
  if backbone is not None and backbone not in backbone_lib.REGISTRY.names():
    backbone = default_backbone
  return model, backbone


def kind_sections():
  """[(kind, 'model' or 'backbone', Config)] of every registered kind."""
  return ([(name, 'model', registry.get(name).Config)
           for name in registry.names()] +
          [(name, 'backbone', backbone_lib.REGISTRY.get(name).Config)
           for name in backbone_lib.REGISTRY.names()])


def _flag_fields(section):
  return [field for field in config_fields.fields(section)
          if config_fields.info(field)['flag']]


def _help(field):
  meta = config_fields.info(field)
  return meta['help'] + (f' ({meta["note"]})' if meta['note'] else '')


def _define(flag_values, name, field, help_text, module_name=None):
  meta = config_fields.info(field)
  extra = {'module_name': module_name} if module_name else {}
  if field.type is str and meta['choices']:
    flags.DEFINE_enum(name, None, list(meta['choices']), help_text,
                      flag_values=flag_values, **extra)
  else:
    _DEFINE[field.type](name, None, help_text, flag_values=flag_values,
                        **extra)


def define(flag_values, model=DEFAULT_MODEL, backbone='gated'):
  """Defines every configuration flag on `flag_values`; returns their names.

  Args:
    flag_values: absl FlagValues.
    model, backbone: the kinds the command line chose (`chosen`): their
      sections' flags are the binary's own and give the flat flags' help.

  Raises:
    TypeError: if two kinds declare one name with different types.
  """
  names = []
  for section in config_lib.SECTIONS.values():
    for field in _flag_fields(section):
      _define(flag_values, field.name, field, _help(field))
      names.append(field.name)
  owners = {}  # Flat name -> [(kind, field)].
  for kind, role, section in kind_sections():
    ours = kind in (model, backbone)
    for field in _flag_fields(section):
      _define(flag_values, f'{kind}.{field.name}', field,
              f'{kind}: {_help(field)}',
              module_name=None if ours else OTHER_SECTIONS)
      names.append(f'{kind}.{field.name}')
      owners.setdefault(field.name, []).append((kind, role, field))
  for name, kinds in owners.items():
    types = {field.type for _, _, field in kinds}
    if len(types) > 1:
      raise TypeError(f'{name} is declared with the types {types} by '
                      f'{", ".join(kind for kind, _, _ in kinds)}.')
    if name in names:
      continue  # A shared section's field of the same name: that one.
    ours = [(kind, field) for kind, _, field in kinds
            if kind in (model, backbone)]
    if len(ours) == 1:
      kind, field = ours[0]
      help_text = f'{_help(field)} (--{kind}.{name} of --model={model}'
      if kind == backbone:
        help_text = f'{_help(field)} (--{kind}.{name} of --backbone={kind}'
      others = [k for k, _, _ in kinds if k != kind]
      help_text += (f'; other kinds: --KIND.{name}, KIND one of '
                    f'{", ".join(others)})' if others else ')')
    else:
      field = kinds[0][2]
      help_text = (f'The {name} of the run\'s model or backbone, where it has '
                   f'one: --KIND.{name}, KIND one of '
                   f'{", ".join(k for k, _, _ in kinds)}' +
                   (' (both the model and its backbone declare it: give '
                    'its section)' if ours else '') + '.')
    # A flat flag's choices are those of every kind's field of the name.
    _define(flag_values, name, field, help_text)
    names.append(name)
  return names


def given(flag_values, names):
  """{flag name: value} of the flags in `names` given on the command line."""
  return {name: flag_values[name].value for name in names
          if name in flag_values and flag_values[name].present}


def to_fields(overrides, model, backbone):
  """Flag values -> `Config.replace`'s names, and those ignored.

  `--KIND.NAME` becomes 'model.NAME' or 'backbone.NAME' where KIND is the
  run's model or backbone; other kinds' flags are returned as ignored.

  Returns:
    ({field name: value}, [ignored flag names]).
  """
  fields, ignored = {}, []
  for name, value in overrides.items():
    kind, _, field = name.rpartition('.')
    if not kind:
      fields[name] = value
    elif kind == model:
      fields[f'model.{field}'] = value
    elif kind == backbone:
      fields[f'backbone.{field}'] = value
    else:
      ignored.append(name)
  return fields, ignored
