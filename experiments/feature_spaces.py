r"""What the dataset classifiers' features see: each bundled set's FID floor
beside the FID of images no model should be rewarded for.

For each dataset, the `--classifier=dataset` features (a classifier of the
labels where there are labels; where there are none, of the rotation task, or
for the bundled photos of the source photo and scale with the turn),
against --num_images training images (the reference of every evaluation),
for two held-out sets, each a row:

- test images: their FID is the evaluations' `fid_floor`;
- the next --num_images training images (where the split has them): the
  floor of a model of the training set, optimistic where the classifier
  trained on those images;

and the same held-out images made worthless: upside down (the rotation
task's own signal), blurred (a Gaussian of 1 pixel), uniform noise of the
images' shape, and their pixels permuted (the values' histogram kept, the
structure gone). A feature space worth an FID puts every altered set far
above its row's floor.

  python -m experiments.feature_spaces [--datasets=digits,mnist,photos,faces]
"""

from absl import app
from absl import flags
import numpy as np

from aiqn_tf.data import datasets
from aiqn_tf.evaluation import classifier_training
from aiqn_tf.evaluation import metrics
from experiments import report

FLAGS = flags.FLAGS
flags.DEFINE_list('datasets', ['digits', 'mnist', 'photos', 'faces'],
                  'Bundled datasets.')
flags.DEFINE_integer('num_images', 300, 'Training (and at most as many test) '
                     'images.')
flags.DEFINE_string('output', 'docs/results/feature_spaces', 'Writes '
                    '<output>.md ("": print only).')


ALTERATIONS = ('upside down', 'blurred', 'uniform noise', 'pixels permuted')


def altered(images, seed=0):
  """{name: uint8 images} of the images made worthless in four ways."""
  from scipy import ndimage  # pylint: disable=g-import-not-at-top
  rng = np.random.default_rng(seed)
  flat = images.reshape(len(images), -1)
  blurred = np.stack([ndimage.gaussian_filter(x.astype(np.float32),
                                              (1.0, 1.0, 0.0))
                      for x in images])
  return dict(zip(ALTERATIONS, (
      images[:, ::-1],
      np.clip(np.round(blurred), 0, 255).astype(np.uint8),
      rng.integers(0, 256, images.shape).astype(np.uint8),
      np.stack([rng.permutation(x) for x in flat]).reshape(images.shape))))


def main(argv):
  del argv
  with report.recording(FLAGS.output, 'What the dataset classifiers\' '
                        'features see', markdown=True):
    print(f'FID against the first {FLAGS.num_images} training images (the '
          'reference of every evaluation), in the `--classifier=dataset` '
          'features.\n')
    print('| dataset | task | held-out set | floor | ' +
          ' | '.join(ALTERATIONS) + ' | lowest / floor |')
    print('|---' * (len(ALTERATIONS) + 5) + '|')
    for name in FLAGS.datasets:
      spec = datasets.get_spec(name)
      classifier = classifier_training.resolve('dataset', None, spec)[0]
      load = datasets.split_loader(spec)
      both = load('train', 2 * FLAGS.num_images)['images']
      train = both[:FLAGS.num_images]
      held_out = {'test images': load('test', FLAGS.num_images)['images'],
                  'training images': both[FLAGS.num_images:]}
      features = lambda x: metrics.classifier_outputs(classifier, x)[0]
      reference = features(train)  # Once for every set compared with it.
      fid = lambda x: metrics.frechet_distance(features(x), reference)
      for label, images in held_out.items():
        if not len(images):
          continue
        floor = fid(images)
        fids = [fid(x) for x in altered(images).values()]
        print(f'| {name} | {getattr(classifier, "task", "classes")} | '
              f'{len(images)} {label} | {floor:.2f} | ' +
              ' | '.join(f'{f:.2f}' for f in fids) +
              f' | {min(fids) / floor:.1f} |', flush=True)


if __name__ == '__main__':
  app.run(main)
