"""Learning-curve runs on disk: where they are, their points, whether done.

Kept apart from bench/learning_curves.py's flags so tests and other benches
can import it.
"""

import glob
import json
import os


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


def finished(model_dir, train_steps):
  """Whether a run has its evaluation point at train_steps (or later)."""
  done = points(model_dir)
  return bool(done) and done[-1]['step'] >= train_steps
