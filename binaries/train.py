r"""Trains a model: PixelIQN, PixelCNN, the PixelCNN++ head, AIQN-VAE, a VAE, WGAN-GP, DCGAN, an AAE or alpha-GAN.

Small run on the bundled digits (a few minutes on 2 CPU cores):

  python -m binaries.train --preset=digits --model_dir=runs/digits_iqn

The paper's CIFAR-10 PixelIQN on all local GPUs, and PixelCNN on the
PixelSNAIL-style backbone with one attention layer every 4 units:

  python -m binaries.train --preset=cifar10 --model=pixel_iqn \
      --data_dir=~/tensorflow_datasets --model_dir=runs/cifar10_iqn
  python -m binaries.train --preset=digits --model=pixel_cnn \
      --backbone=snail --snail.attention_every=4 --model_dir=runs/snail_cnn

AIQN-VAE (KL weight 0.5, prior variance 0.1) and the plain VAE (1, 1), on the
bundled digits or faces, or on CelebA 64x64 as in the paper:

  python -m binaries.train --preset=digits --model=aiqn_vae \
      --model_dir=runs/digits_aiqn_vae
  python -m binaries.train --preset=celeba --model=aiqn_vae \
      --data_dir=~/tensorflow_datasets --model_dir=runs/celeba_aiqn_vae

WGAN-GP on the bundled mnist, with its own discriminator width:

  python -m binaries.train --preset=mnist --model=wgan_gp \
      --wgan_gp.filters=32 --model_dir=runs/mnist_wgan_gp

A model's and its backbone's settings are the --KIND.NAME flags of their
kinds (--pixel_iqn.kappa, --snail.attention_every); --help lists the chosen
model's first. The flat --NAME sets the chosen model's (or backbone's) field
of that name.
Flags given explicitly override the preset. A run restarted with the same
--model_dir continues from its last checkpoint with its saved configuration.
"""

import os
import re
import sys

from absl import app
from absl import flags
from absl import logging

from aiqn_tf.data import datasets
from aiqn_tf.evaluation import classifier_training
from aiqn_tf.models import registry
from aiqn_tf.runs import config as config_lib
from aiqn_tf.runs import config_flags
from aiqn_tf.runs import presets
from aiqn_tf.runs import run_dir
from aiqn_tf.training import distribute
from aiqn_tf.training import run_lock

FLAGS = flags.FLAGS

flags.DEFINE_enum('preset', None, list(presets.PRESETS),
                  'Base configuration (an experiment; see '
                  'aiqn_tf/runs/presets.py). PixelIQN / PixelCNN: the '
                  'paper\'s (cifar10, imagenet32, imagenet32_large) or a '
                  'small CPU one (digits, photos). AIQN-VAE / VAE: celeba '
                  '(the paper\'s) or digits, faces.')
flags.DEFINE_string('model_dir', None, 'Run directory.')
flags.DEFINE_string('model', config_flags.DEFAULT_MODEL,
                    'Model kind: ' + ', '.join(registry.builtin_names()) +
                    ', or one registered by --model_module. Its settings '
                    'are the --KIND.NAME flags of its kind and backbone '
                    '(listed first by --help).')
flags.DEFINE_list('model_module', [], 'Python modules to import first: they '
                  'register more model kinds and backbones '
                  '(models/registry.py, models/backbones/backbone.py).')
flags.DEFINE_string('data_dir', None, 'tensorflow-datasets data directory.')
flags.DEFINE_string('raw_dir', None, 'Folder with the dataset\'s raw '
                    'downloads, to prepare a tfds dataset without network.')
flags.DEFINE_bool('download', False, 'Let tfds download a missing dataset.')
flags.DEFINE_enum('strategy', 'auto', list(config_lib.STRATEGIES),
                  'auto: mirrored over local GPUs, else one device.')
flags.DEFINE_integer('cpu_replicas', 0, 'Split the CPU into this many logical '
                     'devices (to run mirrored training on CPU).')

