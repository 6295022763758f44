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

from aiqn_tf.core import config_fields
from aiqn_tf.data import datasets
from aiqn_tf.models.backbones import backbone as backbone_lib
from aiqn_tf.models import registry

OPTIMIZERS = ('adam', 'rmsprop')
LR_SCHEDULES = ('constant', 'paper')
CLASSIFIERS = ('inception', 'dataset', 'digits', 'none')
STRATEGIES = ('auto', 'mirrored', 'multi_worker', 'one_device')
CONFIG_FILE = 'config.json'

_setting = config_fields.setting


@dataclasses.dataclass
class DataConfig:
  """Which images, at which size, shuffled how (see data/datasets.py).

  `dataset` is a bundled or tfds name, 'folder:PATH', 'tfds:NAME[/CONFIG]'
  or 'array:FILE'. `resolved` is the DatasetSpec once resolved (by
  `resolve`, at the start of a run), kept in config.json so that later
  tools need neither the data's options nor a new scan of a folder.
  """
  dataset: str = _setting(
      'cifar10', 'Dataset: a bundled one (digits, mnist, photos, faces; '
      'spoken_digits: sound; co2: a time series), a tfds one (cifar10, '
      'imagenet32, celeba), or your own: folder:PATH (image files; '
      'sub-folders are classes), tfds:NAME[/CONFIG], array:FILE.npz|.npy, '
      'wav:PATH (16-bit WAV files; sub-folders are classes).')
  image_size: int = _setting(
      0, 'Resize images to this square size (0: as stored; the VAE takes 8, '
      '16, 32 or 64).', note='0 or >= 2')
  channels: int = _setting(
      0, 'Convert images to 1 (grey) or 3 (RGB) channels (0: as stored).',
      choices=(0, 1, 3))
  test_fraction: float = _setting(
      0.1, 'folder: / array: / wav: share of the files (array rows) held '
      'out for the test split (by a hash of the file path or index).',
      minimum=0, below=1)
  image_key: str = _setting(
      '', 'tfds: the image feature to read, when the dataset has several.')
  label_key: str = _setting('', 'tfds: the label feature, when ambiguous.')
  test_split: str = _setting(
      '', 'tfds: the split to test on, when there is no "test" split.')
  sample_rate: int = _setting(
      0, 'wav: resample the files to this rate, in Hz (0: their own, when '
      'they share one).', minimum=0)
  values: str = _setting(
      '', 'Code the data\'s values as: "" (as stored) or mu_law (16-bit '
      'sound as WaveNet\'s 256 mu-law codes, for heads of 256 levels).',
      choices=('', 'mu_law'))
  clip_length: int = _setting(
      0, 'wav: samples per clip at that rate; a file gives consecutive '
      'clips, the last padded with silence (0: a file a clip, all of one '
      'length).', minimum=0)
  shuffle_buffer: int = _setting(
      10_000, 'Images in the shuffle buffer of the input pipeline.',
      minimum=1, flag=False)
  resolved: dict = None

  def __post_init__(self):
    config_fields.check(self)
    if self.image_size < 0 or self.image_size == 1:
      raise ValueError(f'image_size must be >= 2 (0: as stored), got '
                       f'{self.image_size}.')

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
        data_dir=data_dir, download=download, raw_dir=raw_dir,
        sample_rate=self.sample_rate, clip_length=self.clip_length,
        values=self.values)
    return dataclasses.replace(self, resolved=spec.to_dict())

  def spec(self):
    """The DatasetSpec: the resolved one, else the named set's (no I/O)."""
    if self.resolved:
      return datasets.DatasetSpec.from_dict(self.resolved)
    if self.dataset in datasets.SPECS:
      spec = datasets.get_spec(self.dataset)
      if spec.space != 'images':  # Its options are checked by resolve.
        return self.resolve().spec()
      height, _, channels = spec.image_shape
      size = self.image_size or height
      return dataclasses.replace(
          spec, image_shape=(size, size, self.channels or channels),
          image_size=self.image_size, channels=self.channels)
    return self.resolve().spec()


