"""What the comparisons share: timed preset runs that resume."""

import json
import os
import shutil
import time

import numpy as np

from aiqn_tf.runs import config as config_lib
from aiqn_tf.runs import presets
from aiqn_tf.training import trainer as training


def train_preset(preset, model, model_dir, seed, train_steps=None,
                 dataset=None, **overrides):
  """Trains `model` with a preset in model_dir, timed.

  A run that finished before (its training time is in
  <model_dir>/train_seconds.json) is restored instead of trained again, so an
  interrupted study goes on where it stopped; a run without that file
  (interrupted mid-training) starts afresh, so that its time is whole.

  Args:
    preset: a preset name (runs/presets.py).
    model: a registered model name.
    model_dir: the run directory.
    seed: the run's seed.
    train_steps: steps (default: the preset's).
    dataset: another dataset than the preset's (any --dataset string), with
      the preset's model and loop.
    **overrides: any other config fields (kappa, learning_rate, ...).

  Returns:
    (runs.config.Config, the Trainer after training, training seconds).
  """
  config = presets.preset(preset, model, overrides.get('backbone'))
  config = config.replace(
      seed=seed, sample_every=0,
      train_steps=train_steps or config.loop.train_steps, **overrides)
  if dataset:
    config = config.replace(dataset=dataset)
  config.data = config.data.resolve()
  config.validate()
  timing = os.path.join(model_dir, 'train_seconds.json')
  finished = os.path.exists(timing)
  if finished:
    with open(timing) as f:
      recorded = json.load(f)
    # Read back through Config, so that a setting added since (at its
    # default) does not count as a change.
    plain = lambda c: json.loads(json.dumps(c.to_dict()))
    finished = plain(config_lib.Config.from_dict(recorded['config'])) == plain(
        config)
  if not finished and os.path.isdir(model_dir):
    shutil.rmtree(model_dir)
  config.save(model_dir)
  trainer = training.Trainer(config, model_dir)
  start = time.time()
  trainer.train()  # Restores a finished run and takes no step.
  if finished:
    return config, trainer, recorded['seconds']
  seconds = time.time() - start
  with open(timing, 'w') as f:
    json.dump(dict(seconds=seconds, config=config.to_dict()), f)
  return config, trainer, seconds


def load_results(path):
  """A study's results file (a JSON dict), or {} before its first run."""
  if os.path.exists(path):
    with open(path) as f:
      return json.load(f)
  return {}


def save_results(path, results):
  """Writes a study's results dict to `path` (JSON), after every run."""
  os.makedirs(os.path.dirname(path) or '.', exist_ok=True)
  with open(path, 'w') as f:
    json.dump(results, f, indent=1, sort_keys=True)


def train_digits(model, work_dir, seed, train_steps=None, dataset=None):
  """`train_preset` with the digits preset in <work_dir>/<model>."""
  return train_preset('digits', model, os.path.join(work_dir, model), seed,
                      train_steps, dataset)


def side_by_side(path, grids_by_name):
  """Writes uint8 grids [h, w, 1 or 3] side by side, each under its name."""
  from PIL import Image, ImageDraw  # pylint: disable=g-import-not-at-top
  label_h, gap = 24, 16
  images = [Image.fromarray(g.squeeze(-1) if g.shape[-1] == 1 else g)
            for g in grids_by_name.values()]
  width = sum(i.width for i in images) + gap * (len(images) - 1)
  height = max(i.height for i in images) + label_h
  canvas = Image.new('RGB', (width, height), (255, 255, 255))
  draw = ImageDraw.Draw(canvas)
  left = 0
  for name, image in zip(grids_by_name, images):
    draw.text((left + 4, 4), name, fill=(0, 0, 0))
    canvas.paste(image.convert('RGB'), (left, label_h))
    left += image.width + gap
  os.makedirs(os.path.dirname(path) or '.', exist_ok=True)
  canvas.save(path)


def cell(values, digits):
  """'mean +- std' of the finite values (one value as it is; none: '-')."""
  values = [v for v in values if v is not None and np.isfinite(v)]
  if not values:
    return '-'
  if len(values) == 1:
    return f'{values[0]:.{digits}f}'
  return f'{np.mean(values):.{digits}f} +- {np.std(values):.{digits}f}'


def table(rows, columns):
  """Markdown rows of a table: name -> list of results dicts (one per seed).

  Args:
    rows: {row name: [results dict, ...]}.
    columns: (key, heading, digits) triples; those no row has are left out.
  """
  columns = [c for c in columns if any(
      c[0] in r for runs in rows.values() for r in runs)]
  lines = ['| model | ' + ' | '.join(c[1] for c in columns) + ' |',
           '|---' * (len(columns) + 1) + '|']
  for name, runs in rows.items():
    lines.append(f'| {name} | ' + ' | '.join(
        cell([r.get(key) for r in runs], digits)
        for key, _, digits in columns) + ' |')
  return lines
