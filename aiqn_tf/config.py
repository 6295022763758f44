"""Training configurations: the paper's presets, validation, and the saved copy.

A run's resolved configuration is written to `<model_dir>/config.json`, so the
sample, evaluate and export binaries need only the model directory.
"""

import dataclasses
import json
import os

from aiqn_tf import datasets

PIXEL_MODELS = ('pixel_iqn', 'pixel_cnn')
LATENT_MODELS = ('aiqn_vae', 'vae')  # Sampled in a VAE's latent space.
MODELS = PIXEL_MODELS + LATENT_MODELS
VAE_IMAGE_SIZES = (8, 16, 32, 64)
OPTIMIZERS = ('adam', 'rmsprop')
LR_SCHEDULES = ('constant', 'paper')
STRATEGIES = ('auto', 'mirrored', 'multi_worker', 'one_device')
CONFIG_FILE = 'config.json'


@dataclasses.dataclass
class TrainConfig:
  """Everything that defines a training run (defaults: the paper's CIFAR-10 PixelIQN).

  The PixelIQN / PixelCNN fields (num_layers .. output_filters,
  class_conditional) and the AIQN-VAE ones (latent_dim .. prior_variance) are
  ignored by the other kind of model.
  """
  model: str = 'pixel_iqn'
  dataset: str = 'cifar10'
  image_size: int = 0  # Images resized to this square size (0: as stored).
  num_layers: int = 15
  filters: int = 128
  kernel_size: int = 5
  output_filters: int = 1024
  class_conditional: bool = False
  latent_dim: int = 32
  aiqn_layers: int = 3
  aiqn_units: int = 512
  head_units: int = 16
  kl_weight: float = 0.5
  prior_variance: float = 0.1  # The Gaussian prior's (latent) variance.
  train_steps: int = 300_000
  batch_size: int = 32  # Global, over all replicas.
  optimizer: str = 'adam'
  learning_rate: float = 1e-4
  adam_beta1: float = 0.9
  lr_schedule: str = 'constant'
  kappa: float = 0.002
  ema_decay: float = 0.9999
  seed: int = 0
  checkpoint_every: int = 1000
  summary_every: int = 100
  sample_every: int = 5000
  num_samples: int = 16  # Images in each TensorBoard sample grid.
  shuffle_buffer: int = 10_000
  eval_every: int = 0  # Steps between FID/IS evaluations (0: never).
  eval_num_samples: int = 1000
  eval_classifier: str = 'inception'
  eval_classifier_path: str = ''

  @property
  def image_shape(self):
    shape = datasets.get_spec(self.dataset).image_shape
    if self.image_size:
      return (self.image_size, self.image_size, shape[-1])
    return shape

  @property
  def is_latent(self):
    """Whether the model samples a VAE's latent space (aiqn_vae, vae)."""
    return self.model in LATENT_MODELS

  @property
  def noise_shape(self):
    """Shape of one sample's noise: [H, W, C] (pixel models) or [latent_dim]."""
    return (self.latent_dim,) if self.is_latent else tuple(self.image_shape)

  @property
  def num_classes(self):
    return datasets.get_spec(self.dataset).num_classes if (
        self.class_conditional) else None

  def validate(self):
    """Raises ValueError naming the first bad value and what is allowed."""
    _choice('model', self.model, MODELS)
    _choice('dataset', self.dataset, tuple(datasets.SPECS))
    _choice('optimizer', self.optimizer, OPTIMIZERS)
    _choice('lr_schedule', self.lr_schedule, LR_SCHEDULES)
    positive = ('train_steps', 'batch_size', 'checkpoint_every',
                'summary_every', 'num_samples', 'shuffle_buffer')
    positive += (('aiqn_layers', 'aiqn_units', 'head_units') if
                 self.is_latent else ('num_layers', 'filters',
                                      'output_filters'))
    for name in positive:
      if getattr(self, name) < 1:
        raise ValueError(f'{name} must be >= 1, got {getattr(self, name)}.')
    if self.image_size < 0 or self.image_size == 1:
      raise ValueError(f'image_size must be >= 2 (0: as stored), got '
                       f'{self.image_size}.')
    if not 0 < self.adam_beta1 < 1:
      raise ValueError(f'adam_beta1 must be in (0, 1), got {self.adam_beta1}.')
    if self.eval_every < 0:
      raise ValueError(f'eval_every must be >= 0 (0: never), got '
                       f'{self.eval_every}.')
    if self.eval_every:
      _choice('eval_classifier', self.eval_classifier, ('inception', 'digits'))
      if self.eval_num_samples < 2:
        raise ValueError('eval_num_samples must be >= 2.')
      if self.eval_classifier == 'inception' and not self.eval_classifier_path:
        raise ValueError('--eval_every with the inception classifier needs '
                         '--eval_classifier_path (a local copy of TF-Hub\'s '
                         'tfgan/eval/inception/1).')
    if self.sample_every < 0:
      raise ValueError(f'sample_every must be >= 0 (0: never), got '
                       f'{self.sample_every}.')
    if self.is_latent:
      self._validate_latent()
    else:
      self._validate_pixel()
    if not self.learning_rate > 0:
      raise ValueError(f'learning_rate must be > 0, got {self.learning_rate}.')
    if not self.kappa > 0:
      raise ValueError(f'kappa must be > 0, got {self.kappa}.')
    if not 0 <= self.ema_decay < 1:
      raise ValueError(f'ema_decay must be in [0, 1), got {self.ema_decay}.')
    if self.class_conditional and datasets.get_spec(
        self.dataset).num_classes is None:
      raise ValueError(f'{self.dataset} has no class labels; drop '
                       '--class_conditional.')
    return self

  def _validate_pixel(self):
    if self.kernel_size < 3 or self.kernel_size % 2 == 0:
      raise ValueError(f'kernel_size must be odd and >= 3, got '
                       f'{self.kernel_size}.')
    channels = self.image_shape[-1]
    if self.filters < channels or self.output_filters < channels:
      raise ValueError(f'filters and output_filters must be >= {channels} '
                       f'for {self.dataset}.')

  def _validate_latent(self):
    size = self.image_shape[0]
    if size not in VAE_IMAGE_SIZES:
      raise ValueError(
          f'The VAE takes square images of size {VAE_IMAGE_SIZES}; '
          f'{self.dataset} is {size}x{size}: set --image_size to one of them.')
    if self.latent_dim < 2:
      raise ValueError(f'latent_dim must be >= 2, got {self.latent_dim}.')
    if not self.kl_weight >= 0:
      raise ValueError(f'kl_weight must be >= 0, got {self.kl_weight}.')
    if not self.prior_variance > 0:
      raise ValueError(f'prior_variance must be > 0, got '
                       f'{self.prior_variance}.')
    if self.class_conditional:
      raise ValueError(f'{self.model} is not class-conditional; drop '
                       '--class_conditional.')

  def save(self, model_dir):
    os.makedirs(model_dir, exist_ok=True)
    with open(os.path.join(model_dir, CONFIG_FILE), 'w') as f:
      json.dump(dataclasses.asdict(self), f, indent=2, sort_keys=True)

  @classmethod
  def load(cls, model_dir):
    """Reads `<model_dir>/config.json`; FileNotFoundError if it is missing."""
    path = os.path.join(model_dir, CONFIG_FILE)
    if not os.path.exists(path):
      raise FileNotFoundError(f'No {CONFIG_FILE} in {model_dir}: is it the '
                              '--model_dir of a training run?')
    with open(path) as f:
      values = json.load(f)
    known = {f.name for f in dataclasses.fields(cls)}
    return cls(**{k: v for k, v in values.items() if k in known})


