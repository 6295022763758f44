r"""Which backbone for which head? The autoregressive family on bundled data.

Trains every backbone (--backbones: the Gated PixelCNN, the PixelSNAIL-style
one, PixelRNN's Row LSTM and Diagonal BiLSTM, PixelCNN++'s U-Net) under every
head (--heads: PixelIQN's quantiles, PixelCNN's softmax, PixelCNN++'s
logistic mixture) with each dataset's preset for the same training
wall-clock (--budget_s: each run's steps are its measured steps per second
times the budget, experiments/_budget.py), and scores every run the same way
(evaluation/evaluate.py): FID, Inception score, precision and recall with the
dataset's classifier, held-out bits/dim (PixelIQN's its own likelihood,
smoothed, with the share of test sub-pixels its quantiles cannot reach; the
snail backbone has none), the cost of a training step and of a sample from
the library's default (cached) sampler. On --tfp datasets
`tfp.distributions.PixelCNN`, sized as our PixelCNN++ backbone (blocks,
resolutions, planes, mixtures; no dropout), trains as many steps as our
PixelCNN++ backbone under the mixture head: the peer check of that pair.

The question it answers: does a backbone close PixelIQN's gap to PixelCNN
that the Gated PixelCNN leaves at CPU scale?

  python -m experiments.backbone_comparison [--datasets=digits,mnist,photos]
      [--backbones=gated,snail,row_lstm,diagonal_bilstm,pixelcnn_pp]
      [--heads=pixel_iqn,pixel_cnn,pixel_cnn_pp] [--seeds=0,1,2]
      [--budget_s=digits=60,mnist=180,photos=180] [--tfp=digits]
      [--work_dir=runs/backbones] [--output=docs/results/backbones]
      [--report_only]

Writes <output>.md after every run (what is missing listed), <output>.json
(every run's results and each dataset's measured rates, so a study resumes
where it stopped, on any machine) and <output>_<dataset>_<head>.png (sample
grids of the first seed, one per backbone, beside the test images).
"""

import collections
import os
import time

from absl import app
from absl import flags
import numpy as np
import tensorflow as tf

from aiqn_tf.core import grids
from aiqn_tf.data import datasets
from aiqn_tf.evaluation import classifier_training
from aiqn_tf.evaluation import evaluate as evaluation
from aiqn_tf.models import noise as noise_lib
from aiqn_tf.models.backbones import backbone as backbone_lib
from aiqn_tf.runs import presets
from experiments import _budget
from experiments import _preset_runs
from experiments import _tfp
from experiments import report as report_lib

FLAGS = flags.FLAGS
HEADS = collections.OrderedDict(pixel_iqn='PixelIQN', pixel_cnn='PixelCNN',
                                pixel_cnn_pp='PixelCNN++ head')
BACKBONES = ('gated', 'snail', 'row_lstm', 'diagonal_bilstm', 'pixelcnn_pp')
# Held-out bits/dim on CIFAR-10 in the papers (PixelCNN and the PixelRNNs:
# van den Oord et al. 2016a; Gated PixelCNN: 2016b; PixelCNN++: Salimans et
# al. 2017; PixelSNAIL: Chen et al. 2018), each with its own head: the
# softmax, except PixelCNN++'s and PixelSNAIL's logistic mixtures.
PUBLISHED = (('PixelCNN', 3.14), ('Row LSTM', 3.07), ('Diagonal BiLSTM', 3.00),
             ('Gated PixelCNN', 3.03), ('PixelCNN++', 2.92),
             ('PixelSNAIL', 2.85))
TFP = 'TFP PixelCNN++'
PEER = ('pixel_cnn_pp', 'pixelcnn_pp')  # (head, backbone) TFP's is set beside.

flags.DEFINE_list('datasets', ['digits', 'mnist', 'photos'],
                  'Bundled datasets with a classifier.')
flags.DEFINE_list('backbones', list(BACKBONES), 'Registered backbones.')
flags.DEFINE_list('heads', list(HEADS), 'Heads (pixel model kinds).')
flags.DEFINE_list('seeds', ['0', '1', '2'], 'Seeds of every run.')
flags.DEFINE_list('budget_s', ['digits=60', 'mnist=180', 'photos=180'],
                  'Training seconds of every run, per dataset.')
flags.DEFINE_list('tfp', ['digits'], 'Datasets on which TFP\'s PixelCNN, '
                  'sized as our PixelCNN++ backbone, trains beside it.')
flags.DEFINE_integer('num_samples', 300, 'Samples (and training and test '
                     'images) per evaluation.')
flags.DEFINE_integer('cost_samples', 16, 'Samples of the timed draw (after '
                     'one untimed draw of as many, which compiles).')
