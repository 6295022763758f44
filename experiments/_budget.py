"""Equal training wall-clock budgets: each model's steps in N seconds.

A model's rate is the difference of a short and a longer timed run (so
compilation and start-up cancel), measured once per dataset and kept twice:
in <work_dir>/<dataset>/budget.json beside the runs, and in the study's
results under 'budget/<dataset>', so that a study resumed on another machine,
without the run directories, trains the same steps.
"""

import json
import os

from experiments import _preset_runs
from experiments import report

CALIBRATION_STEPS = (20, 120)
# The two runs must differ by at least this long, or a fast model's rate is
# mostly timing noise (a 100-step difference at 400 steps/s is 0.25 s); the
# longer run is lengthened until they do.
MIN_CALIBRATION_S = 5.0
# One backbone, so equal steps too (the fewer of the two).
SHARED_BACKBONE = ('pixel_iqn', 'pixel_cnn')


def parse(items):
  """{dataset: seconds} of a --budget_s list of 'dataset=seconds' items."""
  return {k: float(v) for k, v in (item.split('=') for item in items)}


def _rate(dataset, name, model, changes, work_dir):
  """Steps per second of `model` (with `changes`) with the dataset's preset."""

  def seconds(steps, suffix=''):
    _, trainer, took = _preset_runs.train_preset(
        dataset, model, os.path.join(work_dir, dataset, 'calibrate',
                                     f'{name}_{steps}{suffix}'), 0, steps,
        eval_every=0, **changes)
    trainer.close()
    return took

  short, long = CALIBRATION_STEPS
  # The first run also pays what only a process's first run does (loading
  # the data, warming caches), which would not cancel: it is not timed.
  seconds(short, '_warmup')
  start = seconds(short)
  elapsed = seconds(long) - start
  while elapsed < MIN_CALIBRATION_S:
    long = short + 2 * (long - short)  # Doubling: noise cannot overshoot.
    elapsed = seconds(long) - start
  return (long - short) / elapsed


def steps_in_budget(dataset, models, budget_s, work_dir, store, save,
                    variants=None, reference=None):
  """{model: steps it trains in budget_s seconds}, and the recorded rates.

  Args:
    dataset: a bundled dataset (its presets are timed).
    models: registered model names.
    budget_s: training seconds of every run.
    work_dir: the study's run directories (budget.json and the calibration
      runs go under <work_dir>/<dataset>).
    store: the study's results dict; its 'budget/<dataset>' entry is read
      first and updated with every new rate.
    save: called with no argument after `store` changed.
    variants: optional {name in models: (registered model name, {config
      field: value})}, for runs that change the preset (e.g. the backbone);
      other names are registered model names, run with the preset as it is.
    reference: optional model whose rate is recorded: models added later are
      timed on today's machine and load, so their rates are scaled by the
      reference's recorded rate over its rate measured again now (kept
      under 'rescaled'), to the recorded runs' scale.

  Returns:
    ({model: steps >= 1}, {'steps_per_s': {model: rate}, 'load_average':
    the 1-minute load when measured, 'gflops': the matmul ceiling then}).
  """
  path = os.path.join(work_dir, dataset, 'budget.json')
  recorded = store.get(f'budget/{dataset}', {})
  if not recorded and os.path.exists(path):
    with open(path) as f:
      recorded = json.load(f)
  rates = dict(recorded.get('steps_per_s', {}))
  rescaled = dict(recorded.get('rescaled', {}))
  missing = [m for m in models if m not in rates]
  factor = 1.0
  if missing and reference in rates:
    factor = rates[reference] / _rate(dataset, f'{reference}_again',
                                      reference, {}, work_dir)
    print(f'{dataset}: rates of {", ".join(missing)} scaled by {factor:.3f}, '
          f'{reference}\'s recorded rate over its rate now', flush=True)
  for model in missing:
    kind, changes = (variants or {}).get(model, (model, {}))
    rates[model] = _rate(dataset, model, kind, changes, work_dir) * factor
    if factor != 1.0:
      rescaled[model] = factor
    print(f'{dataset} {model}: {rates[model]:.2f} steps/s', flush=True)
    recorded = dict(steps_per_s=rates,
                    load_average=recorded.get('load_average',
                                              os.getloadavg()[0]),
                    gflops=recorded.get('gflops') or report.matmul_gflops(),
                    **({'rescaled': rescaled} if rescaled else {}))
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, 'w') as f:
      json.dump(recorded, f, indent=1)
  if store.get(f'budget/{dataset}') != recorded:
    store[f'budget/{dataset}'] = recorded
    save()
  steps = {m: max(1, int(round(budget_s * rates[m]))) for m in models}
  shared = [m for m in SHARED_BACKBONE if m in steps]
  for m in shared:
    steps[m] = min(steps[s] for s in shared)
  return steps, recorded
