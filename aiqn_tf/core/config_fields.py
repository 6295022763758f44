"""Configuration fields that carry their help, their range and their resume rule.

Every configuration section (a run's data, optimizer, loop and evaluation
sections in runs/config.py, and each model's `Config` in models/) declares its
fields with `setting`, so one line says everything about a field:

  learning_rate: float = setting(1e-4, 'Learning rate.', above=0)

From that line follow the field's check (`check`, called by each run
section's __post_init__ and, for the model's section, by Config.make_model: a
ValueError naming the field), the train binary's flag of the same name with
the help (runs/config_flags.py), the row of the generated reference
(docs/reference/configuration.md) and whether a resumed run may change it
(`resumable`). Ranges the metadata cannot state (an odd kernel size, the
VAE's image sizes) are checked by the model's constructor; `note` says them
in the reference.
"""

import dataclasses

_KEY = 'aiqn_tf'


def setting(default, help, *, choices=None, minimum=None, maximum=None,
            above=None, below=None, note='', resumable=False, flag=True):
  """A dataclass field with its documentation and checks.

  Args:
    default: the default value (a plain value: int, float, str, bool).
    help: one sentence for the flag's help and the reference.
    choices: the allowed values, if a fixed set.
    minimum, maximum: inclusive bounds.
    above, below: exclusive bounds.
    note: a range the constructor checks that the bounds cannot state.
    resumable: a resumed run may change it (how long, how often it logs).
    flag: the train binary has a flag of the same name.

  Returns:
    a dataclasses.field.
  """
  return dataclasses.field(default=default, metadata={_KEY: dict(
      help=help, choices=tuple(choices) if choices else None,
      minimum=minimum, maximum=maximum, above=above, below=below, note=note,
      resumable=resumable, flag=flag)})


def info(field):
  """The metadata `setting` gave a dataclasses.Field, or None."""
  return field.metadata.get(_KEY)


def fields(section):
  """The fields of a section (class or instance) declared with `setting`."""
  return [f for f in dataclasses.fields(section) if info(f) is not None]


def range_text(field):
  """The allowed values in words: 'one of a, b', '>= 1', '(0, 1)', ''."""
  meta = info(field)
  if meta['choices']:
    return 'one of ' + ', '.join(map(str, meta['choices']))
  low = (f'[{meta["minimum"]:g}' if meta['minimum'] is not None else
         f'({meta["above"]:g}' if meta['above'] is not None else None)
  high = (f'{meta["maximum"]:g}]' if meta['maximum'] is not None else
          f'{meta["below"]:g})' if meta['below'] is not None else None)
  if low and high:
    text = f'{low}, {high}'
  elif low:
    text = ('>= ' if low[0] == '[' else '> ') + low[1:]
  elif high:
    text = ('<= ' if high[-1] == ']' else '< ') + high[:-1]
  else:
    text = ''
  return '; '.join(t for t in (text, meta['note']) if t)


def check(section):
  """Raises ValueError naming the first field of `section` out of its range."""
  for field in fields(section):
    meta, value = info(field), getattr(section, field.name)
    if meta['choices'] and value not in meta['choices']:
      raise ValueError(f'{field.name} must be one of '
                       f'{", ".join(map(str, meta["choices"]))}; got '
                       f'{value!r}.')
    bad = ((meta['minimum'] is not None and not value >= meta['minimum']) or
           (meta['maximum'] is not None and not value <= meta['maximum']) or
           (meta['above'] is not None and not value > meta['above']) or
           (meta['below'] is not None and not value < meta['below']))
    if bad:
      text = range_text(field)
      raise ValueError(f'{field.name} must be {"in " if text[0] in "[(" else ""}'
                       f'{text}, got {value!r}.')