flags.DEFINE_bool('report_only', False, 'Only rewrite <output>.md from '
                  '<output>.json (and the pictures there), training nothing.')
flags.DEFINE_string('work_dir', 'runs/backbones', 'Run directories.')
flags.DEFINE_string('output', 'docs/results/backbones', 'Writes <output>.md, '
                    '.json and _<dataset>_<head>.png.')

COLUMNS = (('steps', 'steps', 0), ('step_ms', 'ms/step', 1),
           ('fid', 'FID', 2), ('inception_score', 'IS', 2),
           ('precision', 'precision', 3), ('recall', 'recall', 3),
           ('test_bits_per_dim', 'test bits/dim', 3),
           ('test_unreachable', 'unreachable', 3),
           ('sample_ms', 'sample ms/image', 1),
           ('train_minutes', 'train min', 1))


def _name(head, backbone):
  return f'{head}_{backbone}'


# The load average (2 cores; the study itself keeps about 2) above which a
# run's timings are marked as measured on a loaded machine.
LOADED = 2.5


def _label(head, backbone):
  return f'{HEADS[head]} ({backbone})'


def _run_dir(dataset, name, seed):
  return os.path.join(FLAGS.work_dir, dataset, f'{name}_seed{seed}')


def _train(dataset, head, backbone, seed, steps):
  return _preset_runs.train_preset(
      dataset, head, _run_dir(dataset, _name(head, backbone), seed), seed,
      steps, backbone=backbone, eval_every=0)


def _run(dataset, head, backbone, seed, steps, rate):
  """Trains, scores and times one run; its results."""
  config, trainer, seconds = _train(dataset, head, backbone, seed, steps)
  model = trainer.average_model
  classifier = classifier_training.resolve('dataset', None,
                                           config.data.spec())[0]
  results = evaluation.evaluate_model(
      model, classifier, FLAGS.num_samples,
      datasets.split_loader(config.data.spec()), seed=seed,
      likelihood_images=config.evaluation.eval_likelihood_images)
  results.update(steps=steps, step_ms=1000 / rate, train_minutes=seconds / 60,
                 sample_ms=_sample_ms(model, seed),
                 sample_load=os.getloadavg()[0])
  trainer.close()
  print(f'{dataset} {_label(head, backbone)} seed {seed}: {steps} steps, '
        f'{evaluation.summary(results)}', flush=True)
  return results


def _sample_ms(model, seed):
  """Milliseconds an image of the default sampler, XLA-compiled, warm."""
  n = FLAGS.cost_samples
  noise = noise_lib.draw_noise((n,) + tuple(model.noise_shape), seed + 1)
  labels = (tf.range(n, dtype=tf.int32) % model.num_classes
            if model.num_classes else None)
  sample = tf.function(lambda u: model.sample(u, None, labels),
                       jit_compile=True)
  sample(noise).numpy()  # Traces and compiles.
  start = time.perf_counter()
  sample(noise).numpy()
  return 1000 * (time.perf_counter() - start) / n


def _tfp_network(config):
  """tfp.distributions.PixelCNN's arguments sized as a pixelcnn_pp config.

  TFP's network differs from ours in what the heads see (its mixture
  conditions a pixel's colours on each other through linear coefficients;
  our backbone's output path is sub-pixel-causal), in its 2 x 3 kernels
  (ours: the preset's kernel_size) and its weight normalisation.

  Args:
    config: a runs.config.Config with the pixelcnn_pp backbone and the
      pixel_cnn_pp head.
  """
  model = config.model
  return dict(num_resnet=model.num_layers,
              num_hierarchies=config.backbone.resolutions,
              num_filters=model.filters,
              num_logistic_mix=model.num_mixtures, dropout_p=0.0)


def _tfp_run(dataset, seed, steps):
  """TFP's PixelCNN sized, batched and optimised as our PixelCNN++ pair."""
  config = presets.preset(dataset, *PEER)
  config.data = config.data.resolve()
  results, samples = _tfp.train_and_score(
      config.data, seed, FLAGS.num_samples, steps=steps,
      batch_size=config.loop.batch_size,
      learning_rate=config.optimizer.learning_rate,
      network=_tfp_network(config))
  results['steps'] = steps  # No ms/step: its time includes tracing.
  np.save(os.path.join(FLAGS.work_dir, dataset, f'tfp_seed{seed}.npy'),
          samples[:36])
  print(f'{dataset} {TFP} seed {seed}: {steps} steps, '
        f'{evaluation.summary(results)}', flush=True)
  return results


