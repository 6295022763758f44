r"""Sample quality of a trained model, through TF-GAN, and its held-out loss.

FID and Inception score the paper's way (with --classifier), the sliced
Wasserstein distance to training images (any dataset of at least 7x7,
without a classifier: --classifier=none), and the training loss on test and
training images (PixelCNN: bits/dim among it).

  # The paper's protocol on CIFAR-10 (10,000 samples vs 10,000 training images):
  python -m binaries.evaluate --model_dir=runs/cifar10_iqn \
      --classifier=inception --inception_path=/models/tfgan_inception_1

  # Bundled digits, with the project's digits classifier:
  python -m binaries.train_classifier --output_dir=classifiers/digits
  python -m binaries.evaluate --model_dir=runs/digits_iqn --classifier=digits \
      --num_samples=1000

AIQN-VAE / VAE runs are evaluated the same way (--latent_sampler picks the
AIQN's or the prior's codes), and also report how far the prior's and the
AIQN's codes are from the encoder's (latent_w1_*: per-dimension 1-Wasserstein
distance, averaged; latent_fd_*: Frechet distance of the code sets).

Uses the Polyak-averaged weights. Prints the figures and writes them to
<model_dir>/eval/step_<N>.json and to TensorBoard (<model_dir>/eval).
"""

import json
import sys

from absl import app
from absl import flags

from aiqn_tf.data import datasets
from aiqn_tf.evaluation import classifier_training
from aiqn_tf.evaluation import classifiers
from aiqn_tf.evaluation import evaluate as evaluation
from aiqn_tf.runs import run_dir

FLAGS = flags.FLAGS
flags.DEFINE_string('model_dir', None, 'Training run directory.')
flags.DEFINE_integer('num_samples', 10_000, 'Samples (and training images) '
                     'for FID; the paper used 10,000.', lower_bound=2)
flags.DEFINE_integer('batch_size', 64, 'Samples per sampler call.',
                     lower_bound=1)
flags.DEFINE_enum('classifier', 'inception', list(classifiers.KINDS),
                  'inception (needs --inception_path), dataset: a small '
                  'CNN trained on the run\'s dataset labels (digits is its '
                  'first name); trained on first use for digits and mnist, '
                  'else by binaries/train_classifier.py; none: no FID / '
                  'Inception score (sliced Wasserstein and held-out loss '
                  'only).')
flags.DEFINE_string('classifier_path', None, 'The dataset classifier '
                    '(default: the user\'s cache, ~/.cache/aiqn_tf/'
                    'classifiers/<dataset>_HxWxC).')
flags.DEFINE_string('inception_path', None, 'Local copy of TF-Hub\'s '
                    'tfgan/eval/inception/1 (or a SavedModel with "logits" '
                    'and "pool_3" outputs).')
flags.DEFINE_string('digits_classifier_path', None,
                    'The first name of --classifier_path.')
flags.DEFINE_string('method', None, 'The model\'s sampler (default: its '
                    'first): fast or sequential (PixelIQN / PixelCNN), aiqn '
                    'or prior (AIQN-VAE).')
flags.DEFINE_integer('seed', 0, 'Sampling seed.')
flags.DEFINE_integer('cas_per_class', 0, 'Class-conditional models: the '
                     'Classification Accuracy Score, the dataset classifier '
                     'trained on this many samples per class and scored on '
                     'the test split, beside the same on as many real '
                     'training images per class (0: skip).', lower_bound=0)
flags.DEFINE_string('latent_sampler', None, 'AIQN-VAE / VAE: sample codes '
                    'from the latent AIQN (aiqn) or the prior (prior); the '
                    'same as --method.')
flags.DEFINE_string('data_dir', None, 'tfds data directory.')
flags.DEFINE_string('raw_dir', None, 'Raw downloads of a tfds dataset.')


def _progress(done, total):
  sys.stderr.write(f'\rsampled {done}/{total}')
  if done == total:
    sys.stderr.write('\n')
  sys.stderr.flush()


