"""A run's configuration, in sections: model, data, optimizer, loop, evaluation.

The model section is the registered model's own `Config` dataclass (see
models/base.py); the others are below. Each section checks its own fields when
made; `Config.validate` checks only the rules across sections, and builds the
model (unbuilt) so that its constructor checks the model section. Messages
name the field; the binaries map fields to their flags (same names).

A run's resolved configuration is written to `<model_dir>/config.json`, so the
sample, evaluate and export binaries need only the model directory. Files of
the first releases (flat keys) are read into sections.
"""

import dataclasses
import json
import os

from absl import logging

from aiqn_tf.data import datasets
from aiqn_tf.models import registry

OPTIMIZERS = ('adam', 'rmsprop')
LR_SCHEDULES = ('constant', 'paper')
CLASSIFIERS = ('inception', 'dataset', 'digits', 'none')
STRATEGIES = ('auto', 'mirrored', 'multi_worker', 'one_device')
CONFIG_FILE = 'config.json'


def _choice(name, value, allowed):
  if value not in allowed:
    raise ValueError(f'{name} must be one of {", ".join(allowed)}; got '
                     f'{value!r}.')


def _at_least(section, names, low):
  for name in names:
    if getattr(section, name) < low:
      raise ValueError(f'{name} must be >= {low}, got '
                       f'{getattr(section, name)}.')


@dataclasses.dataclass
class DataConfig:
  """Which images, at which size, shuffled how (see data/datasets.py).

  `dataset` is a bundled or tfds name, 'folder:PATH', 'tfds:NAME[/CONFIG]'
  or 'array:FILE'. `resolved` is the DatasetSpec once resolved (by
  `resolve`, at the start of a run), kept in config.json so that later
  tools need neither the data's options nor a new scan of a folder.
  """
  dataset: str = 'cifar10'
  image_size: int = 0  # Images resized to this square size (0: as stored).
  channels: int = 0  # 1 or 3 (0: as stored).
  test_fraction: float = 0.1  # Folders and arrays: share held out, by hash.
  image_key: str = ''  # tfds: the image feature, when there are several.
  label_key: str = ''  # tfds: the label feature, when ambiguous.
  test_split: str = ''  # tfds: the split serving as test, if not 'test'.
  shuffle_buffer: int = 10_000
  resolved: dict = None

  def __post_init__(self):
    if self.image_size < 0 or self.image_size == 1:
      raise ValueError(f'image_size must be >= 2 (0: as stored), got '
                       f'{self.image_size}.')
    if self.channels not in (0, 1, 3):
      raise ValueError(f'channels must be 0 (as stored), 1 or 3, got '
                       f'{self.channels}.')
    if not 0 <= self.test_fraction < 1:
      raise ValueError(f'test_fraction must be in [0, 1), got '
                       f'{self.test_fraction}.')
    _at_least(self, ('shuffle_buffer',), 1)

  def resolve(self, data_dir=None, download=False, raw_dir=None):
    """A copy with `resolved` set (datasets.resolve: checks the data now).

    Raises:
      datasets.DatasetError, datasets.DatasetNotPreparedError: with what to
        do.
    """
    spec = datasets.resolve(
        self.dataset, image_size=self.image_size, channels=self.channels,
        test_fraction=self.test_fraction, image_key=self.image_key or None,
        label_key=self.label_key or None, test_split=self.test_split or None,
        data_dir=data_dir, download=download, raw_dir=raw_dir)
    return dataclasses.replace(self, resolved=spec.to_dict())

  def spec(self):
    """The DatasetSpec: the resolved one, else the named set's (no I/O)."""
    if self.resolved:
      return datasets.DatasetSpec.from_dict(self.resolved)
    if self.dataset in datasets.SPECS:
      spec = datasets.get_spec(self.dataset)
      height, _, channels = spec.image_shape
      size = self.image_size or height
      return dataclasses.replace(
          spec, image_shape=(size, size, self.channels or channels),
          image_size=self.image_size, channels=self.channels)
    return self.resolve().spec()


