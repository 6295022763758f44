r"""Does PixelIQN beat PixelCNN here? The quality study on the bundled data.

For each dataset (digits, mnist, photos) and seed, trains PixelIQN and the
PixelCNN baseline (--models: also our PixelCNN++ head, and any of them on the
PixelSNAIL-style backbone) with the dataset's preset (same backbone, batch
and steps; each model's preset optimizer, as the papers), optionally
`tfp.distributions.PixelCNN` (PixelCNN++, logistic mixture) for as long as
the first model trained, and scores every model the same way (evaluation/):
FID and Inception score with the dataset's classifier where it has one,
sliced Wasserstein distance everywhere, the held-out loss, test bits/dim
(PixelIQN's: its likelihood, smoothed at likelihood.EPSILON, with the share
of test sub-pixels its quantiles cannot reach), and how the samples' values sit against the data's levels
(between levels, at 0 and 255, spread across samples). Ablations change one
factor of PixelIQN at a time (--ablations, --ablation_dataset), or of
another model too (--ablation_models), to see whether a change helps
PixelIQN alone.

Writes a markdown table (mean +- standard deviation over seeds) and a
picture of sample grids side by side (seed 0).

  python -m experiments.quality [--datasets=digits,mnist,photos] [--seeds=0,1,2]
      [--models=pixel_iqn,pixel_cnn,pixel_cnn_pp,pixel_iqn:snail,...]
      [--steps=digits=1000,mnist=500,photos=200] [--tfp=digits]
      [--ablations=tau_linear,...] [--ablation_dataset=digits,...]
      [--ablation_models=pixel_iqn,pixel_cnn]
"""

import collections
import os
import time

from absl import app
from absl import flags
import numpy as np

from aiqn_tf.core import grids
from aiqn_tf.data import datasets
from aiqn_tf.evaluation import classifier_training
from aiqn_tf.evaluation import evaluate as evaluation
from aiqn_tf.runs import presets
from experiments import _preset_runs
from experiments import _tfp
from experiments import report as report_lib

FLAGS = flags.FLAGS
flags.DEFINE_list('datasets', ['digits', 'mnist', 'photos'],
                  'Bundled datasets (each with its preset).')
flags.DEFINE_list('models', ['pixel_iqn', 'pixel_cnn'], 'Models compared '
                  'on every dataset, each with the dataset\'s preset: '
                  'pixel_iqn, pixel_cnn, pixel_cnn_pp; NAME:snail on the '
                  'PixelSNAIL-style backbone.')
flags.DEFINE_list('seeds', ['0', '1', '2'], 'Seeds of every run.')
flags.DEFINE_list('steps', ['digits=1000', 'mnist=500', 'photos=200'],
                  'Training steps per dataset (name=steps; a dataset not '
                  'listed: its preset\'s).')
flags.DEFINE_integer('num_samples', 300, 'Samples (and training and test '
                     'images) per evaluation.')
flags.DEFINE_list('ablations', [], 'PixelIQN ablations, on --ablation_dataset'
                  ': kappa_0.02, kappa_0.1, tau_cosine, tau_linear, lr_5e-4, rmsprop, '
                  'polyak_0.99, '
                  'polyak_0.9999, steps_x3, truncation_0.9, truncation_0.8, '
                  'tau_draws_4, tau_draws_4_equal_compute, output_filters_x4, '
                  'lr_x2.')
flags.DEFINE_list('ablation_dataset', ['digits'],
                  'Datasets of the ablations (each gets every ablation).')
flags.DEFINE_list('ablation_models', ['pixel_iqn'], 'Models the ablations '
                  'change, each with every ablation that changes a setting '
                  'it has (output_filters_x4 applies to pixel_cnn too, '
                  'tau_draws_4 does not): whether a change helps PixelIQN '
                  'alone.')
flags.DEFINE_list('tfp', ['digits'], 'Datasets (of digits, mnist) on '
                  'which tfp.distributions.PixelCNN also trains, for as long '
                  'as PixelIQN; empty: none.')