# One flag per configuration field, with the field's name and help; the
# model and backbone the command line names give the flat flags' help.
CHOSEN_MODEL, CHOSEN_BACKBONE = config_flags.chosen(sys.argv)
CONFIG_FLAGS = config_flags.define(FLAGS, CHOSEN_MODEL, CHOSEN_BACKBONE)


def flag_message(message):
  """A library message with its config field names written as flags.

  Names with an underscore are replaced wherever they stand; one-word names
  (dataset, channels, ...) only where they name the field (before "must",
  "=" or "is not"), not in prose.
  """
  fields = {name for name in CONFIG_FLAGS if '.' not in name}
  joined = lambda names: '|'.join(sorted(names, key=len, reverse=True))
  message = re.sub(
      r'(?<![\w-])(' + joined(n for n in fields if '_' in n) + r')\b',
      r'--\1', message)
  return re.sub(
      r'(?<![\w-])(' + joined(n for n in fields if '_' not in n) +
      r')\b(?=( must|=| is not))', r'--\1', message)


def resolve_config(model_dir, preset, overrides, model_module=(),
                   resolve_data=False, data_dir=None, download=False,
                   raw_dir=None):
  """The run's Config: the saved one if resuming, else preset + overrides.

  With resolve_data, a new run's dataset is resolved here (data/datasets.py:
  the data is checked now, before any model is built) and kept in its
  config.

  Args:
    model_dir: the run directory.
    preset: a preset name or None (the model's default preset).
    overrides: dict of config fields (any section) set explicitly, and
      'model' for the model kind.
    model_module: modules that register more model kinds.
    resolve_data: check and resolve the dataset now.
    data_dir, download, raw_dir: where a tfds dataset is (datasets.resolve).

  Returns:
    a validated runs.config.Config.

  Raises:
    ValueError: on a bad value (datasets.DatasetError included), or a
      setting that contradicts a saved run.
    datasets.DatasetNotPreparedError: a tfds dataset that is not prepared.
  """
  overrides = dict(overrides)
  registry.import_modules(model_module)
  saved = None
  if os.path.exists(os.path.join(model_dir, config_lib.CONFIG_FILE)):
    saved = config_lib.Config.load(model_dir)
  model_name = overrides.pop('model', None)
  if saved:
    config = saved
  else:
    model_name = model_name or config_flags.DEFAULT_MODEL
    registry.get(model_name)  # Unknown kinds fail here, listing the known.
    # The preset's sizes for the chosen backbone (explicit flags still win);
    # a model without a backbone ignores --backbone below, with a warning.
    backbone = overrides.get('backbone', overrides.get(
        f'{model_name}.backbone'))
    if 'backbone' not in config_lib.section_fields(model_name):
      backbone = None
    config = presets.preset(preset, model_name, backbone)
  backbone = overrides.get('backbone', overrides.get(
      f'{config.model_name}.backbone',
      getattr(config.model, 'backbone', None)))
  overrides = _applicable(overrides, config.model_name, backbone)
  if saved:
    values = {name: config.value(name) for name in overrides}
    if model_name not in (None, config.model_name):
      values['model'] = config.model_name
      overrides['model'] = model_name
    resumable = config.resumable_fields()
    for name, value in overrides.items():
      field = name.rpartition('.')[2]
      if field not in resumable and name in values and values[name] != value:
        raise ValueError(
            f'{model_dir} holds a run with {name}={values[name]!r}, '
            f'not {value!r}; use a new --model_dir for a different run.')
    return config.replace(**{name: value for name, value in overrides.items()
                             if name.rpartition('.')[2] in resumable}
                          ).validate()
  config = config.replace(**overrides)
  if model_module:
    config.model_module = ','.join(model_module)
  if resolve_data:
    config.data = config.data.resolve(data_dir, download, raw_dir)
    datasets.check_batch(config.data.spec(), config.loop.batch_size)
  return config.validate()