@dataclasses.dataclass
class OptimizerConfig:
  """The optimizer, its learning-rate schedule and the Polyak average."""
  optimizer: str = _setting('adam', 'Optimizer.', choices=OPTIMIZERS)
  learning_rate: float = _setting(1e-4, 'Learning rate.', above=0)
  adam_beta1: float = _setting(0.9, 'Adam\'s beta_1.', minimum=0, below=1)
  adam_beta2: float = _setting(
      0.999, 'Adam\'s beta_2 (WGAN-GP: 0.9).', above=0, below=1)
  lr_schedule: str = _setting(
      'constant', 'constant, or the paper\'s piecewise PixelCNN schedule '
      '(1e-4, 3e-5 from 120K steps, 1e-5 from 180K).', choices=LR_SCHEDULES)
  ema_decay: float = _setting(0.9999, 'Polyak averaging decay.', minimum=0,
                             below=1)

  def __post_init__(self):
    config_fields.check(self)


@dataclasses.dataclass
class LoopConfig:
  """How long, how big, and what the loop writes how often."""
  train_steps: int = _setting(300_000, 'Total optimizer steps.', minimum=1,
                             resumable=True)
  batch_size: int = _setting(32, 'Global batch size (all replicas).',
                            minimum=1)
  seed: int = _setting(0, 'Random seed.')
  checkpoint_every: int = _setting(1000, 'Steps between checkpoints.',
                                  minimum=1, resumable=True)
  summary_every: int = _setting(100, 'Steps between summaries.', minimum=1,
                               resumable=True)
  sample_every: int = _setting(5000, 'Steps between sample grids (0: never).',
                              minimum=0, resumable=True)
  num_samples: int = _setting(16, 'Images per sample grid.', minimum=1,
                             resumable=True)
  skip_nonfinite: bool = _setting(
      False, 'Skip a batch whose loss or gradient is NaN/Inf, counted in the '
      'log and TensorBoard as skipped_batches, instead of stopping.',
      resumable=True)

  def __post_init__(self):
    config_fields.check(self)


@dataclasses.dataclass
class EvalConfig:
  """Evaluations during training (eval_every > 0), see evaluation/evaluate.py."""
  eval_every: int = _setting(
      0, 'Steps between FID / Inception score evaluations with the averaged '
      'weights (0: never).', minimum=0, resumable=True)
  eval_num_samples: int = _setting(1000, 'Samples per evaluation.', minimum=2,
                                  resumable=True)
  eval_classifier: str = _setting(
      'inception', 'Classifier for evaluations during training.',
      choices=CLASSIFIERS, resumable=True)
  eval_classifier_path: str = _setting(
      '', 'The classifier\'s SavedModel (inception: a local '
      'tfgan/eval/inception/1).', resumable=True)
  eval_likelihood_images: int = _setting(
      300, 'Test and training images whose likelihood an evaluation '
      'estimates, for models that estimate it (PixelIQN; the likelihood '
      'heads\' bits/dim come with their loss); 0: none.', minimum=0,
      resumable=True)
  eval_critic_steps: int = _setting(
      500, 'Updates of the independent Wasserstein critic between test '
      'images and samples (Rosca et al. 2018); 0: none.', minimum=0,
      resumable=True)

  def __post_init__(self):
    config_fields.check(self)


SECTIONS = {'data': DataConfig, 'optimizer': OptimizerConfig,
            'loop': LoopConfig, 'evaluation': EvalConfig}


def backbone_class(model_section):
  """The backbone layer class a model section names, or None (no backbone)."""
  name = getattr(model_section, 'backbone', None)
  return None if name is None else backbone_lib.REGISTRY.get(name)


