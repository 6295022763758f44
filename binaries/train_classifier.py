r"""Trains the digits classifier used for FID and Inception score on digits.

  python -m binaries.train_classifier --output_dir=classifiers/digits

A small CNN on the 1,497 training digits; prints its accuracy on the 300 test
digits. Its penultimate layer gives the activations for FID, its logits the
Inception score (binaries/evaluate.py --classifier=digits).
"""

from absl import app
from absl import flags

from aiqn_tf.evaluation import classifiers
from binaries import _classifier_training

FLAGS = flags.FLAGS
flags.DEFINE_string('output_dir', classifiers.DEFAULT_DIGITS_PATH,
                    'Where to write the classifier (SavedModel).')
flags.DEFINE_integer('epochs', 30, 'Training epochs.', lower_bound=1)
flags.DEFINE_integer('seed', 0, 'Random seed.')


def main(argv):
  del argv
  accuracy = _classifier_training.train_digits_classifier(
      FLAGS.output_dir, FLAGS.epochs, FLAGS.seed)
  print(f'Digits classifier: test accuracy {accuracy:.4f} on 300 held-out '
        f'digits; saved to {FLAGS.output_dir}')


if __name__ == '__main__':
  app.run(main)
