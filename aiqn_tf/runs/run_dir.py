"""A training run's directory: its layout, its checkpoints, the averaged model.

  <model_dir>/config.json       the resolved configuration (config.py)
  <model_dir>/checkpoints/      model, Polyak average, optimizer, input position
  <model_dir>/train/            TensorBoard summaries of training
  <model_dir>/train.lock        who is training into the directory (training/
                                run_lock.py)
  <model_dir>/samples.png       the latest sample grid (and samples/step_N.png)
  <model_dir>/eval/             evaluation results (JSON) and their summaries

The trainer resumes and the sample, evaluate and export binaries read a run
through `restore`, which skips a damaged checkpoint for the one before it; they
read the averaged model through `restore_average_model`, without the trainer.
"""

import os
import re

from absl import logging
import tensorflow as tf

from aiqn_tf.runs import config as config_lib

CHECKPOINT_DIR = 'checkpoints'
SUMMARY_DIR = 'train'
LOCK_FILE = 'train.lock'
SAMPLES_PNG = 'samples.png'
SAMPLES_DIR = 'samples'
EVAL_DIR = 'eval'


class NoUsableCheckpointError(FileNotFoundError):
  """A run has checkpoints, but every one of them is damaged."""


def checkpoint_dir(model_dir):
  return os.path.join(model_dir, CHECKPOINT_DIR)


def latest_checkpoint(model_dir):
  """The path of the run's latest checkpoint (usable or not), or None."""
  return tf.train.latest_checkpoint(checkpoint_dir(model_dir))


def checkpoint_step(path):
  """The training step of a checkpoint path ('.../ckpt-1200' -> 1200)."""
  return int(path.rsplit('-', 1)[-1])


def checkpoints(model_dir):
  """The run's checkpoint paths (prefixes), newest first.

  Those the checkpoint state file lists, and those whose index file is on
  disk (a state file that is missing or was not updated loses none).
  """
  directory = checkpoint_dir(model_dir)
  paths = set()
  try:
    state = tf.train.get_checkpoint_state(directory)
  except ValueError:  # A state file without a latest checkpoint.
    state = None
  if state:
    paths.update(state.all_model_checkpoint_paths)
    paths.add(state.model_checkpoint_path)
  for index in tf.io.gfile.glob(os.path.join(directory, 'ckpt-*.index')):
    paths.add(index[:-len('.index')])
  paths = [path for path in paths
           if re.fullmatch(r'ckpt-\d+', os.path.basename(path))]
  return sorted(paths, key=checkpoint_step, reverse=True)


def restore(checkpoint, model_dir, partial=False):
  """Restores the run's newest usable checkpoint into `checkpoint`.

  A damaged checkpoint (an index or data file missing, truncated or
  corrupted) is skipped for the one before it, with a warning naming the
  damaged file; its files are left as they are (the trainer overwrites them
  when it saves that step again).

  Args:
    checkpoint: a tf.train.Checkpoint.
    model_dir: a training run directory.
    partial: whether `checkpoint` holds only part of what was saved (e.g.
      the averaged model alone).

  Returns:
    the restored checkpoint's path, or None if the run has no checkpoint.

  Raises:
    NoUsableCheckpointError: if the run has checkpoints but none is usable.
    AssertionError: if a checkpoint does not match `checkpoint`'s objects
      (another model).
  """
  damaged = []
  for path in checkpoints(model_dir):
    try:
      status = checkpoint.restore(path)
      if partial:
        status = status.expect_partial()
      status.assert_existing_objects_matched()
    # A truncated data file fails with an IndexError, the rest with OpErrors.
    except (tf.errors.OpError, IndexError) as e:
      reason = str(e).strip().splitlines()[0] if str(e).strip() else (
          type(e).__name__)
      damaged.append(f'{damaged_file(path)} ({reason})')
      logging.warning('Checkpoint %s is damaged: %s. Trying the one before '
                      'it.', path, damaged[-1])
      continue
    if damaged:
      logging.warning('Restored %s (step %d) instead of the damaged %s.',
                      path, checkpoint_step(path), '; '.join(damaged))
    return path
  if damaged:
    raise NoUsableCheckpointError(
        f'No usable checkpoint in {checkpoint_dir(model_dir)}: every one is '
        f'damaged: {"; ".join(damaged)}. Restore these files from a copy, or '
        'move the checkpoints directory away to train from scratch.')
  return None


def damaged_file(path):
  """The file of checkpoint `path` that is most likely damaged (for messages)."""
  index = path + '.index'
  if not tf.io.gfile.exists(index):
    return f'{index} (missing)'
  try:
    tf.train.load_checkpoint(path)  # Reads the index only.
  except (tf.errors.OpError, ValueError):
    return index
  data = sorted(tf.io.gfile.glob(path + '.data-*'))
  shards = {int(name.rsplit('-of-', 1)[1]) for name in data}
  if len(shards) == 1:
    count = shards.pop()
    expected = [f'{path}.data-{i:05d}-of-{count:05d}' for i in range(count)]
    missing = [name for name in expected if name not in data]
    if missing:
      return f'{missing[0]} (missing)'
  if not data:
    return f'{path}.data-00000-of-00001 (missing)'
  return ', '.join(data)


def build_model(config):
  """The built model of `config` (a validated config.Config)."""
  return config.make_model().build_all()


def restore_average_model(model_dir):
  """Loads a run's model with the Polyak-averaged weights of its last checkpoint.

  A damaged latest checkpoint is skipped for the one before it (`restore`).

  Args:
    model_dir: a training run directory.

  Returns:
    (config.Config, the model with the averaged weights, step of the
    checkpoint).

  Raises:
    FileNotFoundError: if the directory has no configuration or checkpoint
      (NoUsableCheckpointError: only damaged ones).
  """
  config = config_lib.Config.load(model_dir)
  if not checkpoints(model_dir):
    raise FileNotFoundError(f'No checkpoint in {checkpoint_dir(model_dir)}: '
                            'train first (binaries/train.py).')
  model = build_model(config)
  path = restore(tf.train.Checkpoint(average_model=model), model_dir,
                 partial=True)
  return config, model, checkpoint_step(path)
