r"""Trains a dataset's classifier, for FID and Inception score without Inception.

  python -m binaries.train_classifier                       # digits
  python -m binaries.train_classifier --dataset=mnist
  python -m binaries.train_classifier --dataset=folder:~/pets --image_size=32

A small CNN on the dataset's train split, of its class labels (a folder's
class sub-folders, a tfds label feature, an array's `labels`) or, for data
without labels, of the rotation task (which quarter turn each image was
given: FID, no Inception score; for the bundled photos, which photo, at
which scale and turned which way each patch is, docs/results/
feature_spaces.md); prints its accuracy on the test split. Its
penultimate layer gives the activations for FID, its logits the Inception
score (binaries/evaluate.py --classifier=dataset, or
--eval_classifier=dataset during training). By default it goes to the
user's cache, where evaluate looks for it; evaluate and train train it
there themselves on first use for the bundled sets.
Give --image_size and --channels as the model's run has them.
"""

import sys

from absl import app
from absl import flags

from aiqn_tf.data import datasets
from aiqn_tf.evaluation import classifier_training
from aiqn_tf.evaluation import classifiers

FLAGS = flags.FLAGS
flags.DEFINE_string('dataset', 'digits', 'Dataset: a bundled or tfds name, '
                    'folder:PATH, tfds:NAME or array:FILE (without labels: '
                    'the rotation task).')
flags.DEFINE_integer('image_size', 0, 'Resize to this square size (0: as '
                     'stored).', lower_bound=0)
flags.DEFINE_integer('channels', 0, 'Convert to 1 or 3 channels (0: as '
                     'stored).')
flags.DEFINE_float('test_fraction', 0.1, 'folder: / array: held-out share.')
flags.DEFINE_string('data_dir', None, 'tfds data directory.')
flags.DEFINE_string('raw_dir', None, 'Raw downloads of a tfds dataset.')
flags.DEFINE_string('output_dir', None, 'Where to write the classifier '
                    '(SavedModel; default: the user\'s cache, '
                    '~/.cache/aiqn_tf/classifiers/<dataset>_HxWxC).')
flags.DEFINE_integer('epochs', None, 'Training epochs (default: about '
                     '45,000 images seen, 5 to 30 epochs).', lower_bound=1)
flags.DEFINE_integer('seed', 0, 'Random seed.')


def main(argv):
  del argv
  try:
    spec = datasets.resolve(
        FLAGS.dataset, image_size=FLAGS.image_size, channels=FLAGS.channels,
        test_fraction=FLAGS.test_fraction, data_dir=FLAGS.data_dir,
        raw_dir=FLAGS.raw_dir)
    output_dir = FLAGS.output_dir or classifiers.default_path(
        spec.name, spec.image_shape)
    accuracy = classifier_training.train_classifier(
        spec, output_dir, FLAGS.epochs, FLAGS.seed, FLAGS.data_dir,
        FLAGS.raw_dir)
  except (ValueError, datasets.DatasetNotPreparedError) as e:
    raise app.UsageError(str(e)) from e
  print(f'{spec.name} classifier: test accuracy {accuracy:.4f} on '
        f'{spec.split_sizes["test"] if spec.split_sizes else "the"} test '
        f'images; saved to {output_dir}')


def run():
  """The `aiqn-train-classifier` console command (pyproject.toml)."""
  # absl's --help prints the __main__ module's docstring: the console
  # command's own wrapper has none.
  sys.modules['__main__'].__doc__ = __doc__
  app.run(main)


if __name__ == '__main__':
  run()