flags.DEFINE_string('work_dir', 'runs/quality', 'Run directories.')
flags.DEFINE_string('output', 'docs/results/quality', 'Writes <output>.md and '
                    '<output>_<dataset>.png.')

# One factor of PixelIQN at a time: config overrides, or sampling truncation.
ABLATIONS = {
    'kappa_0.02': dict(kappa=0.02),
    'kappa_0.1': dict(kappa=0.1),
    'tau_cosine': dict(tau_embedding='cosine'),
    'tau_linear': dict(tau_embedding='linear'),
    'lr_5e-4': dict(learning_rate=5e-4),
    'rmsprop': dict(optimizer='rmsprop'),
    'polyak_0.99': dict(ema_decay=0.99),
    'polyak_0.9999': dict(ema_decay=0.9999),
    'steps_x3': dict(steps_factor=3),
    'truncation_0.9': dict(truncation=0.9),
    'truncation_0.8': dict(truncation=0.8),
    # Information per step (PixelCNN's cross-entropy scores all 256 levels
    # of a sub-pixel, the quantile loss one tau): 4 tau draws an image, at
    # the preset's images per step (4x the compute) and at its compute (a
    # quarter of the images).
    'tau_draws_4': dict(tau_draws=4),
    'tau_draws_4_equal_compute': dict(tau_draws=4, scale=dict(batch_size=0.25)),
    # The output path's capacity.
    'output_filters_x4': dict(scale=dict(output_filters=4)),
    # Twice the preset's learning rate (each model's own optimizer).
    'lr_x2': dict(scale=dict(learning_rate=2)),
}
LABELS = {'pixel_iqn': 'PixelIQN', 'pixel_cnn': 'PixelCNN',
          'pixel_cnn_pp': 'PixelCNN++ head'}
BACKBONES = ('gated', 'snail')
CLASSIFIED = ('digits', 'mnist', 'photos')  # With a classifier: FID (and IS).
COLUMNS = (('fid', 'FID', 2), ('inception_score', 'IS', 2),
           ('precision', 'precision', 3), ('recall', 'recall', 3),
           ('diversity', 'MS-SSIM', 3), ('nn_distance', 'NN distance', 1),
           ('swd', 'SWD x1e3', 1), ('test_loss', 'test loss', 3),
           ('test_bits_per_dim', 'test bits/dim', 3),
           ('test_unreachable', 'unreachable', 3),
           ('values_between_levels', 'between levels', 3),
           ('values_at_0', 'at 0', 3), ('values_at_255', 'at 255', 3),
           ('values_spread', 'spread', 1), ('train_minutes', 'train min', 1))


def _steps():
  return {k: int(v) for k, v in (item.split('=') for item in FLAGS.steps)}


def _evaluate(trainer, config, seed, truncation=1.0):
  spec = config.data.spec()
  classifier = (classifier_training.resolve('dataset', None, spec)[0]
                if config.data.dataset in CLASSIFIED else None)
  return evaluation.evaluate_model(
      trainer.average_model, classifier, FLAGS.num_samples,
      datasets.split_loader(config.data.spec()), seed=seed,
      truncation=truncation,
      likelihood_images=config.evaluation.eval_likelihood_images)


_TRAINED = {}  # Runs trained in this process, by what they were trained with.


def _applies(dataset, model, name):
  """Whether ablation `name` changes a setting `model` has."""
  fields = {k: v for k, v in ABLATIONS[name].items()
            if k not in ('scale', 'steps_factor', 'truncation')}
  try:
    presets.preset(dataset, model).replace(**fields)
  except ValueError:
    return False
  return True


