r"""Sample quality of a trained model, through TF-GAN, and its held-out loss.

FID and Inception score the paper's way (with --classifier), the sliced
Wasserstein distance to training images (any dataset of at least 7x7,
without a classifier: --classifier=none), and the training loss on test and
training images (PixelCNN: bits/dim among it).

  # The paper's protocol on CIFAR-10 (10,000 samples vs 10,000 training images):
  python -m binaries.evaluate --model_dir=runs/cifar10_iqn \
      --classifier=inception --inception_path=/models/tfgan_inception_1

  # Bundled digits, with the dataset's own classifier (trained on first use):
  python -m binaries.evaluate --model_dir=runs/digits_iqn --classifier=dataset \
      --num_samples=1000

AIQN-VAE / VAE runs are evaluated the same way (--method picks the
AIQN's or the prior's codes), and also report how far the prior's and the
AIQN's codes are from the encoder's (latent_w1_*: per-dimension 1-Wasserstein
distance, averaged; latent_fd_*: Frechet distance of the code sets).

A model of sequences is scored on held-out sequences instead
(evaluation/sequences.py): bits per sample of 16-bit sound on its 65,536
levels (the PixelCNN++ mixture, and the mu-law softmax with each code's
probability spread over the values it codes), and the CRPS of a quantile
model's one-step laws:

  python -m binaries.evaluate --model_dir=runs/speech

Uses the Polyak-averaged weights. Prints the figures and writes them to
<model_dir>/eval/step_<N>.json and to TensorBoard (<model_dir>/eval).
"""

import dataclasses
import json
import sys

from absl import app
from absl import flags

from aiqn_tf.data import datasets
from aiqn_tf.data import mixtures
from aiqn_tf.evaluation import classifier_training
from aiqn_tf.evaluation import classifiers
from aiqn_tf.evaluation import evaluate as evaluation
from aiqn_tf.evaluation import sequences
from aiqn_tf.evaluation import vectors
from aiqn_tf.runs import config as config_lib
from aiqn_tf.runs import run_dir
from aiqn_tf.training import distribute

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
                    'Deprecated (dropped in 0.5.0): the first name of '
                    '--classifier_path.')
flags.DEFINE_string('method', None, 'The model\'s sampler (default: its '
                    'first): fast or sequential (PixelIQN / PixelCNN), aiqn '
                    'or prior (AIQN-VAE).')
flags.DEFINE_integer('seed', 0, 'Sampling seed.')
flags.DEFINE_integer('cas_per_class', 0, 'Class-conditional models: the '
                     'Classification Accuracy Score, the dataset classifier '
                     'trained on this many samples per class and scored on '
                     'the test split, beside the same on as many real '
                     'training images per class (0: skip).', lower_bound=0)
flags.DEFINE_integer('likelihood_images', 300, 'Models that estimate their '
                     'likelihood (PixelIQN): the test and training images '
                     'whose bits/dim the inverted sampler estimates (0: '
                     'skip).', lower_bound=0)
flags.DEFINE_integer('independent_critic_steps', 500, 'Updates of the '
                     'independent Wasserstein critic, trained between half '
                     'the test images and half the samples and read on the '
                     'other halves (0: skip).', lower_bound=0)
flags.DEFINE_string('latent_sampler', None, 'Deprecated (dropped in 0.5.0): '
                    'the first name of --method.')
flags.DEFINE_string('data_dir', None, 'tfds data directory.')
flags.DEFINE_string('raw_dir', None, 'Raw downloads of a tfds dataset.')
flags.DEFINE_enum('strategy', 'auto', list(config_lib.STRATEGIES),
                  'Where to sample and run the classifier: auto (mirrored '
                  'over local GPUs, else one device), mirrored, '
                  'multi_worker, one_device. Each replica takes its slice of '
                  'the same samples: the same figures.')
flags.DEFINE_integer('cpu_replicas', 0, 'Split the CPU into this many logical '
                     'devices (to try mirrored evaluation on CPU).')


def _progress(done, total):
  sys.stderr.write(f'\rsampled {done}/{total}')
  if done == total:
    sys.stderr.write('\n')
  sys.stderr.flush()


