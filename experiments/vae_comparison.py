r"""VAE prior samples against AIQN-VAE samples on the bundled digits.

Trains, with the same data, steps, batch and seed (the digits VAE preset):
  - a plain VAE (KL weight 1, prior N(0, I)),
  - AIQN-VAE (KL weight 0.5, prior N(0, 0.1 I), latent AIQN trained jointly),
then samples three ways with the same noise: the plain VAE's prior, the
AIQN-VAE decoder from its prior, and the AIQN-VAE decoder from its AIQN. For
each it reports FID against N training images with the project's digits
classifier (trained first if missing), the Inception score, and the mean
per-dimension 1-Wasserstein distance of the sampled codes to the encoder's
codes (one reparameterized z ~ q(z | x) per image) and the Frechet distance
between the two code sets, which also sees how the dimensions go together;
these use the codes of half the training images as reference and as many
samples, and the other half's codes as the floor (see
evaluation.latent_distances).
Prints a table and writes it, with a picture of the three sample grids, to
docs/results/vae_comparison.md.

  python -m experiments.vae_comparison [--train_steps=10000] [--num_samples=300]
"""

import os

from absl import app
from absl import flags

from aiqn_tf.core import grids
from aiqn_tf.data import datasets
from aiqn_tf.evaluation import classifier_training
from aiqn_tf.evaluation import evaluate as evaluation
from experiments import _preset_runs
from experiments import report

FLAGS = flags.FLAGS
flags.DEFINE_string('work_dir', 'runs/vae_comparison', 'Run directories.')
flags.DEFINE_integer('train_steps', None, 'Steps (default: the preset\'s).')
flags.DEFINE_integer('num_samples', 300, 'Samples and training images for '
                     'FID (the digits test split has 300 images).')
flags.DEFINE_integer('seed', 0, 'Seed of both runs and of sampling.')
flags.DEFINE_string('dataset', None, 'Another dataset than digits (any '
                    'train --dataset, e.g. mnist), with the digits preset\'s '
                    'models; scored with its own classifier.')
flags.DEFINE_string('classifier_path', '', 'The dataset\'s classifier '
                    '(default: the user\'s cache, trained there on first '
                    'use).')
flags.DEFINE_string('output', 'docs/results/vae_comparison', 'Writes '
                    '<output>.md with the table, the picture and their '
                    'provenance ("": print only).')
flags.DEFINE_string('picture', 'docs/results/vae_comparison.png',
                    'Where to write the sample grids ("" for nowhere).')
flags.DEFINE_integer('grid_samples', 64, 'Samples per grid in the picture.')


def main(argv):
  del argv
  rows, pictures = [], {}
  for model, latent_samplers in (('vae', ('prior',)),
                                 ('aiqn_vae', ('prior', 'aiqn'))):
    config, trainer, train_s = _preset_runs.train_digits(
        model, FLAGS.work_dir, FLAGS.seed, FLAGS.train_steps,
        FLAGS.dataset)
    classifier = classifier_training.resolve(
        'dataset', FLAGS.classifier_path, config.data.spec())[0]
    for latent_sampler in latent_samplers:
      results = evaluation.evaluate_model(
          trainer.average_model, classifier, FLAGS.num_samples,
          datasets.split_loader(config.data.spec()), method=latent_sampler,
          seed=FLAGS.seed)
      results['classifier'] = 'digits'
      evaluation.write_results(trainer.model_dir, trainer.step, results)
      name = f'{model} {latent_sampler} samples'
      rows.append((name, config, results, train_s))
      print(f'{name}: FID {results["fid"]:.3f}, latent W1 '
            f'{results["latent_w1_" + latent_sampler]:.4f}, latent FD '
            f'{results["latent_fd_" + latent_sampler]:.4f}', flush=True)
      samples = evaluation.draw_samples(
          trainer.average_model, FLAGS.grid_samples, method=latent_sampler,
          seed=FLAGS.seed)
      pictures[f'{model}: {latent_sampler}'] = grids.image_grid(samples,
                                                                scale=4)

  config = rows[-1][1]
  with report.recording(FLAGS.output, 'VAE prior samples against '
                        'AIQN-VAE samples', markdown=True):
    model, loop, optimizer = config.model, config.loop, config.optimizer
    print(f'\n{config.data.dataset} '
          f'{"x".join(map(str, config.image_shape))}, latent '
          f'{model.latent_dim}, latent AIQN '
          f'{model.aiqn_layers}x{model.aiqn_units}, batch '
          f'{loop.batch_size}, Adam {optimizer.learning_rate:g} (beta_1 '
          f'{optimizer.adam_beta1}), {loop.train_steps} steps, seed '
          f'{FLAGS.seed}; {FLAGS.num_samples} samples vs {FLAGS.num_samples} '
          'training images, digits classifier. Latent W1: mean per-dimension '
          f'1-Wasserstein distance of {rows[-1][2]["latent_num_codes"]} '
          'sampled codes to as many encoder codes of training images, over all '
          'dimensions and over the active ones (mean posterior std below half '
          'the prior\'s; vae / aiqn_vae: '
          f'{rows[0][2]["latent_active_dims"]} / '
          f'{rows[-1][2]["latent_active_dims"]} of {model.latent_dim}); '
          'latent FD: their Frechet distance.\n')
    print('| samples | KL weight, prior variance | FID | Inception score | '
          'latent W1 | latent W1, active dims | latent FD | training time |')
    print('|---|---|---|---|---|---|---|---|')
    for name, config, results, train_s in rows:
      latent = results['latent_sampler']
      print(f'| {name} | {config.model.kl_weight:g}, '
            f'{config.model.prior_variance:g} | '
            f'{results["fid"]:.2f} | {results["inception_score"]:.2f} | '
            f'{results["latent_w1_" + latent]:.4f} | '
            f'{results["latent_w1_active_" + latent]:.4f} | '
            f'{results["latent_fd_" + latent]:.4f} | {train_s / 60:.1f} min |')
    results = rows[0][2]
    print(f'| floor: test images; codes of other training images (vae / '
          f'aiqn_vae) | - | {results["fid_floor"]:.2f} | '
          f'{results["test_inception_score"]:.2f} | '
          f'{results["latent_w1_floor"]:.4f} / '
          f'{rows[-1][2]["latent_w1_floor"]:.4f} | '
          f'{results["latent_w1_active_floor"]:.4f} / '
          f'{rows[-1][2]["latent_w1_active_floor"]:.4f} | '
          f'{results["latent_fd_floor"]:.4f} / '
          f'{rows[-1][2]["latent_fd_floor"]:.4f} | - |')
    if FLAGS.picture:
      _preset_runs.side_by_side(FLAGS.picture, pictures)
      where = os.path.relpath(FLAGS.picture, os.path.dirname(FLAGS.output) or
                              '.')
      print(f'\n![Samples: {", ".join(pictures)}]({where})')


if __name__ == '__main__':
  app.run(main)
