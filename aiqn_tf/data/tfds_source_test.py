"""tfds:NAME datasets, through builders prepared offline in a temp data_dir."""

import os
import shutil
import tempfile
import time

import numpy as np
import tensorflow as tf
import tensorflow_datasets as tfds

from aiqn_tf.data import datasets
from aiqn_tf.data import errors
from aiqn_tf.data import tfds_offline

_FIXTURES = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..',
                         'testdata', 'tfds')


def _image(index, shape):
  return np.random.default_rng(index).integers(0, 256, shape, np.uint8)


class AiqnTestTwoImages(tfds.core.GeneratorBasedBuilder):
  """A test builder: two image features, a label, no test split."""

  VERSION = tfds.core.Version('1.0.0')

  def _info(self):
    # DatasetInfo directly: dataset_info_from_configs reads metadata files
    # beside the builder's module, which is not a package under Bazel.
    return tfds.core.DatasetInfo(
        builder=self,
        features=tfds.features.FeaturesDict({
            'image': tfds.features.Image(shape=(12, 16, 3)),
            'mask': tfds.features.Image(shape=(12, 16, 1)),
            'label': tfds.features.ClassLabel(names=['a', 'b', 'c']),
        }))

  def _split_generators(self, dl_manager):
    del dl_manager  # Nothing to download.
    return {'train': self._generate_examples(range(6)),
            'validation': self._generate_examples(range(100, 103))}

  def _generate_examples(self, indices):
    for i in indices:
      yield i, {'image': _image(i, (12, 16, 3)),
                'mask': _image(i + 1000, (12, 16, 1)), 'label': i % 3}


class TfdsSourceTest(tf.test.TestCase):

  def setUp(self):
    super().setUp()
    self.data_dir = tempfile.mkdtemp(prefix='tfds_source_test_')
    self.addCleanup(shutil.rmtree, self.data_dir, ignore_errors=True)

  def test_cifar10_prepared_in_data_dir(self):
    tfds_offline.prepare('cifar10', self.data_dir,
                         os.path.join(_FIXTURES, 'cifar10'))
    spec = datasets.resolve('tfds:cifar10', data_dir=self.data_dir)
    self.assertEqual(spec.kind, 'tfds')
    self.assertEqual(spec.source, 'cifar10')
    self.assertEqual(spec.image_shape, (32, 32, 3))
    self.assertEqual(spec.num_classes, 10)
    self.assertEqual(spec.class_names[:2], ('airplane', 'automobile'))
    self.assertEqual((spec.image_key, spec.label_key), ('image', 'label'))
    self.assertEqual(spec.split_sizes, {'train': 10, 'test': 3})
    arrays = datasets.as_arrays(spec, 'train', data_dir=self.data_dir)
    self.assertEqual(arrays['images'].shape, (10, 32, 32, 3))
    self.assertEqual(arrays['images'].dtype, np.uint8)
    self.assertTrue(np.all((arrays['labels'] >= 0) & (arrays['labels'] < 10)))
    # The same images as the named dataset 'cifar10'.
    named = datasets.as_arrays('cifar10', 'train', data_dir=self.data_dir)
    self.assertAllEqual(named['images'], arrays['images'])
    grey = datasets.as_arrays('tfds:cifar10', 'test', data_dir=self.data_dir,
                              image_size=16)
    self.assertEqual(grey['images'].shape, (3, 16, 16, 3))

  def test_prepared_from_raw_dir_by_resolve(self):
    spec = datasets.resolve('tfds:cifar10', data_dir=self.data_dir,
                            raw_dir=os.path.join(_FIXTURES, 'cifar10'),
                            channels=1)
    self.assertEqual(spec.image_shape, (32, 32, 1))
    self.assertEqual(
        datasets.as_arrays(spec, 'test', data_dir=self.data_dir)[
            'images'].shape, (3, 32, 32, 1))

  def test_not_prepared(self):
    start = time.time()
    with self.assertRaisesRegex(
        errors.DatasetNotPreparedError,
        r"tfds:cifar10.*not prepared in .*--download.*--raw_dir.*"
        r"tfds build cifar10 --data_dir=DIR"):
      datasets.resolve('tfds:cifar10', data_dir=self.data_dir)
    self.assertLess(time.time() - start, 20)

  def test_unknown_names(self):
    with self.assertRaisesRegex(
        errors.DatasetError,
        r"No tfds dataset named 'cifar11'; closest registered names: "
        r'.*cifar10'):
      datasets.resolve('tfds:cifar11', data_dir=self.data_dir)
    with self.assertRaisesRegex(errors.DatasetError, 'foo'):
      datasets.resolve('tfds:cifar10/foo', data_dir=self.data_dir)
    with self.assertRaisesRegex(errors.DatasetError, 'tfds:NAME'):
      datasets.resolve('tfds:', data_dir=self.data_dir)
    with self.assertRaisesRegex(errors.DatasetError,
                                r"no image feature .*'text'"):
      datasets.resolve('tfds:imdb_reviews', data_dir=self.data_dir)

  def test_several_images_and_no_test_split(self):
    builder = AiqnTestTwoImages(data_dir=self.data_dir)
    builder.download_and_prepare(
        download_config=tfds.download.DownloadConfig(try_download_gcs=False))
    name = 'tfds:aiqn_test_two_images'
    with self.assertRaisesRegex(
        errors.DatasetError,
        r'2 image features, image, mask: pass image_key'):
      datasets.resolve(name, data_dir=self.data_dir)
    with self.assertRaisesRegex(
        errors.DatasetError,
        r'no "test" split \(its splits: train, validation\): pass test_split '
        r'\(e.g. --test_split=validation\)'):
      datasets.resolve(name, image_key='image', data_dir=self.data_dir)
    with self.assertRaisesRegex(errors.DatasetError,
                                "test_split 'test' is not a split"):
      datasets.resolve(name, image_key='image', test_split='test',
                       data_dir=self.data_dir)
    with self.assertRaisesRegex(errors.DatasetError, "no image feature 'x'"):
      datasets.resolve(name, image_key='x', data_dir=self.data_dir)
    with self.assertRaisesRegex(errors.DatasetError,
                                "no ClassLabel feature 'mask'"):
      datasets.resolve(name, image_key='image', label_key='mask',
                       test_split='validation', data_dir=self.data_dir)

    spec = datasets.resolve(name, image_key='image', test_split='validation',
                            data_dir=self.data_dir)
    self.assertEqual(spec.image_shape, (12, 12, 3))  # Centre square.
    self.assertEqual(spec.tfds_splits, ('train', 'validation'))
    self.assertEqual(spec.split_sizes, {'train': 6, 'test': 3})
    self.assertEqual(spec.class_names, ('a', 'b', 'c'))
    arrays = datasets.as_arrays(spec, 'test', data_dir=self.data_dir)
    expected = {_image(i, (12, 16, 3))[:, 2:14].tobytes(): i % 3
                for i in range(100, 103)}
    self.assertLen(arrays['images'], 3)
    for image, label in zip(arrays['images'], arrays['labels']):
      self.assertEqual(expected[image.tobytes()], label)

    masks = datasets.resolve(name, image_key='mask', test_split='validation',
                             image_size=8, data_dir=self.data_dir)
    self.assertEqual(masks.image_shape, (8, 8, 1))
    self.assertEqual(
        datasets.as_arrays(masks, 'train', data_dir=self.data_dir)[
            'images'].shape, (6, 8, 8, 1))


if __name__ == '__main__':
  tf.test.main()
