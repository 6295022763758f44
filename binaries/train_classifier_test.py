"""The digits classifier trains, exports and loads as an evaluation classifier."""

import shutil
import tempfile

import numpy as np
import tensorflow as tf

from aiqn_tf.evaluation import classifiers
from aiqn_tf.evaluation import classifier_training


class TrainClassifierTest(tf.test.TestCase):

  def test_digits_classifier_trains_and_exports(self):
    out_dir = tempfile.mkdtemp()
    self.addCleanup(shutil.rmtree, out_dir, ignore_errors=True)
    accuracy = classifier_training.train_digits_classifier(out_dir, epochs=3)
    self.assertGreater(accuracy, 0.8)  # Chance is 0.1.
    classifier = classifiers.load('digits', out_dir)
    out = classifier(np.zeros((5, 8, 8, 1), np.uint8))
    self.assertEqual(out['pool_3'].shape, (5, 128))
    self.assertEqual(out['logits'].shape, (5, 10))


if __name__ == '__main__':
  tf.test.main()