def main(argv):
  del argv
  try:
    config, model, step = run_dir.restore_average_model(FLAGS.model_dir)
    method = model.check_method(FLAGS.latent_sampler or FLAGS.method)
  except (FileNotFoundError, ValueError) as e:
    raise app.UsageError(str(e)) from e
  data = config.data
  if FLAGS.cas_per_class and not model.num_classes:
    raise app.UsageError(
        '--cas_per_class needs a class-conditional model (trained with '
        f'--class_conditional); {FLAGS.model_dir} has none.')
  if FLAGS.classifier in ('inception', 'none'):
    path_flag, path = 'inception_path', FLAGS.inception_path
  else:
    path_flag = 'classifier_path'
    try:
      path = classifier_training.ensure_classifier(
          FLAGS.classifier,
          FLAGS.classifier_path or FLAGS.digits_classifier_path,
          data.spec(), FLAGS.data_dir, FLAGS.raw_dir)
    except ValueError as e:
      raise app.UsageError(str(e)) from e
  try:
    classifier = classifiers.load(FLAGS.classifier, path)
  except FileNotFoundError as e:
    raise app.UsageError(f'{e} (--{path_flag})') from e
  load_split = lambda split, limit: datasets.as_arrays(
      data.spec(), split, limit=limit, data_dir=FLAGS.data_dir,
      raw_dir=FLAGS.raw_dir)
  results = evaluation.evaluate_model(
      model, classifier, FLAGS.num_samples, load_split, FLAGS.batch_size,
      method, FLAGS.seed, _progress, FLAGS.cas_per_class)
  results['classifier'] = FLAGS.classifier
  accuracy = classifiers.info(path).get('test_accuracy') if path else None
  if accuracy is not None:
    results['classifier_test_accuracy'] = accuracy
  path = evaluation.write_results(FLAGS.model_dir, step, results)
  lines = [f'{config.model_name} on {data.dataset}, step {step}, '
           f'{results["num_samples"]} samples vs {results["num_train"]} '
           f'training images ({FLAGS.classifier} classifier):']
  if 'fid' in results:
    lines += [f'  FID {results["fid"]:.3f}  (floor: test images '
              f'{results["fid_floor"]:.3f})',
              f'  Inception score {results["inception_score"]:.3f}  (10 '
              f'splits: {results["inception_score_mean"]:.3f} +- '
              f'{results["inception_score_std"]:.3f}; test images '
              f'{results["test_inception_score"]:.3f})']
  if accuracy is not None:
    lines.append(f'  classifier test accuracy {accuracy:.4f}')
  if 'cas' in results:
    lines.append(f'  Classification Accuracy Score {results["cas"]:.4f}  '
                 f'(classifier trained on {results["cas_per_class"]} samples '
                 'per class, scored on the test split; trained on as many '
                 f'real images: {results["cas_ceiling"]:.4f})')
  if 'swd' in results:
    lines.append(f'  sliced Wasserstein distance x1e3 {results["swd"]:.3f}  '
                 f'(floor: test images {results["swd_floor"]:.3f}; per '
                 'level: ' + ', '.join(
                     f'{k[4:]}x{k[4:]} {v:.3f}' for k, v in results.items()
                     if k.startswith('swd_') and k[4:].isdigit()) + ')')
  lines += [f'  held-out {name} {results["test_" + name]:.4f}  (training '
            f'images {results["train_" + name]:.4f})'
            for name in sorted(k[5:] for k in results
                               if k.startswith('test_') and
                               f'train_{k[5:]}' in results)]
  lines += [f'  {name} {results[name]:.4f}' for name in sorted(results)
            if name.startswith(('latent_w1_', 'latent_fd_'))]
  if model.latent_methods:
    lines.append(
        f'  (latent_w1_*: per-dimension 1-Wasserstein distance of '
        f'{results["latent_num_codes"]} codes to as many encoder codes of '
        'training images, averaged; latent_fd_*: their Frechet distance; '
        '*_floor: encoder codes of other training images)')
  lines.append(f'Wrote {path}')
  print('\n'.join(lines))
  print(json.dumps(results, sort_keys=True))


def run():
  """The `aiqn-evaluate` console command (pyproject.toml)."""
  # absl's --help prints the __main__ module's docstring: the console
  # command's own wrapper has none.
  sys.modules['__main__'].__doc__ = __doc__
  flags.mark_flag_as_required('model_dir')
  app.run(main)


if __name__ == '__main__':
  run()
