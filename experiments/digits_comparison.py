r"""PixelIQN against PixelCNN on the bundled digits, measured like the paper.

Trains both models with the same backbone, steps, batch and seed (the digits
preset; PixelIQN with Adam, PixelCNN with RMSProp, as in the paper), then
evaluates the Polyak-averaged weights of each with the project's digits
classifier (trained first if missing): FID of N samples against N training
images, Inception score, and the floor (N held-out test images against the
same training images). Prints a table and writes it to
docs/results/digits_comparison.md.

  python -m experiments.digits_comparison [--train_steps=4000] [--num_samples=300]
"""

from absl import app
from absl import flags

from aiqn_tf.data import datasets
from aiqn_tf.evaluation import classifier_training
from aiqn_tf.evaluation import evaluate as evaluation
from experiments import _preset_runs
from experiments import report

FLAGS = flags.FLAGS
flags.DEFINE_string('work_dir', 'runs/digits_comparison', 'Run directories.')
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
flags.DEFINE_string('output', 'docs/results/digits_comparison', 'Writes '
                    '<output>.md with the table and its provenance ("": '
                    'print only).')


def main(argv):
  del argv
  rows = []
  for model in ('pixel_iqn', 'pixel_cnn'):
    config, trainer, train_s = _preset_runs.train_digits(
        model, FLAGS.work_dir, FLAGS.seed, FLAGS.train_steps,
        FLAGS.dataset)
    classifier = classifier_training.resolve(
        'dataset', FLAGS.classifier_path, config.data.spec())[0]
    results = evaluation.evaluate_model(
        trainer.average_model, classifier, FLAGS.num_samples,
        datasets.split_loader(config.data.spec()), seed=FLAGS.seed)
    results['classifier'] = 'digits'
    evaluation.write_results(trainer.model_dir, trainer.step, results)
    rows.append((model, config, results, train_s))
    print(f'{model}: FID {results["fid"]:.3f}', flush=True)

  _, config, _, _ = rows[0]
  with report.recording(FLAGS.output, 'PixelIQN against PixelCNN on '
                        'digits', markdown=True):
    print(f'\n{config.data.dataset} '
          f'{"x".join(map(str, config.image_shape))}, '
          f'{config.model.num_layers} blocks x {config.model.filters} planes, '
          f'{config.model.output_filters} output planes, batch '
          f'{config.loop.batch_size}, {config.loop.train_steps} steps, seed '
          f'{FLAGS.seed}; '
          f'{FLAGS.num_samples} samples vs {FLAGS.num_samples} training '
          'images, the dataset\'s classifier.\n')
    print('| model | optimizer | FID | Inception score (10 splits) | '
          'training time |')
    print('|---|---|---|---|---|')
    for model, config, results, train_s in rows:
      print(f'| {model} | {config.optimizer.optimizer} '
            f'{config.optimizer.learning_rate:g} | '
            f'{results["fid"]:.2f} | {results["inception_score"]:.2f} '
            f'({results["inception_score_mean"]:.2f} +- '
            f'{results["inception_score_std"]:.2f}) | {train_s / 60:.1f} min |')
    results = rows[0][2]
    print(f'| test images (floor) | - | {results["fid_floor"]:.2f} | '
          f'{results["test_inception_score"]:.2f} | - |')


if __name__ == '__main__':
  app.run(main)
