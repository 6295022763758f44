"""Classification Accuracy Score against a perfect and a label-swapping model."""

import numpy as np
import tensorflow as tf

from aiqn_tf.data import datasets
from aiqn_tf.evaluation import cas


class ClassificationAccuracyScoreTest(tf.test.TestCase):

  def test_perfect_model_reaches_the_ceiling_and_a_wrong_one_does_not(self):
    train = datasets.as_arrays('digits', 'train')
    test = datasets.as_arrays('digits', 'test')
    pool = cas.per_class(train, 60, seed=5)  # Other images than the ceiling's.

    def sample_fn(labels, shift=0):
      rng = np.random.default_rng(0)
      return np.stack([pool['images'][rng.choice(np.flatnonzero(
          pool['labels'] == (label + shift) % 10))] for label in labels])

    perfect = cas.classification_accuracy_score(sample_fn, train, test, 10,
                                                count=30, epochs=20)
    swapped = cas.classification_accuracy_score(
        lambda labels: sample_fn(labels, shift=1), train, test, 10,
        count=30, epochs=20)
    self.assertEqual(perfect['cas_per_class'], 30)
    self.assertGreater(perfect['cas_ceiling'], 0.8)
    self.assertGreater(perfect['cas'], perfect['cas_ceiling'] - 0.1)
    self.assertLess(swapped['cas'], 0.2)
    self.assertEqual(swapped['cas_ceiling'], perfect['cas_ceiling'])

  def test_per_class(self):
    examples = {'images': np.arange(10)[:, None],
                'labels': np.array([0, 0, 0, 1, 1, 1, 1, 2, 2, 2])}
    picked = cas.per_class(examples, 2)
    self.assertAllEqual(np.bincount(picked['labels']), [2, 2, 2])
    self.assertAllEqual(picked['images'][:, 0], np.sort(picked['images'][:, 0]))
    self.assertAllEqual(examples['labels'][picked['images'][:, 0]],
                        picked['labels'])
    with self.assertRaisesRegex(ValueError, 'Class 0 has 3 training images'):
      cas.per_class(examples, 4)


if __name__ == '__main__':
  tf.test.main()
