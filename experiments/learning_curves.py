r"""Learning curves of PixelIQN and its likelihood siblings (paper, Figure 5).

Trains each (model, seed) with the dataset's preset through the train binary,
evaluating the Polyak-averaged weights every --eval_every steps
(`--eval_every`: FID and Inception score with the dataset's classifier, SWD,
held-out loss), one run after the other. Every evaluation point is kept in
its run's `eval/step_<N>.json`, and a stopped study resumes where it stopped
(the train binary continues a run from its last checkpoint), so it can be
completed over several sittings.

  python -m experiments.learning_curves --dataset=digits --train_steps=12000 \
      [--models=pixel_iqn,pixel_cnn,pixel_cnn_pp] [--seeds=0,1,2]
  python -m experiments.learning_curves --dataset=digits --report_only

Writes <output>.json (every point of every run), <output>.md (each model's
best and final figures, the step PixelIQN first reaches PixelCNN's best FID)
and <output>.png (the curves: mean over the seeds and their range) after
every run, so a stopped study keeps what it finished; `--report_only` writes
them from the points gathered so far, without training.
"""

import json
import os
import subprocess
import sys

from absl import app
from absl import flags

from experiments import _curves
from experiments import report

FLAGS = flags.FLAGS
flags.DEFINE_string('dataset', 'digits', 'Bundled dataset (its preset).')
flags.DEFINE_list('models', ['pixel_iqn', 'pixel_cnn', 'pixel_cnn_pp'],
                  'Model kinds, each with the dataset\'s preset.')
flags.DEFINE_list('seeds', ['0', '1', '2'], 'Seeds of every model.')
flags.DEFINE_integer('train_steps', 12000, 'Steps of every run.')
flags.DEFINE_integer('eval_every', 1000, 'Steps between evaluation points.')
flags.DEFINE_integer('num_samples', 300, 'Samples per evaluation point.')
flags.DEFINE_string('work_dir', 'runs/curves', 'Run directories: '
                    '<work_dir>/<dataset>/<model>_seed<seed>.')
flags.DEFINE_string('output', None, 'Writes <output>.json with every point '
                    '(default: docs/results/curves_<dataset>).')
flags.DEFINE_bool('report_only', False, 'Only gather the points so far.')


def train(model_dir, dataset, model, seed, train_steps, eval_every,
          num_samples):
  """Trains (or continues) one run through the train binary."""
  command = [
      sys.executable, '-m', 'binaries.train', f'--preset={dataset}',
      f'--model={model}', f'--seed={seed}', f'--model_dir={model_dir}',
      f'--train_steps={train_steps}', f'--eval_every={eval_every}',
      f'--eval_num_samples={num_samples}', '--eval_classifier=dataset',
      '--sample_every=0']
  print('+', ' '.join(command), flush=True)
  subprocess.run(command, check=True)


METRICS = (('fid', 'FID'), ('inception_score', 'Inception score'),
           ('precision', 'precision'), ('recall', 'recall'),
           ('swd', 'SWD x1e3'), ('test_bits_per_dim', 'test bits/dim'))
HIGHER_IS_BETTER = ('inception_score', 'precision', 'recall')
# Each metric's value for the test images against the training images.
FLOORS = {'fid': 'fid_floor', 'inception_score': 'test_inception_score',
          'precision': 'test_precision', 'recall': 'test_recall',
          'swd': 'swd_floor'}
LABELS = {'pixel_iqn': 'PixelIQN', 'pixel_cnn': 'PixelCNN',
          'pixel_cnn_pp': 'PixelCNN++ head'}


def picture(models, path):
  """The curves of every metric, one panel each, mean and range over seeds."""
  import matplotlib  # pylint: disable=g-import-not-at-top
  matplotlib.use('Agg')
  from matplotlib import pyplot  # pylint: disable=g-import-not-at-top
  columns = (len(METRICS) + 1) // 2
  figure, axes = pyplot.subplots(2, columns, figsize=(4 * columns, 6.4))
  axes = axes.ravel()
  for axis, (metric, title) in zip(axes, METRICS):
    plotted = False
    for index, (model, runs) in enumerate(models.items()):
      steps, mean, low, high, _ = _curves.curve(runs, metric)
      if not len(steps):
        continue
      plotted = True
      color = f'C{index}'  # One colour a model in every panel.
      axis.plot(steps, mean, color=color, label=f'{LABELS.get(model, model)} '
                f'({len(runs)} seed{"s" * (len(runs) > 1)})')
      axis.fill_between(steps, low, high, color=color, alpha=0.2)
    test_images = _curves.floor(models, FLOORS.get(metric))
    if test_images is not None:
      axis.axhline(test_images, color='grey', linestyle='--',
                   label='test images')
    axis.set_title(title)
    axis.set_xlabel('steps')
    if not plotted:  # E.g. no Inception score without classes.
      axis.text(0.5, 0.5, 'not measured for this data', ha='center',
                va='center', transform=axis.transAxes, color='grey')
      axis.set_xticks([])
      axis.set_yticks([])
  axes[0].legend(fontsize=8)
  figure.tight_layout()
  figure.savefig(path, dpi=100)
  pyplot.close(figure)