def _run(dataset, model, seed, name=None, **changes):
  """Trains (once per setting) and evaluates one run; (results, trainer)."""
  changes = dict(changes)
  truncation = changes.pop('truncation', 1.0)  # Sampling only.
  steps = _steps().get(dataset)
  preset = presets.preset(dataset, model)
  for field, factor in changes.pop('scale', {}).items():  # Of the preset's.
    section = next(part for part in (preset.loop, preset.model,
                                     preset.optimizer)
                   if hasattr(part, field))
    value = factor * getattr(section, field)
    changes[field] = (max(1, int(round(value))) if isinstance(
        getattr(section, field), int) else value)
  if 'steps_factor' in changes:
    steps = changes.pop('steps_factor') * (steps or preset.loop.train_steps)
  key = (dataset, model, seed, steps, tuple(sorted(changes.items())))
  if key not in _TRAINED:
    model_dir = os.path.join(FLAGS.work_dir, dataset,
                             f'{name or model}_seed{seed}')
    _TRAINED[key] = _preset_runs.train_preset(
        dataset, model, model_dir, seed, steps, **changes)
  config, trainer, train_s = _TRAINED[key]
  results = _evaluate(trainer, config, seed, truncation)
  results['train_minutes'] = train_s / 60
  print(f'{dataset} {name or model} seed {seed}: '
        f'{evaluation.summary(results)}, trained {train_s / 60:.1f} min',
        flush=True)
  return results, trainer


def _tfp_run(data, seed, seconds):
  """tfp.distributions.PixelCNN (_tfp.SMALL) trained for `seconds`; its
  scores and samples."""
  results, samples = _tfp.train_and_score(
      data, seed, FLAGS.num_samples, seconds=seconds,
      classified=data.dataset in CLASSIFIED)
  print(f'{data.dataset} tfp PixelCNN seed {seed}: '
        f'{results["train_steps"]} steps, {evaluation.summary(results)}',
        flush=True)
  return results, samples


def _write(report):
  """Writes the report's lines to <output>.md; returns its text."""
  text = '\n'.join(report)
  os.makedirs(os.path.dirname(FLAGS.output) or '.', exist_ok=True)
  with open(f'{FLAGS.output}.md', 'w') as f:
    f.write(text + '\n')
  return text


