"""Classifiers: the Inception stand-in and clear errors."""

import os

import numpy as np
import tensorflow as tf

from aiqn_tf.evaluation import classifiers
from aiqn_tf.testing import test_util

STAND_IN = os.path.join(test_util.TESTDATA, 'inception_stand_in')


class ClassifiersTest(tf.test.TestCase):

  def test_inception_interface_with_tfgan_preprocessing(self):
    classifier = classifiers.load('inception', STAND_IN)
    rng = np.random.default_rng(0)
    rgb = rng.integers(0, 256, (3, 32, 32, 3), np.uint8)
    out = classifier(rgb)
    self.assertEqual(out['pool_3'].shape, (3, 64))
    self.assertEqual(out['logits'].shape, (3, 1008))
    # Grey images are tiled to RGB before the 299x299 resize.
    grey = rgb[..., :1]
    self.assertAllClose(classifier(grey)['pool_3'],
                        classifier(np.repeat(grey, 3, -1))['pool_3'])

  def test_missing_classifiers_say_what_to_do(self):
    with self.assertRaisesRegex(FileNotFoundError,
                                'tfgan/eval/inception/1'):
      classifiers.load('inception', None)
    with self.assertRaisesRegex(FileNotFoundError,
                                'binaries.train_classifier'):
      classifiers.load('digits', '/nonexistent/digits')
    with self.assertRaisesRegex(ValueError, 'classifier must be one of'):
      classifiers.load('vgg', None)


if __name__ == '__main__':
  tf.test.main()