_PAPER_CIFAR = dict(dataset='cifar10', num_layers=15, filters=128,
                    kernel_size=5, output_filters=1024, batch_size=32,
                    train_steps=300_000)

# Presets: the paper's configurations (section 4 and appendix) and small ones
# that train in minutes on 2 CPU cores. Model-specific optimizer settings are
# applied by `preset()`.
PRESETS = {
    'cifar10': _PAPER_CIFAR,
    'imagenet32': dict(_PAPER_CIFAR, dataset='imagenet32',
                       train_steps=400_000),
    'imagenet32_large': dict(_PAPER_CIFAR, dataset='imagenet32',
                             num_layers=20, filters=256, batch_size=128,
                             train_steps=400_000),
    'digits': dict(dataset='digits', num_layers=5, filters=32, kernel_size=5,
                   output_filters=64, batch_size=64, train_steps=4000,
                   learning_rate=2e-3, ema_decay=0.999, checkpoint_every=500,
                   summary_every=100, sample_every=1000, num_samples=36,
                   shuffle_buffer=2000, eval_classifier='digits',
                   eval_num_samples=300),
    'photos': dict(dataset='photos', num_layers=6, filters=48, kernel_size=5,
                   output_filters=96, batch_size=16, train_steps=3000,
                   learning_rate=5e-4, ema_decay=0.999, checkpoint_every=500,
                   summary_every=50, sample_every=1500, num_samples=8,
                   shuffle_buffer=2000),
}


