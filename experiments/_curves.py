"""Learning-curve runs on disk: where they are, their points, whether done.

Kept apart from experiments/learning_curves.py's flags so tests and other benches
can import it.
"""

import glob
import json
import os

import numpy as np


def run_dir(work_dir, dataset, model, seed):
  return os.path.join(work_dir, dataset, f'{model}_seed{seed}')


def points(model_dir):
  """Every evaluation point of a run: [{step, metric: value, ...}], by step."""
  found = []
  for path in sorted(glob.glob(os.path.join(model_dir, 'eval', 'step_*.json'))):
    if path.endswith('_prior.json'):
      continue
    with open(path) as f:
      found.append(json.load(f))
  return sorted(found, key=lambda p: p['step'])


def finished(found, train_steps):
  """Whether a run's points (`points`) reach train_steps."""
  return bool(found) and found[-1]['step'] >= train_steps


def kept_points(path, dataset, train_steps, eval_every, num_samples):
  """{'<model>_seed<s>': points} of a results file of the same settings."""
  try:
    with open(path) as f:
      kept = json.load(f)
  except (OSError, ValueError):
    return {}
  same = (kept.get('dataset'), kept.get('train_steps'), kept.get(
      'eval_every'), kept.get('num_samples')) == (dataset, train_steps,
                                                  eval_every, num_samples)
  return kept.get('runs', {}) if same else {}


def planned(listed, kept):
  """The runs a sitting reports: those it lists, then earlier sittings' others.

  Args:
    listed: [(model, seed)] this sitting trains (or finds finished).
    kept: {'<model>_seed<s>': points} of the results file (`kept_points`).

  Returns:
    [(model, seed)]: `listed`, then every kept run it does not list, so that
    a sitting of a subset (one model, one seed) keeps the others' points.
  """
  extra = []
  for name in sorted(kept):
    model, _, seed = name.rpartition('_seed')
    if (model, int(seed)) not in listed:
      extra.append((model, int(seed)))
  return list(listed) + extra


def by_model(gathered):
  """{'<model>_seed<s>': points} -> {model: {seed: points}} (non-empty runs)."""
  models = {}
  for name, found in gathered.items():
    model, _, seed = name.rpartition('_seed')
    if found:
      models.setdefault(model, {})[int(seed)] = found
  return models


def curve(runs, metric):
  """(steps, mean, low, high, seeds) of `metric` over a model's seeds.

  Args:
    runs: {seed: points}.
    metric: a results key (fid, swd, test_loss, ...).

  Returns:
    numpy arrays over the steps any seed evaluated: the mean, the lowest and
    the highest value over the seeds that have that step, and how many do.
  """
  values = {}
  for found in runs.values():
    for point in found:
      if point.get(metric) is not None:
        values.setdefault(point['step'], []).append(point[metric])
  steps = np.array(sorted(values))
  rows = [values[s] for s in steps]
  return (steps, np.array([np.mean(r) for r in rows]),
          np.array([np.min(r) for r in rows]),
          np.array([np.max(r) for r in rows]),
          np.array([len(r) for r in rows]))


def seeds_with(runs, metric):
  """Sorted seeds of `runs` ({seed: points}) with any value of `metric`."""
  return sorted(seed for seed, found in runs.items()
                if any(p.get(metric) is not None for p in found))


def floor(models, key):
  """Mean of `key` (a test-images figure, e.g. fid_floor) over every point.

  Args:
    models: {model: {seed: points}} (`by_model`).
    key: the points' key of the figure, or None.

  Returns:
    The mean over the points that hold it, or None where none does.
  """
  values = [p[key] for runs in models.values() for found in runs.values()
            for p in found if key and p.get(key) is not None]
  return float(np.mean(values)) if values else None


def best(steps, mean):
  """(lowest mean, its step)."""
  i = int(np.argmin(mean))
  return float(mean[i]), int(steps[i])


def first_reaching(steps, mean, target):
  """The first step whose mean is at or below target, or None."""
  reached = np.flatnonzero(mean <= target)
  return int(steps[reached[0]]) if len(reached) else None