def page(models, dataset, settings):
  """The markdown lines of the study's results so far."""
  lines = [f'# Learning curves on {dataset}', ''] + report.provenance() + [
      settings, '',
      '| model | seeds | ' + ' | '.join(
          f'best {t} (step) | final {t}' for _, t in METRICS) + ' |',
      '|---|---' + '|---|---' * len(METRICS) + '|']
  for model, runs in models.items():
    cells = []
    for metric, _ in METRICS:
      steps, mean, _, _, _ = _curves.curve(runs, metric)
      if not len(steps):
        cells += ['-', '-']
        continue
      sign = -1 if metric in HIGHER_IS_BETTER else 1
      value, step = _curves.best(steps, sign * mean)
      seeds = _curves.seeds_with(runs, metric)
      only = '' if len(seeds) == len(runs) else (
          f' (seed{"s" * (len(seeds) > 1)} {", ".join(map(str, seeds))} '
          'only)')
      cells += [f'{sign * value:.3f} ({step}){only}', f'{mean[-1]:.3f}']
    lines.append(f'| {LABELS.get(model, model)} | '
                 f'{", ".join(map(str, sorted(runs)))} | ' +
                 ' | '.join(cells) + ' |')
  floors = [_curves.floor(models, FLOORS.get(m)) for m, _ in METRICS]
  if any(f is not None for f in floors):
    lines.append('| test images | - | ' + ' | '.join(
        '- | -' if f is None else f'{f:.3f} | -' for f in floors) + ' |')
  if 'pixel_iqn' in models and 'pixel_cnn' in models:
    steps, cnn, _, _, _ = _curves.curve(models['pixel_cnn'], 'fid')
    if len(steps):
      target, at = _curves.best(steps, cnn)
      steps, iqn, _, _, _ = _curves.curve(models['pixel_iqn'], 'fid')
      reached = _curves.first_reaching(steps, iqn, target) if len(steps) else (
          None)
      lines += ['', f'PixelCNN\'s best FID (mean over its seeds) is '
                f'{target:.3f}, at step {at}; PixelIQN first reaches it at '
                + (f'step {reached}.' if reached else 'no evaluated step.')]
  return lines


def main(argv):
  del argv
  output = FLAGS.output or f'docs/results/curves_{FLAGS.dataset}'
  listed = [(model, int(seed)) for seed in FLAGS.seeds
            for model in FLAGS.models]
  # Points kept in the results file from earlier sittings (run directories
  # are not kept between machines): a run finished there is not retrained.
  kept = _curves.kept_points(output + '.json', FLAGS.dataset,
                             FLAGS.train_steps, FLAGS.eval_every,
                             FLAGS.num_samples)
  runs = _curves.planned(listed, kept)
  points = lambda m, s: _curves.points(_curves.run_dir(
      FLAGS.work_dir, FLAGS.dataset, m, s)) or kept.get(f'{m}_seed{s}', [])
  done = lambda m, s: _curves.finished(points(m, s), FLAGS.train_steps)
  for model, seed in listed:
    model_dir = _curves.run_dir(FLAGS.work_dir, FLAGS.dataset, model, seed)
    if not FLAGS.report_only and not done(model, seed):
      train(model_dir, FLAGS.dataset, model, seed, FLAGS.train_steps,
            FLAGS.eval_every, FLAGS.num_samples)
    gathered = {f'{m}_seed{s}': points(m, s) for m, s in runs}
    os.makedirs(os.path.dirname(output) or '.', exist_ok=True)
    with open(output + '.json', 'w') as f:
      json.dump({'dataset': FLAGS.dataset, 'train_steps': FLAGS.train_steps,
                 'eval_every': FLAGS.eval_every,
                 'num_samples': FLAGS.num_samples, 'runs': gathered},
                f, indent=1, sort_keys=True)
    models = _curves.by_model(gathered)
    if models:
      picture(models, output + '.png')
      settings = (
          f'Each dataset\'s preset for every model, {FLAGS.train_steps} steps '
          f'per run, the Polyak-averaged weights evaluated every '
          f'{FLAGS.eval_every} steps on {FLAGS.num_samples} samples against '
          f'as many training images (FID and Inception score with the '
          f'dataset\'s classifier). Runs finished or under way: '
          + ', '.join(f'{m} seed {s}' for m, s in runs if gathered[
              f'{m}_seed{s}']) + '; not finished: ' + (', '.join(
                  f'{m} seed {s}' for m, s in runs if not done(m, s))
                  or 'none') + '.')
      report.write_page(output, page(models, FLAGS.dataset, settings) + [
          '', f'![Learning curves]({os.path.basename(output)}.png)'])
    if FLAGS.report_only:
      break
  print(f'Wrote {output}.json, .md and .png')


if __name__ == '__main__':
  app.run(main)
