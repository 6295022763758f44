"""The digits classifier trains, exports and loads as an evaluation classifier."""

import json
import os
import shutil
import tempfile
from unittest import mock

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

  def test_sources_label_the_turn_and_the_source_together(self):
    images = np.arange(3 * 2 * 2, dtype=np.uint8).reshape(3, 2, 2, 1)
    turned = dataset_classifier.rotations({'images': images},
                                          np.array([2, 0, 1]), num_sources=3)
    self.assertAllEqual(turned['labels'], [2, 0, 1, 5, 3, 4, 8, 6, 7, 11, 9,
                                           10])
    self.assertAllEqual(turned['images'][4], np.rot90(images[1]))

  def test_photos_classifier_learns_source_and_turn(self):
    spec = datasets.get_spec('photos')
    self.assertEqual(classifier_training.task_of(spec), 'source and rotation')
    self.assertEqual(classifier_training.task_of(datasets.get_spec('faces')),
                     'rotation')
    out_dir = tempfile.mkdtemp()
    self.addCleanup(shutil.rmtree, out_dir, ignore_errors=True)
    accuracy = classifier_training.train_classifier(spec, out_dir, epochs=1)
    info = classifiers.info(out_dir)
    self.assertEqual(info['task'], 'source and rotation')
    # 8 photos x 3 scales x 4 turns.
    self.assertEqual(info['num_classes'], 96)
    self.assertGreater(accuracy, 0.04)  # Chance is about 0.01.

  def test_a_cached_classifier_of_another_task_is_trained_again(self):
    cache = tempfile.mkdtemp()
    self.addCleanup(shutil.rmtree, cache, ignore_errors=True)
    spec = datasets.get_spec('photos')
    with mock.patch.dict(os.environ, {'XDG_CACHE_HOME': cache}):
      path = classifiers.default_path(spec.name, spec.image_shape)
      os.makedirs(path)
      with mock.patch.object(classifier_training,
                             'train_classifier') as train:
        for task, retrained in (('rotation', True),
                                ('source and rotation', False)):
          with open(os.path.join(path, classifiers.INFO_FILE), 'w') as f:
            json.dump({'task': task}, f)
          train.reset_mock()
          self.assertEqual(
              classifier_training.ensure_classifier('dataset', None, spec),
              path)
          self.assertEqual(train.called, retrained, task)
        # A path the user gave is never replaced.
        with open(os.path.join(path, classifiers.INFO_FILE), 'w') as f:
          json.dump({'task': 'rotation'}, f)
        train.reset_mock()
        other = os.path.join(cache, 'mine')
        shutil.copytree(path, other)
        classifier_training.ensure_classifier('dataset', other, spec)
        self.assertFalse(train.called)

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
