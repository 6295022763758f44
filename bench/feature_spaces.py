r"""What the dataset classifiers' features see: each bundled set's FID floor
beside the FID of images no model should be rewarded for.

For each dataset, the `--classifier=dataset` features (a classifier of the
labels where there are labels, of the rotation task where there are none),
against --num_images training images:

- the floor: held-out test images;
- test images upside down (the rotation task's own signal);
- uniform noise of the images' shape;
- test images with their pixels permuted (the values' histogram kept, the
  structure gone).

A feature space worth an FID puts all three far above the floor.

  python -m bench.feature_spaces [--datasets=digits,mnist,photos,faces]
"""

from absl import app
from absl import flags
import numpy as np

from aiqn_tf.data import datasets
from aiqn_tf.evaluation import classifier_training
from aiqn_tf.evaluation import metrics
from bench import report

FLAGS = flags.FLAGS
flags.DEFINE_list('datasets', ['digits', 'mnist', 'photos', 'faces'],
                  'Bundled datasets.')
flags.DEFINE_integer('num_images', 300, 'Training (and at most as many test) '
                     'images.')
flags.DEFINE_string('output', 'docs/results/feature_spaces', 'Writes '
                    '<output>.md ("": print only).')


def altered(images, seed=0):
  """{name: uint8 images} of the images made worthless in three ways."""
  rng = np.random.default_rng(seed)
  flat = images.reshape(len(images), -1)
  return {
      'upside down': images[:, ::-1],
      'uniform noise': rng.integers(0, 256, images.shape).astype(np.uint8),
      'pixels permuted': np.stack([rng.permutation(x) for x in flat]).reshape(
          images.shape),
  }


def main(argv):
  del argv
  with report.recording(FLAGS.output, 'What the dataset classifiers\' '
                        'features see', markdown=True):
    print(f'FID against {FLAGS.num_images} training images, in the '
          '`--classifier=dataset` features.\n')
    print('| dataset | task | train, test | floor (test) | test precision, '
          'recall | upside down | uniform noise | pixels permuted |')
    print('|---|---|---|---|---|---|---|---|')
    for name in FLAGS.datasets:
      spec = datasets.get_spec(name)
      classifier = classifier_training.resolve('dataset', None, spec)[0]
      load = datasets.split_loader(spec)
      train = load('train', FLAGS.num_images)['images']
      test = load('test', FLAGS.num_images)['images']
      base = metrics.evaluate(classifier, test, train, test)
      fids = [metrics.evaluate(classifier, images, train)['fid']
              for images in altered(test).values()]
      print(f'| {name} | {getattr(classifier, "task", "classes")} | '
            f'{len(train)}, {len(test)} | {base["fid_floor"]:.2f} | '
            f'{base["test_precision"]:.3f}, {base["test_recall"]:.3f} | ' +
            ' | '.join(f'{fid:.2f}' for fid in fids) + ' |', flush=True)


if __name__ == '__main__':
  app.run(main)