@dataclasses.dataclass
class OptimizerConfig:
  """The optimizer, its learning-rate schedule and the Polyak average."""
  optimizer: str = 'adam'
  learning_rate: float = 1e-4
  adam_beta1: float = 0.9
  lr_schedule: str = 'constant'
  ema_decay: float = 0.9999

  def __post_init__(self):
    _choice('optimizer', self.optimizer, OPTIMIZERS)
    _choice('lr_schedule', self.lr_schedule, LR_SCHEDULES)
    if not self.learning_rate > 0:
      raise ValueError(f'learning_rate must be > 0, got {self.learning_rate}.')
    if not 0 < self.adam_beta1 < 1:
      raise ValueError(f'adam_beta1 must be in (0, 1), got {self.adam_beta1}.')
    if not 0 <= self.ema_decay < 1:
      raise ValueError(f'ema_decay must be in [0, 1), got {self.ema_decay}.')


@dataclasses.dataclass
class LoopConfig:
  """How long, how big, and what the loop writes how often."""
  train_steps: int = 300_000
  batch_size: int = 32  # Global, over all replicas.
  seed: int = 0
  checkpoint_every: int = 1000
  summary_every: int = 100
  sample_every: int = 5000  # 0: never.
  num_samples: int = 16  # Images in each TensorBoard sample grid.
  skip_nonfinite: bool = False  # Skip NaN/Inf batches instead of stopping.

  def __post_init__(self):
    _at_least(self, ('train_steps', 'batch_size', 'checkpoint_every',
                     'summary_every', 'num_samples'), 1)
    _at_least(self, ('sample_every',), 0)


@dataclasses.dataclass
class EvalConfig:
  """Evaluations during training (eval_every > 0), see evaluation/evaluate.py."""
  eval_every: int = 0  # Steps between evaluations (0: never).
  eval_num_samples: int = 1000
  eval_classifier: str = 'inception'
  eval_classifier_path: str = ''

  def __post_init__(self):
    _at_least(self, ('eval_every',), 0)
    _choice('eval_classifier', self.eval_classifier, CLASSIFIERS)
    _at_least(self, ('eval_num_samples',), 2)


SECTIONS = {'data': DataConfig, 'optimizer': OptimizerConfig,
            'loop': LoopConfig, 'evaluation': EvalConfig}


def section_fields(model_name):
  """{field: section} of every field, for the model `model_name`."""
  fields = {f.name: 'model' for f in dataclasses.fields(
      registry.get(model_name).Config)}
  for section, cls in SECTIONS.items():
    fields.update({f.name: section for f in dataclasses.fields(cls)})
  return fields


