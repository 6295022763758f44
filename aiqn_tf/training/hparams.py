"""A run's settings and best evaluation figures for TensorBoard's HParams dashboard.

`tensorboard --logdir` on a folder of runs then lists every run with its
model, seed and settings beside its final and best figures, as researchers
compare runs: the trainer writes `write_settings` once into the run's
summaries, and each evaluation (training/periodic.py) the `best/<figure>`
scalars from every evaluation the run has written so far (`best`), so a
resumed run keeps its best.
"""

import glob
import json
import os

import tensorflow as tf
from tensorboard.plugins.hparams import api as hparams_api

# The figures whose best value over a run's evaluations is kept, and which
# way is better: lower (-1) or higher (+1).
BEST = {'fid': -1, 'inception_score': 1, 'swd': -1, 'test_bits_per_dim': -1,
        'test_loss': -1}


def settings(config):
  """The run's settings: {section.field or model_name/dataset: value}.

  Args:
    config: a runs.config.Config.

  Returns:
    dict of str, int, float or bool values (what HParams shows), the model
    kind and every field of every section.
  """
  values = {'model_name': config.model_name}
  for section, fields in config.to_dict().items():
    if not isinstance(fields, dict):
      continue
    for name, value in fields.items():
      if isinstance(value, (bool, int, float, str)) and name not in (
          'name', 'module'):
        values[f'{section}.{name}'] = value
  return values


def write_settings(writer, config, trial_id):
  """Writes the run's settings (HParams' session start) with `writer`."""
  with writer.as_default():
    hparams_api.hparams(settings(config), trial_id=trial_id)
  writer.flush()


def best(model_dir):
  """{best/<figure>: value} over the run's eval/step_*.json so far."""
  values = {}
  for path in glob.glob(os.path.join(model_dir, 'eval', 'step_*.json')):
    if path.endswith('_prior.json'):
      continue
    with tf.io.gfile.GFile(path) as f:
      results = json.load(f)
    for name, sign in BEST.items():
      value = results.get(name)
      if isinstance(value, (int, float)) and (
          f'best/{name}' not in values or
          sign * value > sign * values[f'best/{name}']):
        values[f'best/{name}'] = float(value)
  return values


def write_best(writer, model_dir, step):
  """Writes `best(model_dir)` as scalars at `step`."""
  with writer.as_default(step=step):
    for name, value in best(model_dir).items():
      tf.summary.scalar(name, value)
  writer.flush()
