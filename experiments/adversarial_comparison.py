r"""Should I use AIQN or a GAN? Models on the same data and budget.

Trains PixelIQN, PixelCNN, AIQN-VAE, VAE, AAE, alpha-GAN, WGAN-GP and DCGAN
(the default --models; also VEEGAN, VGH, VAE-F, CQ, CQ-F and seed 002's
Gaussian VAE, VAE-F without its flow) with each dataset's preset for the same training wall-clock
budget: each model's steps are its measured steps per second times
--budget_s (experiments/_budget.py: measured once per dataset and kept with the
results, so a resumed study trains the same steps; PixelIQN and PixelCNN
share the backbone, so they also get equal steps).

Every run is scored the same way (evaluation/evaluate.py): FID and Inception
score with the dataset's classifier, precision and recall, sliced
Wasserstein distance, diversity (mean MS-SSIM of sample pairs, beside the
test images'), the independent Wasserstein critic (Rosca et al. 2018), the
distance to the nearest training image, and for the latent models how far
their sampled codes are from the encoder's (latent_w1 over its floor, so
that priors of different variance compare). --lr_factors adds a learning-rate
sweep on the first seed: the spread of FID across it is each model's
sensitivity.

  python -m experiments.adversarial_comparison [--datasets=digits,mnist]
      [--models=...] [--seeds=0,1,2] [--budget_s=digits=120,mnist=300]
      [--lr_factors=0.5,2] [--sweep_datasets=digits]
      [--work_dir=runs/adversarial]
      [--output=docs/results/adversarial]

Writes <output>.md (tables, mean +- standard deviation over seeds),
<output>_<dataset>.png (sample grids side by side, first seed) and
<output>.json (every run's results and each dataset's measured steps per
second, kept between sittings and machines).
"""

import collections
import os

from absl import app
from absl import flags

from aiqn_tf.core import grids
from aiqn_tf.data import datasets
from aiqn_tf.evaluation import classifier_training
from aiqn_tf.evaluation import evaluate as evaluation
from aiqn_tf.runs import presets
from experiments import _budget
from experiments import _preset_runs
from experiments import report as report_lib

FLAGS = flags.FLAGS
LABELS = collections.OrderedDict(
    pixel_iqn='PixelIQN', pixel_cnn='PixelCNN', aiqn_vae='AIQN-VAE',
    vae='VAE', aae='AAE', alpha_gan='alpha-GAN', wgan_gp='WGAN-GP',
    dcgan='DCGAN', veegan='VEEGAN', vgh='VGH', vae_f='VAE-F', cq='CQ',
    cq_f='CQ-F', vae_gaussian='VAE (Gaussian)')
# Runs of a kind with other settings: seed 002's VAE row is VAE-F without
# its flow, a factorised Gaussian over pixels trained on the likelihood.
VARIANTS = {'vae_gaussian': ('vae_f', {'flow_steps': 0})}
# The first results' models; the hybrids of issue 39 are named with --models.
DEFAULT_MODELS = list(LABELS)[:8]
flags.DEFINE_list('datasets', ['digits'], 'Bundled datasets with a '
                  'classifier (digits, mnist).')
flags.DEFINE_list('models', DEFAULT_MODELS, 'Models compared: any of '
                  f'{", ".join(LABELS)}.')
flags.DEFINE_list('seeds', ['0', '1', '2'], 'Seeds of every run.')
flags.DEFINE_list('budget_s', ['digits=120', 'mnist=300'], 'Training '
                  'seconds of every run, per dataset.')
flags.DEFINE_list('lr_factors', ['0.5', '2'], 'Learning-rate factors of the '
                  'sweep on the first seed (empty: none).')
flags.DEFINE_list('sweep_datasets', None, 'Datasets the learning-rate sweep '
                  'runs on (default: all of --datasets).')
flags.DEFINE_list('keep_pictures', [], 'Datasets whose sample grid '
                  '<output>_<dataset>.png is kept if it exists (drawing it '
                  'retrains the first seed\'s runs when their directories '
                  'are gone).')