def section_fields(model_name, backbone_name=None):
  """{field: section} of every field, for the model `model_name`.

  The backbone's own fields (section 'backbone') are included for a model
  with a backbone: `backbone_name`'s, or the model's default backbone's. A
  name that both the model and its backbone declare maps to 'model|backbone'
  (`Config.replace` then asks for the section).
  """
  model_config = registry.get(model_name).Config
  fields = {f.name: 'model' for f in dataclasses.fields(model_config)}
  if backbone_name is None:
    backbone_name = getattr(model_config(), 'backbone', None)
  if backbone_name is not None:
    for f in dataclasses.fields(backbone_lib.REGISTRY.get(backbone_name).Config):
      fields[f.name] = ('model|backbone' if fields.get(f.name) == 'model'
                        else 'backbone')
  for section, cls in SECTIONS.items():
    fields.update({f.name: section for f in dataclasses.fields(cls)})
  return fields


@dataclasses.dataclass
class Config:
  """Everything that defines a training run.

  Attributes:
    model_name: a registered model kind (models/registry.py).
    model: that model's `Config` dataclass (its hyperparameters).
    backbone: for a model with a backbone (a `backbone` field: the pixel
      models), that backbone's `Config` dataclass (backbone.py), else None.
    data, optimizer, loop, evaluation: the sections above.
    model_module: the module registering model_name if it is not built in
      (imported by every binary that reads the run).
    preset: the preset the run started from, if any (for the record).
  """
  model_name: str = 'pixel_iqn'
  model: object = None
  backbone: object = None
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
    layer = backbone_class(self.model)
    if self.backbone is None and layer is not None:
      self.backbone = layer.Config()

  @property
  def model_class(self):
    return registry.get(self.model_name)

  @property
  def image_shape(self):
    """The event shape of the data as the model sees it ((H, W, C) of
    images)."""
    return tuple(self.data.spec().image_shape)

  @property
  def space(self):
    """The data's event space (core/events.py)."""
    return self.data.spec().event_space

  @property
  def num_classes(self):
    """Classes the model is conditioned on (None: unconditional)."""
    if not getattr(self.model, 'class_conditional', False):
      return None
    return self.data.spec().num_classes

  def resumable_fields(self):
    """The fields a resumed run may change (how long, how often it logs)."""
    sections = [self.model] + [getattr(self, s) for s in SECTIONS]
    if self.backbone is not None:
      sections.append(self.backbone)
    return {field.name for section in sections
            for field in config_fields.fields(section)
            if config_fields.info(field)['resumable']}

  def replace(self, **fields):
    """A copy with fields replaced, checked.

    A field is named alone (from any section) or as 'SECTION.NAME' (model,
    backbone, data, ...), which a name both the model and its backbone
    declare needs. Choosing another backbone gives its section its defaults,
    then the backbone fields given here.
    """
    backbone_name = fields.get('backbone', fields.get(
        'model.backbone', getattr(self.model, 'backbone', None)))
    sections = section_fields(self.model_name, backbone_name)
    changes = {}
    for name, value in fields.items():
      section, field = self._section_of(name, backbone_name, sections)
      changes.setdefault(section, {})[field] = value
    if set(changes.get('data', ())) - {'shuffle_buffer', 'resolved'}:
      changes['data']['resolved'] = None  # Another dataset or options.
    backbone_changes = changes.pop('backbone', {})
    replaced = {section: dataclasses.replace(getattr(self, section), **values)
                for section, values in changes.items()}
    if backbone_name != getattr(self.model, 'backbone', None):
      replaced['backbone'] = backbone_class(replaced['model']).Config(
          **backbone_changes)
    elif backbone_changes:
      replaced['backbone'] = dataclasses.replace(self.backbone,
                                                 **backbone_changes)
    return dataclasses.replace(self, **replaced)

  def _section_of(self, name, backbone_name, sections):
    """(section, field) of a field named alone or as 'SECTION.NAME';
    sections: `section_fields` of the model and that backbone.

    Raises:
      ValueError: for a name of no section, or one both the model and its
        backbone declare given alone.
    """
    section, _, field = name.rpartition('.')
    if not section:
      section = sections.get(name)
      if section == 'model|backbone':
        raise ValueError(
            f'{name} is a setting of both {self.model_name} and the '
            f'{backbone_name} backbone: name one ({self.model_name}.{name} '
            f'or {backbone_name}.{name}).')
    elif sections.get(field) not in (section, 'model|backbone'):
      section = None
    if section is None:
      raise ValueError(not_a_field_message(name, self.model_name,
                                           backbone_name))
    return section, field

  def value(self, name):
    """The value of a field named alone or as 'SECTION.NAME' (`replace`)."""
    backbone_name = getattr(self.model, 'backbone', None)
    section, field = self._section_of(
        name, backbone_name, section_fields(self.model_name, backbone_name))
    return getattr(getattr(self, section), field)

  def validate(self):
    """Checks the rules across sections; returns self. ValueError otherwise."""
    spec = self.data.spec()
    if getattr(self.model, 'class_conditional', False) and (
        spec.num_classes is None):
      raise ValueError(f'{self.data.dataset} has no class labels; drop '
                       'class_conditional.')
    if self.evaluation.eval_every and spec.space != 'images':
      raise ValueError(f'eval_every evaluates images (FID, classifier '
                       f'scores); {self.data.dataset} holds '
                       f'{spec.event_space.describe()}: leave it 0.')
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
    config_fields.check(self.model)  # Constructors check what ranges can't.
    # 8-bit images keep the first releases' call, which plugin models
    # written before event spaces implement.
    space = self.space
    extra = {} if space.is_8bit_images else dict(space=space)
    if self.backbone is None:
      return self.model_class.from_section(self.model, self.image_shape,
                                           self.num_classes, **extra)
    config_fields.check(self.backbone)
    return self.model_class.from_section(self.model, self.image_shape,
                                         self.num_classes,
                                         backbone_section=self.backbone,
                                         **extra)

  def to_dict(self):
    values = {
        'model': dict(name=self.model_name, module=self.model_module,
                      **dataclasses.asdict(self.model)),
        **{section: dataclasses.asdict(getattr(self, section))
           for section in SECTIONS},
        'preset': self.preset,
    }
    if self.backbone is not None:
      values['backbone'] = dataclasses.asdict(self.backbone)
    return values

  @classmethod
  def from_dict(cls, values):
    """The inverse of to_dict; also reads the first releases' flat files."""
    if not isinstance(values.get('model'), dict):
      return cls._from_flat(values)
    model = dict(values['model'])
    name, module = model.pop('name'), model.pop('module', '')
    if module:
      registry.import_modules(module.split(','))
    # 0.3.0's files keep the snail backbone's attention_every in the model
    # section (read into the backbone section until 1.0.0, CHANGELOG).
    moved = {key: model.pop(key) for key in ('attention_every',)
             if key in model}
    model_section = registry.get(name).Config(**model)
    backbone, layer = None, backbone_class(model_section)
    if layer is not None:
      backbone = dict(values.get('backbone') or {})
      for key, value in moved.items():
        if key in {f.name for f in dataclasses.fields(layer.Config)}:
          backbone.setdefault(key, value)
      backbone = layer.Config(**backbone)
    return cls(model_name=name, model=model_section, backbone=backbone,
               model_module=module, preset=values.get('preset', ''),
               **{section: SECTIONS[section](**values[section])
                  for section in SECTIONS if section in values})

  @classmethod
  def _from_flat(cls, values):
    name = values.get('model', 'pixel_iqn')
    sections = section_fields(name, values.get('backbone'))
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


def not_a_field_message(name, model_name, backbone_name=None):
  """Why `name` cannot be set for `model_name`, and what can."""
  model_config = registry.get(model_name).Config
  model_fields = [f.name for f in dataclasses.fields(model_config)]
  if name == 'class_conditional':
    return f'{model_name} is not class-conditional; drop class_conditional.'
  message = (f'{name} is not a setting of {model_name}; its model settings '
             f'are {", ".join(model_fields) or "none"}')
  backbone_name = backbone_name or getattr(model_config(), 'backbone', None)
  if backbone_name is not None:
    backbone_fields = [f.name for f in dataclasses.fields(
        backbone_lib.REGISTRY.get(backbone_name).Config)]
    message += (f', its {backbone_name} backbone\'s '
                f'{", ".join(backbone_fields) or "none"}')
  return message + '.'

