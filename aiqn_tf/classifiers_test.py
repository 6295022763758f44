"""Classifiers: the Inception stand-in, the digits CNN, clear errors."""

import os
import shutil
import tempfile

import numpy as np
import tensorflow as tf

from aiqn_tf import classifiers

STAND_IN = os.path.join(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))), 'testdata', 'inception_stand_in')


class ClassifiersTest(tf.test.TestCase):

  def test_inception_interface_with_tfgan_preprocessing(self):
    classifier = classifiers.load('inception', STAND_IN)
    rng = np.random.default_rng(0)
    rgb = rng.integers(0, 256, (3, 32, 32, 3), np.uint8)
    out = classifier(rgb)
    self.assertEqual(out['pool_3'].shape, (3, 2048))
    self.assertEqual(out['logits'].shape, (3, 1008))
    # Grey images are tiled to RGB before the 299x299 resize.
    grey = rgb[..., :1]
    self.assertAllClose(classifier(grey)['pool_3'],
                        classifier(np.repeat(grey, 3, -1))['pool_3'])

  def test_missing_classifiers_say_what_to_do(self):
    with self.assertRaisesRegex(FileNotFoundError, '--inception_path'):
      classifiers.load('inception', None)
    with self.assertRaisesRegex(FileNotFoundError,
                                'binaries.train_classifier'):
      classifiers.load('digits', '/nonexistent/digits')
    with self.assertRaisesRegex(ValueError, 'classifier must be one of'):
      classifiers.load('vgg', None)

  def test_digits_classifier_trains_and_exports(self):
    out_dir = tempfile.mkdtemp()
    self.addCleanup(shutil.rmtree, out_dir, ignore_errors=True)
    accuracy = classifiers.train_digits_classifier(out_dir, epochs=3)
    self.assertGreater(accuracy, 0.8)  # Chance is 0.1.
    classifier = classifiers.load('digits', out_dir)
    out = classifier(np.zeros((5, 8, 8, 1), np.uint8))
    self.assertEqual(out['pool_3'].shape, (5, 128))
    self.assertEqual(out['logits'].shape, (5, 10))


if __name__ == '__main__':
  tf.test.main()
