"""The digits classifier trains, exports and loads as an evaluation classifier."""

import os
import shutil
import tempfile

import numpy as np
import tensorflow as tf

from aiqn_tf.data import datasets
from aiqn_tf.evaluation import classifier_training
from aiqn_tf.evaluation import classifiers
from aiqn_tf.evaluation import dataset_classifier
from aiqn_tf.evaluation import metrics


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


class RotationClassifierTest(tf.test.TestCase):

  def test_rotations_turn_each_image_and_label_its_turn(self):
    images = np.arange(2 * 3 * 3, dtype=np.uint8).reshape(2, 3, 3, 1)
    turned = dataset_classifier.rotations({'images': images})
    self.assertAllEqual(turned['labels'], [0, 0, 1, 1, 2, 2, 3, 3])
    self.assertAllEqual(turned['images'][:2], images)
    self.assertAllEqual(turned['images'][2, :, :, 0],
                        np.rot90(images[0, :, :, 0]))
    self.assertAllEqual(turned['images'][6], np.rot90(images[0], 3))
    with self.assertRaisesRegex(ValueError, 'square'):
      dataset_classifier.rotations({'images': np.zeros((1, 2, 3, 1))})

  def test_data_without_labels_gets_a_rotation_classifier_without_is(self):
    # Images that show which way is up: a ramp from top to bottom, noise.
    rng = np.random.default_rng(0)
    ramp = np.linspace(0, 200, 8)[None, :, None, None]
    images = np.clip(ramp + rng.normal(0, 20, (120, 8, 8, 1)), 0,
                     255).astype(np.uint8)
    root = tempfile.mkdtemp()
    self.addCleanup(shutil.rmtree, root, ignore_errors=True)
    np.save(os.path.join(root, 'ramps.npy'), images)
    spec = datasets.get_spec(f'array:{root}/ramps.npy')
    self.assertIsNone(spec.num_classes)
    out_dir = os.path.join(root, 'classifier')
    accuracy = classifier_training.train_classifier(spec, out_dir, epochs=5)
    self.assertGreater(accuracy, 0.6)  # Chance is 0.25.
    self.assertEqual(classifiers.info(out_dir)['task'], 'rotation')
    classifier = classifiers.load('dataset', out_dir)
    results = metrics.evaluate(classifier, images[:20], images[20:40],
                               images[40:60])
    self.assertIn('fid_floor', results)
    self.assertNotIn('inception_score', results)
    # Upside-down images are far from the data in its features.
    flipped = metrics.evaluate(classifier, images[:20, ::-1], images[20:40])
    self.assertGreater(flipped['fid'], 3 * results['fid'])


if __name__ == '__main__':
  tf.test.main()