# AIQN-VAE and VAE presets: LynnHo's CelebA VAE (Adam 2e-4, beta_1 0.5,
# batch 64) and small ones for the bundled data on CPUs.
_VAE_COMMON = dict(latent_dim=32, aiqn_layers=3, aiqn_units=512,
                   head_units=16, optimizer='adam', adam_beta1=0.5)
VAE_PRESETS = {
    'celeba': dict(_VAE_COMMON, dataset='celeba', image_size=64,
                   batch_size=64, learning_rate=2e-4, train_steps=150_000,
                   ema_decay=0.9999, num_samples=64),
    'digits': dict(_VAE_COMMON, dataset='digits', image_size=8,
                   batch_size=64, learning_rate=1e-3, train_steps=10_000,
                   ema_decay=0.999, checkpoint_every=2000, summary_every=500,
                   sample_every=2000, num_samples=64, shuffle_buffer=2000,
                   eval_classifier='digits', eval_num_samples=300),
    'faces': dict(_VAE_COMMON, dataset='faces', image_size=32,
                  batch_size=32, learning_rate=5e-4, train_steps=2000,
                  ema_decay=0.999, checkpoint_every=500, summary_every=100,
                  sample_every=1000, num_samples=36, shuffle_buffer=200),
}
# The paper's AIQN-VAE lowers the KL weight and the prior's variance; the
# plain VAE keeps LynnHo's.
LATENT_MODEL_DEFAULTS = {
    'aiqn_vae': dict(kl_weight=0.5, prior_variance=0.1),
    'vae': dict(kl_weight=1.0, prior_variance=1.0),
}


def preset(name, model):
  """The TrainConfig of preset `name` (None: the paper's default) for `model`.

  PixelIQN uses Adam at a constant rate (paper: 1e-4); PixelCNN uses RMSProp,
  with the paper's piecewise schedule for the paper's presets. AIQN-VAE and
  VAE use VAE_PRESETS (default: celeba) and LATENT_MODEL_DEFAULTS.
  """
  _choice('model', model, MODELS)
  if model in LATENT_MODELS:
    name = name or 'celeba'
    if name not in VAE_PRESETS:
      raise ValueError(f'preset {name!r} is for PixelIQN / PixelCNN; for '
                       f'{model} choose one of {", ".join(VAE_PRESETS)}.')
    return TrainConfig(model=model, **VAE_PRESETS[name],
                       **LATENT_MODEL_DEFAULTS[model])
  if name is None:
    values = dict(model=model)
  else:
    if name not in PRESETS:
      raise ValueError(f'preset {name!r} is for AIQN-VAE / VAE; for {model} '
                       f'choose one of {", ".join(PRESETS)}.')
    values = dict(PRESETS[name], model=model)
  if model == 'pixel_cnn':
    values['optimizer'] = 'rmsprop'
    if name in ('cifar10', 'imagenet32', 'imagenet32_large', None):
      values['lr_schedule'] = 'paper'
  return TrainConfig(**values)


def _choice(name, value, allowed):
  if value not in allowed:
    raise ValueError(f'{name} must be one of {", ".join(allowed)}; got '
                     f'{value!r}.')
