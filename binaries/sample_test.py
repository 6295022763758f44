"""The sample and export binaries, end to end on a tiny trained run."""

import os
import shutil
import tempfile

import numpy as np
import tensorflow as tf

from aiqn_tf.core import images as image_lib
from aiqn_tf.runs import run_dir
from aiqn_tf.testing import test_util


class SampleBinaryTest(tf.test.TestCase):

  @classmethod
  def setUpClass(cls):
    super().setUpClass()
    cls.root = tempfile.mkdtemp()
    cls.model_dir = os.path.join(cls.root, 'run')
    code, output = test_util.run_binary(
        'train', '--preset=digits', '--num_layers=2', '--filters=8',
        '--output_filters=8', '--batch_size=8', '--train_steps=3',
        '--sample_every=0', '--class_conditional',
        f'--model_dir={cls.model_dir}')
    assert code == 0, output

  @classmethod
  def tearDownClass(cls):
    shutil.rmtree(cls.root, ignore_errors=True)
    super().tearDownClass()

  def _sample(self, name, *args):
    npz = os.path.join(self.root, name + '.npz')
    png = os.path.join(self.root, name + '.png')
    code, output = test_util.run_binary(
        'sample', f'--model_dir={self.model_dir}',
        '--num_samples=6', '--batch_size=4',
        f'--output={npz},{png}', *args)
    self.assertEqual(code, 0, output)
    self.assertIn('sampled 6/6', output)
    self.assertTrue(os.path.exists(png))
    with np.load(npz) as f:
      return dict(f)

  def test_same_seed_same_images(self):
    a = self._sample('a', '--seed=3', '--labels=1,7')
    b = self._sample('b', '--seed=3', '--labels=1,7', '--method=sequential')
    c = self._sample('c', '--seed=4', '--labels=1,7')
    self.assertEqual(a['images'].shape, (6, 8, 8, 1))
    self.assertEqual(a['images'].dtype, np.uint8)
    self.assertAllEqual(a['labels'], [1, 7, 1, 7, 1, 7])
    self.assertAllEqual(a['tau'], b['tau'])
    self.assertLessEqual(np.mean(a['images'] != b['images']), 1e-3)
    self.assertNotAllEqual(a['images'], c['images'])

  def test_two_replicas_sample_the_same_images_and_inpaint(self):
    # 6 samples in batches of 4 over 2 CPU replicas: slices of 2, and a last
    # batch of 2 (one per replica); labels and the inpainting prefix too.
    args = ('--seed=5', '--labels=2,3', '--inpaint', '--fixed_rows=3')
    one = self._sample('one', *args)
    two = self._sample('two', *args, '--strategy=mirrored', '--cpu_replicas=2')
    # Inpainting keeps the originals' top rows and completes the rest.
    self.assertAllEqual(one['images'][:, :3], one['originals'][:, :3])
    self.assertNotAllEqual(one['images'][:, 3:], one['originals'][:, 3:])
    self.assertAllEqual(one['tau'], two['tau'])
    self.assertAllEqual(one['labels'], two['labels'])
    self.assertLessEqual(np.mean(one['images'] != two['images']), 1e-3)
    self.assertLessEqual(
        np.abs(one['images'].astype(int) - two['images']).max(), 1)

  def test_truncation(self):
    t = self._sample('t', '--truncation=0.5')
    self.assertBetween(float(t['tau'].min()), 0.25, 0.75)
    self.assertBetween(float(t['tau'].max()), 0.25, 0.75)

  def test_invert_gives_test_images_back_and_interpolates(self):
    npz = os.path.join(self.root, 'inverted.npz')
    png = os.path.join(self.root, 'inverted.png')
    code, output = test_util.run_binary(
        'sample', f'--model_dir={self.model_dir}', '--invert',
        '--num_samples=4', '--interpolate=2', f'--output={npz},{png}')
    self.assertEqual(code, 0, output)
    self.assertIn('of the sub-pixels reachable', output)
    self.assertTrue(os.path.exists(png))
    with np.load(npz) as f:
      result = dict(f)
    # Two pairs, each path 2 + 2 images from the first image's tau to the
    # second's (under the first image's label).
    self.assertEqual(result['images'].shape, (8, 8, 8, 1))
    self.assertEqual(result['reachable'].shape, (4, 8, 8, 1))
    self.assertAllClose(result['tau'][[0, 3, 4, 7]],
                        np.clip(result['inverted_tau'], 1e-6, 1 - 1e-6),
                        atol=1e-4)
    # The paths' first images are the inverted tau sampled back, which equal
    # the test images up to their first unreachable sub-pixel.
    _, model, _ = run_dir.restore_average_model(self.model_dir)
    first = result['inverted_tau'][[0, 2]]
    back = image_lib.to_uint8(model.sample(
        first, 'fast', result['labels'][[0, 2]])).numpy()
    self.assertLessEqual(np.mean(result['images'][[0, 4]] != back), 1e-3)
    prefix = np.cumprod(result['reachable'][[0, 2]].reshape(2, -1), 1) > 0
    self.assertAllEqual(back.reshape(2, -1)[prefix],
                        result['originals'][[0, 2]].reshape(2, -1)[prefix])
    for flags, message in ((('--interpolate=2',), 'goes with --invert'),
                           (('--invert', '--num_samples=1', '--interpolate=1'),
                            'num_samples >= 2')):
      code, output = test_util.run_binary(
          'sample', f'--model_dir={self.model_dir}', *flags,
          f'--output={png}')
      self.assertNotEqual(code, 0)
      self.assertIn(message, output)

  def test_bad_flags(self):
    for flag, message in (('--truncation=0', 'truncation must be in'),
                          ('--labels=12', 'outside [0, 10)'),
                          ('--output=x.jpg', 'use .png, .npz and (for'),
                          ('--output=x.wav', 'WAV files are for models of '
                           'sound; this one\'s events are images')):
      code, output = test_util.run_binary(
          'sample', f'--model_dir={self.model_dir}',
          flag)
      self.assertNotEqual(code, 0)
      self.assertIn(message, output)
    code, output = test_util.run_binary('sample',
                                        f'--model_dir={self.root}/none')
    self.assertNotEqual(code, 0)
    self.assertIn('training run', output)

  def test_export_binary(self):
    export_dir = os.path.join(self.root, 'export')
    code, output = test_util.run_binary(
        'export', f'--model_dir={self.model_dir}',
        f'--export_dir={export_dir}')
    self.assertEqual(code, 0, output)
    loaded = tf.saved_model.load(export_dir)
    images = loaded.sample(tf.fill([2, 8, 8, 1], 0.5),
                           tf.constant([0, 9]))['images']
    self.assertEqual(images.dtype, tf.uint8)
    self.assertEqual(images.shape, (2, 8, 8, 1))


if __name__ == '__main__':
  tf.test.main()