def _applicable(overrides, model_name, backbone):
  """The overrides that apply to `model_name` and its backbone, by field.

  `--KIND.NAME` flags of other kinds and flat flags the model does not have
  (e.g. --head_units for a plain VAE) are ignored with a warning, as they
  always were; asking a model that takes no labels to be class-conditional
  is an error.
  """
  fields, ignored = config_flags.to_fields(overrides, model_name, backbone)
  for name in ignored:
    logging.warning('Ignoring --%s: the run\'s model is %s%s.', name,
                    model_name, f' on the {backbone} backbone' if backbone
                    else '')
  known = config_lib.section_fields(model_name, backbone)
  applicable = {}
  for name, value in fields.items():
    if name.rpartition('.')[2] in known:
      applicable[name] = value
    elif name == 'class_conditional' and value:
      raise ValueError(config_lib.not_a_field_message(name, model_name))
    else:
      logging.warning('Ignoring --%s: %s', name,
                      config_lib.not_a_field_message(name, model_name,
                                                     backbone))
  return applicable


def _config_flags():
  """The config fields given explicitly on the command line (and 'model')."""
  return config_flags.given(FLAGS, CONFIG_FLAGS + ['model'])


def main(argv):
  del argv
  try:
    config = resolve_config(FLAGS.model_dir, FLAGS.preset, _config_flags(),
                            FLAGS.model_module, True, FLAGS.data_dir,
                            FLAGS.download, FLAGS.raw_dir)
  except (ValueError, datasets.DatasetNotPreparedError) as e:
    raise app.UsageError(flag_message(str(e))) from e
  strategy = distribute.make_strategy(FLAGS.strategy, FLAGS.cpu_replicas)
  logging.info('Strategy %s with %d replica(s).', type(strategy).__name__,
               strategy.num_replicas_in_sync)
  batch_size = config.loop.batch_size
  if batch_size % strategy.num_replicas_in_sync:
    raise app.UsageError(
        f'--batch_size={batch_size} must be a multiple of the '
        f'{strategy.num_replicas_in_sync} replicas.')
  evaluation = config.evaluation
  if evaluation.eval_every:  # The classifier now, not at the first evaluation.
    try:
      classifier_training.resolve(
          evaluation.eval_classifier, evaluation.eval_classifier_path,
          config.data.spec(), FLAGS.data_dir, FLAGS.raw_dir)
    except (ValueError, FileNotFoundError) as e:
      raise app.UsageError(f'{e} (--eval_classifier_path)') from e
  from aiqn_tf.training import trainer as training  # pylint: disable=g-import-not-at-top
  try:
    trainer = training.Trainer(config, FLAGS.model_dir, strategy,
                               data_dir=FLAGS.data_dir,
                               download=FLAGS.download, raw_dir=FLAGS.raw_dir)
  except (datasets.DatasetNotPreparedError, run_lock.RunDirInUseError,
          run_dir.NoUsableCheckpointError) as e:
    raise app.UsageError(str(e)) from e
  if trainer.is_chief:
    config.save(FLAGS.model_dir)
  try:
    trainer.train()  # SIGTERM: saves, then exits 143 (preemption.Preempted).
  except training.NonFiniteLossError as e:
    logging.error('%s', flag_message(str(e)))
    sys.exit(1)
  if trainer.is_chief:
    model_dir = os.path.abspath(FLAGS.model_dir)
    tensorboard = os.path.join(os.path.dirname(sys.executable), 'tensorboard')
    samples = os.path.join(model_dir, run_dir.SAMPLES_PNG)
    print(f'Trained {config.model_name} on {config.data.dataset} to step '
          f'{trainer.step}.\n' +
          (f'Samples (Polyak-averaged weights): {samples}\n'
           if os.path.exists(samples) else  # None with --sample_every=0.
           'No samples drawn (--sample_every=0): aiqn-sample '
           f'--model_dir={model_dir} draws them.\n') +
          f'TensorBoard logs: {os.path.join(model_dir, run_dir.SUMMARY_DIR)}'
          f'\n  open with: {tensorboard} --logdir {model_dir}  (then browse '
          'http://localhost:6006)')


def run():
  """The `aiqn-train` console command (pyproject.toml)."""
  # absl's --help prints the __main__ module's docstring: the console
  # command's own wrapper has none.
  sys.modules['__main__'].__doc__ = __doc__
  flags.mark_flag_as_required('model_dir')
  app.run(main)


if __name__ == '__main__':
  run()