def _report(store, pairs, seeds, header):
  """The page's lines from what the store holds; runs missing are listed."""
  lines = list(header)
  missing = []
  for dataset in FLAGS.datasets:
    budget = store.get(f'budget/{dataset}')
    spec = datasets.get_spec(dataset)
    seconds = _budget.parse(FLAGS.budget_s)[dataset]
    lines.append(f'## {dataset} ({"x".join(map(str, spec.image_shape))}), '
                 f'{seconds:g} s of training each\n')
    if budget:
      lines.append(f'Steps per second measured at a {budget["gflops"]:.0f} '
                   f'GFLOP/s matmul ceiling (load average '
                   f'{budget["load_average"]:.1f} then).\n')
    rows = collections.OrderedDict()
    for head, backbone in pairs:
      runs = [store[k] for k in (f'{dataset}/{_name(head, backbone)}/seed{s}'
                                 for s in seeds) if k in store]
      missing += [f'{dataset} {_label(head, backbone)} seed {s}' for s in seeds
                  if f'{dataset}/{_name(head, backbone)}/seed{s}' not in store]
      if runs:
        rows[_label(head, backbone)] = runs
    if dataset in FLAGS.tfp:
      runs = [store[k] for k in (f'{dataset}/tfp/seed{s}' for s in seeds)
              if k in store]
      missing += [f'{dataset} {TFP} seed {s}' for s in seeds
                  if f'{dataset}/tfp/seed{s}' not in store]
      if runs:
        rows[TFP] = runs
    if not rows:
      lines.append('No run finished yet.\n')
      continue
    first = next(iter(rows.values()))[0]
    rows['test images'] = [{'fid': first.get('fid_floor'),
                            'inception_score': first.get(
                                'test_inception_score'),
                            'precision': first.get('test_precision'),
                            'recall': first.get('test_recall')}]
    lines += _preset_runs.table(collections.OrderedDict(
        (name if name == 'test images' or len(runs) == len(seeds) else
         f'{name} [{len(runs)} of {len(seeds)} seeds]', runs)
        for name, runs in rows.items()), COLUMNS) + ['']
    loaded = [f'{_label(head, backbone)} seed {s} ({run["sample_load"]:.1f})'
              for head, backbone in pairs for s in seeds
              for run in [store.get(f'{dataset}/{_name(head, backbone)}/'
                                    f'seed{s}') or {}]
              if run.get('sample_load', 0) > LOADED]
    if loaded:
      lines.append('Runs whose sample ms/image and train min were measured '
                   'while other work loaded the machine (load average over '
                   f'{LOADED} when sampling; their steps, and so every other '
                   'column, are the calibrated budget\'s): ' +
                   ', '.join(loaded) + '.\n')
    for key, what in (('fid', 'FID'), ('test_bits_per_dim', 'test bits/dim')):
      lines += [f'{what}, mean over seeds (rows: backbones, columns: '
                'heads):\n', '| backbone | ' + ' | '.join(
                    HEADS[h] for h in FLAGS.heads) + ' |',
                '|---' * (len(FLAGS.heads) + 1) + '|']
      for backbone in FLAGS.backbones:
        lines.append(f'| {backbone} | ' + ' | '.join(_preset_runs.cell(
            [np.mean([r[key] for r in rows[_label(h, backbone)]])]
            if _label(h, backbone) in rows and all(
                r.get(key) is not None for r in rows[_label(h, backbone)])
            else [], 3 if key != 'fid' else 2) for h in FLAGS.heads) + ' |')
      lines.append('')
    ratios = []
    for backbone in FLAGS.backbones:
      iqn, cnn = (rows.get(_label(h, backbone)) for h in ('pixel_iqn',
                                                          'pixel_cnn'))
      if iqn and cnn:
        fid = [np.mean([r['fid'] for r in runs]) for runs in (iqn, cnn)]
        ratios.append(f'{backbone} {fid[0] / fid[1]:.2f}')
    if ratios:
      lines.append('PixelIQN / PixelCNN FID by backbone (the paper, on the '
                   'Gated PixelCNN: 0.75 on CIFAR-10): ' + ', '.join(ratios) +
                   '.\n')
    for head in FLAGS.heads:
      picture = f'{FLAGS.output}_{dataset}_{head}.png'
      if os.path.exists(picture):
        lines.append(f'![{dataset} {HEADS[head]}]'
                     f'({os.path.basename(picture)})\n')
  lines += ['## The published CIFAR-10 figures, for scale\n',
            'Held-out bits/dim on CIFAR-10 (32x32x3) after days of GPU '
            'training, each model with its own head; not these runs, not '
            'these data and not this budget: the tables above are not this '
            'one.\n', '| model | bits/dim |', '|---|---|'] + [
                f'| {name} | {bits:.2f} |' for name, bits in PUBLISHED] + ['']
  if missing:
    lines += ['## Not run yet\n', ', '.join(missing) + '.', '']
  return lines


