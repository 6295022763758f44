"""A run's checkpoints: newest first, damaged ones skipped for earlier ones."""

import os
import shutil
import tempfile

import numpy as np
import tensorflow as tf

from aiqn_tf.runs import config as config_lib
from aiqn_tf.runs import run_dir


def _truncate(path):
  with open(path, 'r+b') as f:
    f.truncate(os.path.getsize(path) // 2)


class CheckpointsTest(tf.test.TestCase):

  def setUp(self):
    super().setUp()
    self.model_dir = tempfile.mkdtemp()
    self.addCleanup(shutil.rmtree, self.model_dir, ignore_errors=True)
    self.variable = tf.Variable(tf.zeros([256]))
    manager = tf.train.CheckpointManager(
        tf.train.Checkpoint(v=self.variable),
        run_dir.checkpoint_dir(self.model_dir), max_to_keep=3)
    for step in (100, 200, 300):
      self.variable.assign(tf.fill([256], float(step)))
      manager.save(checkpoint_number=step)
    self.path = lambda step: os.path.join(
        run_dir.checkpoint_dir(self.model_dir), f'ckpt-{step}')

  def _restore(self):
    self.variable.assign(tf.zeros([256]))
    with self.assertLogs(level='WARNING') as logs:
      path = run_dir.restore(tf.train.Checkpoint(v=self.variable),
                             self.model_dir)
    return path, '\n'.join(logs.output)

  def test_newest_first(self):
    self.assertEqual(run_dir.checkpoints(self.model_dir),
                     [self.path(300), self.path(200), self.path(100)])
    path = run_dir.restore(tf.train.Checkpoint(v=self.variable),
                           self.model_dir)
    self.assertEqual(path, self.path(300))
    self.assertAllEqual(self.variable, tf.fill([256], 300.0))

  def test_damaged_latest_falls_back_naming_the_file(self):
    for damage, file, what in (
        (_truncate, 'ckpt-300.data-00000-of-00001', 'Read less bytes'),
        (os.remove, 'ckpt-300.data-00000-of-00001 (missing)', 'No such file'),
        (_truncate, 'ckpt-200.index', 'sstable'),
        (os.remove, 'ckpt-200.index (missing)', 'Failed to find'),
    ):
      name = file.split(' ')[0]
      damage(os.path.join(run_dir.checkpoint_dir(self.model_dir), name))
      path, logs = self._restore()
      self.assertIn(os.path.join(run_dir.checkpoint_dir(self.model_dir), file),
                    logs)
      self.assertIn(what, logs)
      expected = 200 if name.startswith('ckpt-300') else 100
      self.assertEqual(path, self.path(expected))
      self.assertAllEqual(self.variable, tf.fill([256], float(expected)))

  def test_no_usable_checkpoint_is_an_error(self):
    for step in (100, 200, 300):
      _truncate(self.path(step) + '.data-00000-of-00001')
    with self.assertRaisesRegex(
        run_dir.NoUsableCheckpointError,
        'No usable checkpoint in .*every one is damaged: .*ckpt-300.data.*'
        'ckpt-200.data.*ckpt-100.data'):
      run_dir.restore(tf.train.Checkpoint(v=self.variable), self.model_dir)

  def test_no_checkpoint_at_all(self):
    self.assertIsNone(run_dir.restore(tf.train.Checkpoint(v=self.variable),
                                      tempfile.mkdtemp(dir=self.model_dir)))


class RestoreAverageModelTest(tf.test.TestCase):

  def test_skips_damaged_latest(self):
    model_dir = tempfile.mkdtemp()
    self.addCleanup(shutil.rmtree, model_dir, ignore_errors=True)
    config = config_lib.Config(model_name='pixel_iqn').replace(
        dataset='digits', num_layers=1, filters=4, kernel_size=3,
        output_filters=4).validate()
    config.save(model_dir)
    model = run_dir.build_model(config)
    manager = tf.train.CheckpointManager(
        tf.train.Checkpoint(average_model=model),
        run_dir.checkpoint_dir(model_dir), max_to_keep=3)
    weights = {}
    for step in (1, 2):
      for i, weight in enumerate(model.weights):
        weight.assign(tf.fill(weight.shape, float(10 * step + i)))
      weights[step] = [w.numpy() for w in model.weights]
      manager.save(checkpoint_number=step)
    os.remove(os.path.join(run_dir.checkpoint_dir(model_dir),
                           'ckpt-2.data-00000-of-00001'))
    _, restored, step = run_dir.restore_average_model(model_dir)
    self.assertEqual(step, 1)
    for got, expected in zip(restored.weights, weights[1]):
      self.assertAllEqual(got, expected)
    self.assertFalse(np.array_equal(weights[1][0], weights[2][0]))


if __name__ == '__main__':
  tf.test.main()