@dataclasses.dataclass
class Config:
  """Everything that defines a training run.

  Attributes:
    model_name: a registered model kind (models/registry.py).
    model: that model's `Config` dataclass (its hyperparameters).
    data, optimizer, loop, evaluation: the sections above.
    model_module: the module registering model_name if it is not built in
      (imported by every binary that reads the run).
    preset: the preset the run started from, if any (for the record).
  """
  model_name: str = 'pixel_iqn'
  model: object = None
  data: DataConfig = dataclasses.field(default_factory=DataConfig)
  optimizer: OptimizerConfig = dataclasses.field(
      default_factory=OptimizerConfig)
  loop: LoopConfig = dataclasses.field(default_factory=LoopConfig)
  evaluation: EvalConfig = dataclasses.field(default_factory=EvalConfig)
  model_module: str = ''
  preset: str = ''

  def __post_init__(self):
    if self.model is None:
      self.model = registry.get(self.model_name).Config()

  @property
  def model_class(self):
    return registry.get(self.model_name)

  @property
  def image_shape(self):
    """(H, W, C) of the data as the model sees it."""
    return tuple(self.data.spec().image_shape)

  @property
  def num_classes(self):
    """Classes the model is conditioned on (None: unconditional)."""
    if not getattr(self.model, 'class_conditional', False):
      return None
    return self.data.spec().num_classes

  def replace(self, **fields):
    """A copy with fields (by name, from any section) replaced, checked."""
    sections = section_fields(self.model_name)
    changes = {}
    for name, value in fields.items():
      if name not in sections:
        raise ValueError(not_a_field_message(name, self.model_name))
      changes.setdefault(sections[name], {})[name] = value
    if set(changes.get('data', ())) - {'shuffle_buffer', 'resolved'}:
      changes['data']['resolved'] = None  # Another dataset or options.
    replaced = {section: dataclasses.replace(getattr(self, section), **values)
                for section, values in changes.items()}
    return dataclasses.replace(self, **replaced)

  def validate(self):
    """Checks the rules across sections; returns self. ValueError otherwise."""
    spec = self.data.spec()
    if getattr(self.model, 'class_conditional', False) and (
        spec.num_classes is None):
      raise ValueError(f'{self.data.dataset} has no class labels; drop '
                       'class_conditional.')
    if (self.evaluation.eval_every and
        self.evaluation.eval_classifier == 'inception' and
        not self.evaluation.eval_classifier_path):
      raise ValueError('eval_every with the inception classifier needs '
                       'eval_classifier_path (a local copy of TF-Hub\'s '
                       'tfgan/eval/inception/1).')
    self.make_model()  # Its constructor checks the model section.
    return self

  def make_model(self):
    """The model of this configuration, unbuilt."""
    return self.model_class.from_section(self.model, self.image_shape,
                                         self.num_classes)

  def to_dict(self):
    return {
        'model': dict(name=self.model_name, module=self.model_module,
                      **dataclasses.asdict(self.model)),
        **{section: dataclasses.asdict(getattr(self, section))
           for section in SECTIONS},
        'preset': self.preset,
    }

  @classmethod
  def from_dict(cls, values):
    """The inverse of to_dict; also reads the first releases' flat files."""
    if not isinstance(values.get('model'), dict):
      return cls._from_flat(values)
    model = dict(values['model'])
    name, module = model.pop('name'), model.pop('module', '')
    if module:
      registry.import_modules(module.split(','))
    return cls(model_name=name, model=registry.get(name).Config(**model),
               model_module=module, preset=values.get('preset', ''),
               **{section: SECTIONS[section](**values[section])
                  for section in SECTIONS if section in values})

  @classmethod
  def _from_flat(cls, values):
    name = values.get('model', 'pixel_iqn')
    sections = section_fields(name)
    config = cls(model_name=name)
    known = {k: v for k, v in values.items() if k in sections}
    logging.info('Reading a flat config.json (first releases) into sections; '
                 'ignored as not used by %s: %s', name,
                 sorted(set(values) - set(known) - {'model'}))
    return config.replace(**known)

  def save(self, model_dir):
    os.makedirs(model_dir, exist_ok=True)
    with open(os.path.join(model_dir, CONFIG_FILE), 'w') as f:
      json.dump(self.to_dict(), f, indent=2, sort_keys=True)

  @classmethod
  def load(cls, model_dir):
    """Reads `<model_dir>/config.json`; FileNotFoundError if it is missing."""
    path = os.path.join(model_dir, CONFIG_FILE)
    if not os.path.exists(path):
      raise FileNotFoundError(f'No {CONFIG_FILE} in {model_dir}: is it the '
                              'model directory of a training run?')
    with open(path) as f:
      return cls.from_dict(json.load(f))


def not_a_field_message(name, model_name):
  """Why `name` cannot be set for `model_name`, and what can."""
  model_fields = [f.name for f in dataclasses.fields(
      registry.get(model_name).Config)]
  if name == 'class_conditional':
    return f'{model_name} is not class-conditional; drop class_conditional.'
  return (f'{name} is not a setting of {model_name}; its model settings are '
          f'{", ".join(model_fields) or "none"}.')