flags.DEFINE_string('rate_reference', 'dcgan', 'A model of the recorded '
                    'rates timed again when models are added, to scale their '
                    'rates to the recorded machine and load '
                    '(experiments/_budget.py).')
flags.DEFINE_integer('num_samples', 300, 'Samples (and training and test '
                     'images) per evaluation.')
flags.DEFINE_string('work_dir', 'runs/adversarial', 'Run directories.')
flags.DEFINE_string('output', 'docs/results/adversarial', 'Writes '
                    '<output>.md, .json and _<dataset>.png.')

COLUMNS = (('steps', 'steps', 0), ('test_bits_per_dim', 'bits/dim', 2),
           ('fid', 'FID', 2),
           ('inception_score', 'IS', 2), ('precision', 'precision', 3),
           ('recall', 'recall', 3), ('diversity', 'MS-SSIM', 3),
           ('critic_wasserstein', 'critic W', 3),
           ('nn_distance', 'NN distance', 1), ('swd', 'SWD x1e3', 1),
           ('latent_ratio', 'latent W1 / floor', 2),
           ('train_minutes', 'train min', 1))


def _evaluate(trainer, config, seed):
  classifier = classifier_training.resolve('dataset', None,
                                           config.data.spec())[0]
  results = evaluation.evaluate_model(
      trainer.average_model, classifier, FLAGS.num_samples,
      datasets.split_loader(config.data.spec()), seed=seed,
      likelihood_images=0)
  method = results.get('method')
  if f'latent_w1_{method}' in results:
    results['latent_ratio'] = (results[f'latent_w1_{method}'] /
                               results['latent_w1_floor'])
  return results


def _results_file():
  return FLAGS.output + '.json'


def _run(dataset, model, seed, steps, lr_factor, store):
  """Trains and evaluates one run once; its results (kept in store)."""
  key = f'{dataset}/{model}/seed{seed}/lr{lr_factor:g}/steps{steps}'
  if key in store:
    return store[key]
  kind, changes = VARIANTS.get(model, (model, {}))
  preset = presets.preset(dataset, kind)
  name = f'{model}_seed{seed}' + (f'_lr{lr_factor:g}' if lr_factor != 1
                                  else '')
  config, trainer, seconds = _preset_runs.train_preset(
      dataset, kind, os.path.join(FLAGS.work_dir, dataset, name), seed,
      steps, learning_rate=preset.optimizer.learning_rate * lr_factor,
      eval_every=0, **changes)
  results = _evaluate(trainer, config, seed)
  results.update(steps=steps, train_minutes=seconds / 60)
  print(f'{dataset} {model} seed {seed} lr x{lr_factor:g}: {steps} steps, '
        f'{evaluation.summary(results)}', flush=True)
  store[key] = results
  _preset_runs.save_results(_results_file(), store)
  return results