def main(argv):
  del argv
  strategy = distribute.make_strategy(FLAGS.strategy, FLAGS.cpu_replicas)
  try:
    with strategy.scope():
      config, model, step = run_dir.restore_average_model(FLAGS.model_dir)
    method = model.check_method(FLAGS.latent_sampler or FLAGS.method)
  except (FileNotFoundError, ValueError) as e:
    raise app.UsageError(str(e)) from e
  data = config.data
  if model.space.kind == 'sequences':
    _evaluate_sequences(config, model, step)
    return
  if model.space.kind == 'vectors':
    _evaluate_vectors(config, model, step)
    return
  if FLAGS.cas_per_class and not model.num_classes:
    raise app.UsageError(
        '--cas_per_class needs a class-conditional model (trained with '
        f'--class_conditional); {FLAGS.model_dir} has none.')
  if FLAGS.classifier in ('inception', 'none'):
    path_flag, path = 'inception_path', FLAGS.inception_path
  else:
    path_flag = 'classifier_path'
    path = FLAGS.classifier_path or FLAGS.digits_classifier_path
  try:
    classifier, path = classifier_training.resolve(
        FLAGS.classifier, path, data.spec(), FLAGS.data_dir, FLAGS.raw_dir)
  except ValueError as e:
    raise app.UsageError(str(e)) from e
  except FileNotFoundError as e:
    raise app.UsageError(f'{e} (--{path_flag})') from e
  load_split = datasets.split_loader(data.spec(), data_dir=FLAGS.data_dir,
                                     raw_dir=FLAGS.raw_dir)
  results = evaluation.evaluate_model(
      model, classifier, FLAGS.num_samples, load_split, FLAGS.batch_size,
      method, FLAGS.seed, _progress, FLAGS.cas_per_class, strategy=strategy,
      likelihood_images=FLAGS.likelihood_images,
      critic_steps=FLAGS.independent_critic_steps)
  results['classifier'] = FLAGS.classifier
  accuracy = classifiers.info(path).get('test_accuracy') if path else None
  if accuracy is not None:
    results['classifier_test_accuracy'] = accuracy
  path = evaluation.write_results(FLAGS.model_dir, step, results)
  lines = [f'{config.model_name} on {data.dataset}, step {step}, '
           f'{results["num_samples"]} samples vs {results["num_train"]} '
           f'training images ({FLAGS.classifier} classifier):']
  lines += ['  ' + line for line in evaluation.describe(results)]
  if model.latent_methods:
    lines.append(
        f'  (latent_w1_*: per-dimension 1-Wasserstein distance of '
        f'{results["latent_num_codes"]} codes to as many encoder codes of '
        'training images, averaged; latent_fd_*: their Frechet distance; '
        '*_floor: encoder codes of other training images)')
  lines.append(f'Wrote {path}')
  print('\n'.join(lines))
  print(json.dumps(results, sort_keys=True))


def _evaluate_sequences(config, model, step):
  """Held-out bits per 16-bit sample and CRPS of a model of sequences
  (evaluation/sequences.py), on the first --num_samples test examples."""
  spec = config.data.spec()
  if spec.values == 'mu_law':
    # Scored on the 16-bit values the codes were made from, where there are.
    spec = dataclasses.replace(spec, values='int16')
  test = datasets.as_arrays(spec, 'test', limit=FLAGS.num_samples,
                            data_dir=FLAGS.data_dir, raw_dir=FLAGS.raw_dir)
  if not model.num_classes:
    test.pop('labels', None)
  try:
    results = sequences.evaluate(model, test, seed=FLAGS.seed)
  except ValueError as e:
    raise app.UsageError(str(e)) from e
  path = evaluation.write_results(FLAGS.model_dir, step, results)
  print(f'{config.model_name} on {config.data.dataset}, step {step}, '
        f'{results["num_test"]} held-out sequences of '
        f'{model.space.describe()}:')
  if 'test_bits_per_sample' in results:
    print(f'  bits per sample on the 16-bit grid '
          f'{results["test_bits_per_sample"]:.4f}')
  if 'test_crps' in results:
    print(f'  CRPS of the one-step laws (model scale) '
          f'{results["test_crps"]:.5f}')
  print(f'Wrote {path}')
  print(json.dumps(results, sort_keys=True))


def _evaluate_vectors(config, model, step):
  """Energy distance and quantile errors of --num_samples samples against
  the test rows (evaluation/vectors.py), and the modes of a bundled
  mixture."""
  test = datasets.as_arrays(config.data.spec(), 'test',
                            data_dir=FLAGS.data_dir, raw_dir=FLAGS.raw_dir)
  results = vectors.evaluate(
      model, test['vectors'], FLAGS.num_samples, FLAGS.seed,
      mixture=mixtures.MIXTURES.get(config.data.dataset))
  path = evaluation.write_results(FLAGS.model_dir, step, results)
  print(f'{config.model_name} on {config.data.dataset}, step {step}, '
        f'{results["num_samples"]} samples against {results["num_test"]} '
        f'held-out rows of {model.space.describe()} (model scale):')
  print(f'  energy distance {results["energy_distance"]:.4f}  (test rows\' '
        f'halves: {results["energy_distance_floor"]:.4f})')
  print(f'  quantile error in sds, mean over columns '
        f'{results["quantile_error"]:.4f}, worst '
        f'{results["quantile_error_max"]:.4f}')
  if 'modes' in results:
    print(f'  modes captured {results["modes"]} of {results["modes_of"]}, '
          f'high-quality samples {100 * results["high_quality"]:.1f}% '
          '(within 3 sds of the nearest mode)')
  print(f'Wrote {path}')
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