def main(argv):
  del argv
  models = []  # (label, model kind, config changes).
  for spec in FLAGS.models:
    model, _, backbone = spec.partition(':')
    if model not in LABELS or backbone not in ('',) + BACKBONES:
      raise app.UsageError(f'Unknown model {spec!r}; one of '
                           f'{", ".join(LABELS)}, optionally :snail.')
    models.append((LABELS[model] + (f' ({backbone})' if backbone else ''),
                   model, {'backbone': backbone} if backbone else {}))
  for model in FLAGS.ablation_models:
    if model not in LABELS:
      raise app.UsageError(f'Unknown model {model!r} in --ablation_models; '
                           f'one of {", ".join(LABELS)}.')
  for name in FLAGS.ablations:
    if name not in ABLATIONS:
      raise app.UsageError(f'Unknown ablation {name!r}; one of '
                           f'{", ".join(ABLATIONS)}.')
  start = time.time()
  seeds = [int(s) for s in FLAGS.seeds]
  report = ['# PixelIQN against PixelCNN on the bundled data\n'
            ] + report_lib.provenance() + [
            'Settings in full: `python -m experiments.quality '
            f'--datasets={",".join(FLAGS.datasets)} '
            f'--models={",".join(FLAGS.models)} '
            f'--seeds={",".join(FLAGS.seeds)} --steps={",".join(FLAGS.steps)}'
            f' --num_samples={FLAGS.num_samples} --tfp={",".join(FLAGS.tfp)}'
            f' --output={FLAGS.output}'
            + (f' --ablations={",".join(FLAGS.ablations)} --ablation_dataset='
               f'{",".join(FLAGS.ablation_dataset)} --ablation_models='
               f'{",".join(FLAGS.ablation_models)}' if FLAGS.ablations else '')
            + '`; mean +- standard '
            f'deviation over {len(seeds)} seeds.\n']
  for dataset in FLAGS.datasets:
    rows, pictures = collections.OrderedDict(), {}
    for label, model, changes in models:
      rows[label] = []
      for seed in seeds:
        results, trainer = _run(dataset, model, seed,
                                model + ''.join(f'_{v}' for v in
                                                changes.values()),
                                **changes)
        rows[label].append(results)
        data = trainer.config.data
        if seed == seeds[0]:
          pictures[label] = evaluation.draw_samples(
              trainer.average_model, 36 if dataset != 'photos' else 16,
              seed=seed)
    first_label = models[0][0]
    if dataset in FLAGS.tfp and dataset in CLASSIFIED:
      rows['TFP PixelCNN++'] = []
      for i, seed in enumerate(seeds):  # As long as the first model.
        seconds = rows[first_label][i]['train_minutes'] * 60
        results, samples = _tfp_run(data, seed, seconds)
        rows['TFP PixelCNN++'].append(results)
        if seed == seeds[0]:
          pictures['TFP PixelCNN++'] = samples[:len(pictures[first_label])]
    first = rows[first_label][0]
    rows['test images'] = [{k[:-5]: v for k, v in first.items()
                            if k.endswith('_data')} | {
                                'fid': first.get('fid_floor'),
                                'inception_score': first.get(
                                    'test_inception_score'),
                                'swd': first.get('swd_floor'),
                                'precision': first.get('test_precision'),
                                'recall': first.get('test_recall')}]
    test = datasets.as_arrays(dataset, 'test', limit=len(
        pictures[first_label]))['images']
    pictures['test images'] = test
    spec = datasets.get_spec(dataset)
    report += [f'## {dataset} ({"x".join(map(str, spec.image_shape))}, '
               f'{_steps().get(dataset, "preset")} steps)\n'
               ] + _preset_runs.table(rows, COLUMNS) + ['']
    fid = {name: np.mean([r['fid'] for r in runs]) for name, runs in
           rows.items() if all(r.get('fid') is not None for r in runs)}
    for suffix in ('', ' (snail)'):
      iqn, cnn = 'PixelIQN' + suffix, 'PixelCNN' + suffix
      if iqn in fid and cnn in fid:
        report.append(f'{iqn} / {cnn} FID: {fid[iqn] / fid[cnn]:.2f} (the '
                      'paper: 0.75 on CIFAR-10, 0.58 on ImageNet 32x32).\n')
    _preset_runs.side_by_side(
        f'{FLAGS.output}_{dataset}.png',
        {name: grids.image_grid(images, scale=4 if dataset != 'photos'
                                else 2)
         for name, images in pictures.items()})
    report.append(f'![{dataset} samples]({os.path.basename(FLAGS.output)}_'
                  f'{dataset}.png)\n')
    _write(report)  # An interrupted study keeps the datasets it finished.
  study_s = time.time() - start
  for dataset in FLAGS.ablation_dataset if FLAGS.ablations else ():
    rows = collections.OrderedDict()
    for model in FLAGS.ablation_models:
      # PixelIQN's rows and run directories keep their first names.
      prefix = '' if model == 'pixel_iqn' else f'{model}_'
      rows[f'{LABELS[model]} (preset)'] = [
          _run(dataset, model, seed)[0] for seed in seeds]
      for name in FLAGS.ablations:
        if not _applies(dataset, model, name):
          continue
        label = name if model == 'pixel_iqn' else f'{LABELS[model]} {name}'
        rows[label] = [_run(dataset, model, seed, prefix + name,
                            **ABLATIONS[name])[0] for seed in seeds]
    report += [f'## {", ".join(LABELS[m] for m in FLAGS.ablation_models)} '
               f'ablations on {dataset}, one factor at a time\n'
               ] + _preset_runs.table(rows, COLUMNS) + ['']
  report.append(f'Wall time {(time.time() - start) / 60:.1f} min (the '
                f'comparison {study_s / 60:.1f} min, the ablations '
                f'{(time.time() - start - study_s) / 60:.1f} min).')
  print(_write(report))


if __name__ == '__main__':
  app.run(main)