def _pictures(dataset, pairs, steps, seed):
  """One picture per head: the first seed's samples of every backbone."""
  test = datasets.as_arrays(dataset, 'test', limit=36)['images']
  scale = 4 if dataset == 'digits' else 2
  for head in FLAGS.heads:
    grids_by_name = collections.OrderedDict()
    for h, backbone in pairs:
      if h != head:
        continue
      _, trainer, _ = _train(dataset, head, backbone, seed,
                             steps[_name(head, backbone)])
      grids_by_name[backbone] = grids.image_grid(evaluation.draw_samples(
          trainer.average_model, len(test), seed=seed), scale=scale)
      trainer.close()
    tfp_samples = os.path.join(FLAGS.work_dir, dataset, f'tfp_seed{seed}.npy')
    if head == PEER[0] and os.path.exists(tfp_samples):
      grids_by_name[TFP] = grids.image_grid(np.load(tfp_samples), scale=scale)
    grids_by_name['test images'] = grids.image_grid(test, scale=scale)
    _preset_runs.side_by_side(f'{FLAGS.output}_{dataset}_{head}.png',
                              grids_by_name)


def main(argv):
  del argv
  for backbone in FLAGS.backbones:
    if backbone not in backbone_lib.REGISTRY.names():
      raise app.UsageError(f'Unknown backbone {backbone!r}; one of '
                           f'{", ".join(backbone_lib.REGISTRY.names())}.')
  for head in FLAGS.heads:
    if head not in HEADS:
      raise app.UsageError(f'Unknown head {head!r}; one of '
                           f'{", ".join(HEADS)}.')
  for dataset in FLAGS.datasets:
    if dataset not in _budget.parse(FLAGS.budget_s):
      raise app.UsageError(f'No --budget_s for {dataset}.')
  seeds = [int(s) for s in FLAGS.seeds]
  pairs = [(h, b) for b in FLAGS.backbones for h in FLAGS.heads]
  variants = {_name(h, b): (h, {'backbone': b}) for h, b in pairs}
  results_file = FLAGS.output + '.json'
  store = _preset_runs.load_results(results_file)
  save = lambda: _preset_runs.save_results(results_file, store)
  header = ['# The autoregressive family: five backbones under three heads\n'
            ] + report_lib.provenance() + [
            'Settings in full: `python -m experiments.backbone_comparison '
            f'--datasets={",".join(FLAGS.datasets)} '
            f'--backbones={",".join(FLAGS.backbones)} '
            f'--heads={",".join(FLAGS.heads)} --seeds={",".join(FLAGS.seeds)}'
            f' --budget_s={",".join(FLAGS.budget_s)} '
            f'--tfp={",".join(FLAGS.tfp)} --num_samples={FLAGS.num_samples}'
            f'`; mean +- standard deviation over {len(seeds)} seeds. '
            'Every run trains for the same wall-clock with its dataset\'s '
            'preset (network size, batch, optimizer; the PixelCNN++ U-Net '
            'with the preset\'s one block per resolution); ms/step is the '
            'measured rate the steps came from; sample ms/image is the '
            f'default sampler ({FLAGS.cost_samples} images a call, '
            'XLA-compiled, the second call timed). PixelIQN\'s bits/dim '
            'are its own likelihood '
            '(smoothed; "unreachable": the share of test sub-pixels its '
            'quantiles cannot reach); the snail backbone gives PixelIQN '
            'none.\n']
  write = lambda: report_lib.write_page(
      FLAGS.output, _report(store, pairs, seeds, header))
  if FLAGS.report_only:
    header.insert(-1, 'Written from the results file (--report_only); the '
                  'runs were made by the settings below, on the machine '
                  'each dataset\'s rates name.\n')
    write()
    return
  for dataset in FLAGS.datasets:
    steps, budget = _budget.steps_in_budget(
        dataset, list(variants), _budget.parse(FLAGS.budget_s)[dataset],
        FLAGS.work_dir, store, save, variants)
    for seed in seeds:  # Seed by seed: a partial study has every pair.
      for head, backbone in pairs:
        name = _name(head, backbone)
        key = f'{dataset}/{name}/seed{seed}'
        if key not in store:
          store[key] = _run(dataset, head, backbone, seed, steps[name],
                            budget['steps_per_s'][name])
          save()
          write()
      key = f'{dataset}/tfp/seed{seed}'
      if dataset in FLAGS.tfp and PEER in pairs and key not in store:
        store[key] = _tfp_run(dataset, seed, steps[_name(*PEER)])
        save()
        write()
      if seed == seeds[0] and not all(os.path.exists(
          f'{FLAGS.output}_{dataset}_{head}.png') for head in FLAGS.heads):
        _pictures(dataset, pairs, steps, seed)  # The first seed's, once.
        write()
  write()


if __name__ == '__main__':
  app.run(main)
