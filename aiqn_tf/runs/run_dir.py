"""A training run's directory: its layout, and the averaged model it holds.

  <model_dir>/config.json       the resolved configuration (config.py)
  <model_dir>/checkpoints/      model, Polyak average, optimizer, input position
  <model_dir>/train/            TensorBoard summaries of training
  <model_dir>/samples.png       the latest sample grid (and samples/step_N.png)
  <model_dir>/eval/             evaluation results (JSON) and their summaries

The sample, evaluate and export binaries read a run through
`restore_average_model`, without the trainer.
"""

import os

import tensorflow as tf

from aiqn_tf.runs import config as config_lib

CHECKPOINT_DIR = 'checkpoints'
SUMMARY_DIR = 'train'
SAMPLES_PNG = 'samples.png'
SAMPLES_DIR = 'samples'
EVAL_DIR = 'eval'


def checkpoint_dir(model_dir):
  return os.path.join(model_dir, CHECKPOINT_DIR)


def latest_checkpoint(model_dir):
  """The path of the run's latest checkpoint, or None."""
  return tf.train.latest_checkpoint(checkpoint_dir(model_dir))


def build_model(config):
  """The built model of `config` (a validated config.Config)."""
  return config.make_model().build_all()


def restore_average_model(model_dir):
  """Loads a run's model with the Polyak-averaged weights of its last checkpoint.

  Args:
    model_dir: a training run directory.

  Returns:
    (config.Config, the model with the averaged weights, step of the
    checkpoint).

  Raises:
    FileNotFoundError: if the directory has no configuration or checkpoint.
  """
  config = config_lib.Config.load(model_dir)
  path = latest_checkpoint(model_dir)
  if not path:
    raise FileNotFoundError(f'No checkpoint in {checkpoint_dir(model_dir)}: '
                            'train first (binaries/train.py).')
  model = build_model(config)
  tf.train.Checkpoint(average_model=model).restore(
      path).expect_partial().assert_existing_objects_matched()
  return config, model, int(path.rsplit('-', 1)[-1])