def main(argv):
  del argv
  for model in FLAGS.models:
    if model not in LABELS:
      raise app.UsageError(f'Unknown model {model!r}; one of '
                           f'{", ".join(LABELS)}.')
  for dataset in FLAGS.datasets:
    if dataset not in _budget.parse(FLAGS.budget_s):
      raise app.UsageError(f'No --budget_s for {dataset}.')
  seeds = [int(s) for s in FLAGS.seeds]
  store = _preset_runs.load_results(_results_file())
  report = ['# AIQN against GANs and adversarial autoencoders\n'
            ] + report_lib.provenance() + [
            f'Settings in full: `python -m experiments.adversarial_comparison '
            f'--datasets={",".join(FLAGS.datasets)} '
            f'--models={",".join(FLAGS.models)} --seeds={",".join(FLAGS.seeds)}'
            f' --budget_s={",".join(FLAGS.budget_s)} '
            f'--lr_factors={",".join(FLAGS.lr_factors)} ' +
            (f'--sweep_datasets={",".join(FLAGS.sweep_datasets)} '
             if FLAGS.sweep_datasets is not None else '') +
            f'--num_samples={FLAGS.num_samples}`; mean +- standard deviation '
            f'over {len(seeds)} seeds.\n']
  for dataset in FLAGS.datasets:
    steps, budget = _budget.steps_in_budget(
        dataset, FLAGS.models, _budget.parse(FLAGS.budget_s)[dataset],
        FLAGS.work_dir, store,
        lambda: _preset_runs.save_results(_results_file(), store), VARIANTS,
        FLAGS.rate_reference)
    rows, pictures = collections.OrderedDict(), {}
    for model in FLAGS.models:
      rows[LABELS[model]] = []
      for seed in seeds:
        rows[LABELS[model]].append(_run(dataset, model, seed, steps[model],
                                        1.0, store))
    first = next(iter(rows.values()))[0]
    rows['test images'] = [{
        'fid': first.get('fid_floor'),
        'inception_score': first.get('test_inception_score'),
        'precision': first.get('test_precision'),
        'recall': first.get('test_recall'),
        'diversity': first.get('diversity_data'),
        'nn_distance': first.get('nn_distance_data'),
        'swd': first.get('swd_floor')}]
    spec = datasets.get_spec(dataset)
    report += [
        f'## {dataset} ({"x".join(map(str, spec.image_shape))}), '
        f'{_budget.parse(FLAGS.budget_s)[dataset]:g} s of training each\n',
        f'Steps per second measured at a {budget["gflops"]:.0f} GFLOP/s '
        f'matmul ceiling (load average {budget["load_average"]:.1f} then): ' +
        ', '.join(f'{LABELS[m]} {budget["steps_per_s"][m]:.1f}'
                  for m in FLAGS.models) +
        '. A WGAN-GP step is 5 critic updates and a generator update.' +
        (' ' + ', '.join(LABELS[m] for m in budget['rescaled']) +
         ' were added later: their rates were measured on another day and '
         f'scaled by {next(iter(budget["rescaled"].values())):.3f}, '
         f'{LABELS[FLAGS.rate_reference]}\'s recorded rate over its rate '
         'that day.' if budget.get('rescaled') else '') + '\n'
    ] + _preset_runs.table(rows, COLUMNS) + ['']
    sweep = collections.OrderedDict()
    factors = [float(f) for f in FLAGS.lr_factors] if (
        FLAGS.sweep_datasets is None or dataset in FLAGS.sweep_datasets) else []
    for model in FLAGS.models:
      runs = [rows[LABELS[model]][0]] + [
          _run(dataset, model, seeds[0], steps[model], f, store)
          for f in factors]
      fids = [r['fid'] for r in runs]
      sweep[LABELS[model]] = fids
    if factors:
      report += [f'Learning-rate sweep (seed {seeds[0]}): FID at the '
                 'preset\'s rate times ' + ', '.join(
                     ['1'] + FLAGS.lr_factors) + '.\n',
                 '| model | ' + ' | '.join(
                     f'x{f}' for f in ['1'] + FLAGS.lr_factors) +
                 ' | max / min |', '|---' * (len(factors) + 3) + '|'] + [
                     f'| {name} | ' + ' | '.join(f'{v:.2f}' for v in fids) +
                     f' | {max(fids) / min(fids):.2f} |'
                     for name, fids in sweep.items()] + ['']
    picture = f'{FLAGS.output}_{dataset}.png'
    for model in ([] if dataset in FLAGS.keep_pictures and
                  os.path.exists(picture) else FLAGS.models):
      kind, changes = VARIANTS.get(model, (model, {}))
      _, trainer, _ = _preset_runs.train_preset(
          dataset, kind, os.path.join(FLAGS.work_dir, dataset,
                                      f'{model}_seed{seeds[0]}'),
          seeds[0], steps[model], eval_every=0, **changes)
      pictures[LABELS[model]] = evaluation.draw_samples(
          trainer.average_model, 36, seed=seeds[0])
      trainer.close()
    if pictures:
      pictures['test images'] = datasets.as_arrays(dataset, 'test',
                                                   limit=36)['images']
      _preset_runs.side_by_side(
          picture, {name: grids.image_grid(
              images, scale=4 if dataset == 'digits' else 2)
                    for name, images in pictures.items()})
    report.append(f'![{dataset} samples]({os.path.basename(FLAGS.output)}_'
                  f'{dataset}.png)\n')
    report_lib.write_page(FLAGS.output, report)


if __name__ == '__main__':
  app.run(main)
