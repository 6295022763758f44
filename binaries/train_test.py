"""The train binary: flag checks, resolved configuration, an end-to-end run."""

import json
import os
import shutil
import tempfile
import time

import tensorflow as tf

from aiqn_tf.runs import presets
from aiqn_tf.testing import test_util
from binaries import train

TINY = ['--preset=digits', '--num_layers=1', '--filters=8',
        '--output_filters=8', '--batch_size=4']


def _run_train(*args):
  return test_util.run_binary('train', *args, timeout=300)


class ResolveConfigTest(tf.test.TestCase):

  def setUp(self):
    super().setUp()
    self.model_dir = tempfile.mkdtemp()
    self.addCleanup(shutil.rmtree, self.model_dir, ignore_errors=True)

  def test_preset_then_overrides(self):
    config = train.resolve_config(self.model_dir, 'cifar10',
                                  {'model': 'pixel_cnn', 'batch_size': 64})
    self.assertEqual(config.optimizer.optimizer, 'rmsprop')
    self.assertEqual(config.optimizer.lr_schedule, 'paper')
    self.assertEqual(config.loop.batch_size, 64)
    self.assertEqual(config.model.num_layers, 15)
    large = train.resolve_config(self.model_dir, 'imagenet32_large', {})
    self.assertEqual((large.model.num_layers, large.model.filters,
                      large.loop.batch_size), (20, 256, 128))

  def test_bad_values_are_rejected(self):
    for overrides, message in (
        ({'batch_size': 0}, 'batch_size must be >= 1'),
        ({'kernel_size': 4}, 'kernel_size must be odd'),
        ({'kappa': -1.0}, 'kappa must be > 0'),
        ({'ema_decay': 1.0}, r'ema_decay must be in \[0, 1\)'),
        ({'dataset': 'photos', 'class_conditional': True}, 'no class labels'),
    ):
      with self.assertRaisesRegex(ValueError, message):
        train.resolve_config(self.model_dir, 'digits', overrides)

  def test_a_backbone_takes_the_presets_size_for_it_flags_win(self):
    gated = train.resolve_config(self.model_dir, 'digits', {})
    unet = train.resolve_config(self.model_dir, 'digits',
                                {'backbone': 'pixelcnn_pp'})
    self.assertEqual((unet.model.backbone, unet.model.num_layers),
                     ('pixelcnn_pp', 1))
    self.assertEqual(gated.model.num_layers, 5)
    # Every other field is the preset's, for any spelling of the flag.
    self.assertEqual(unet.replace(backbone='gated', num_layers=5).to_dict(),
                     gated.to_dict())
    for overrides in ({'backbone': 'pixelcnn_pp', 'num_layers': 2},
                      {'pixel_iqn.backbone': 'pixelcnn_pp',
                       'pixel_iqn.num_layers': 2}):
      self.assertEqual(train.resolve_config(
          self.model_dir, 'digits', overrides).model.num_layers, 2)
    self.assertEqual(train.resolve_config(
        self.model_dir, 'digits', {'pixel_iqn.backbone': 'pixelcnn_pp'}
    ).model.num_layers, 1)
    self.assertEqual(train.resolve_config(
        self.model_dir, 'digits', {'backbone': 'row_lstm'}).model.num_layers,
                     5)
    # A model without a backbone ignores the flag, as before presets sized
    # backbones.
    with self.assertLogs(level='WARNING') as logs:
      vae = train.resolve_config(self.model_dir, 'digits',
                                 {'model': 'aiqn_vae',
                                  'backbone': 'pixelcnn_pp'})
    self.assertEqual(vae.model_name, 'aiqn_vae')
    self.assertIn('Ignoring --backbone', '\n'.join(logs.output))

  def test_resume_keeps_the_run_and_allows_more_steps(self):
    train.resolve_config(self.model_dir, 'digits', {}).save(self.model_dir)
    more = train.resolve_config(self.model_dir, None, {'train_steps': 9000})
    self.assertEqual(more.loop.train_steps, 9000)
    self.assertEqual(more.model.num_layers,
                     presets.preset('digits', 'pixel_iqn').model.num_layers)
    self.assertEqual(more.model.num_layers, 5)
    with self.assertRaisesRegex(ValueError, 'new --model_dir'):
      train.resolve_config(self.model_dir, None, {'filters': 7})


class TrainBinaryTest(tf.test.TestCase):

  def setUp(self):
    super().setUp()
    self.root = tempfile.mkdtemp()
    self.addCleanup(shutil.rmtree, self.root, ignore_errors=True)

  def test_trains_and_writes_config_samples_and_summaries(self):
    model_dir = os.path.join(self.root, 'run')
    code, output = _run_train(*TINY, '--train_steps=4', '--summary_every=2',
                              '--sample_every=4', '--class_conditional',
                              f'--model_dir={model_dir}')
    self.assertEqual(code, 0, output)
    self.assertIn('tensorboard --logdir', output)
    with open(os.path.join(model_dir, 'config.json')) as f:
      saved = json.load(f)
    self.assertEqual((saved['data']['dataset'], saved['model']['num_layers'],
                      saved['model']['class_conditional']), ('digits', 1, True))
    png = tf.io.decode_png(tf.io.read_file(os.path.join(model_dir,
                                                        'samples.png')))
    self.assertEqual(png.shape[-1], 1)
    tags = set()
    for event_file in tf.io.gfile.glob(os.path.join(model_dir, 'train', '*')):
      for event in tf.compat.v1.train.summary_iterator(event_file):
        tags.update(v.tag for v in event.summary.value)
    self.assertContainsSubset({'loss', 'learning_rate', 'steps_per_second',
                               'images_per_second', 'samples'}, tags)
    # Restarting with more steps continues from the last checkpoint.
    code, output = _run_train('--train_steps=6', f'--model_dir={model_dir}')
    self.assertEqual(code, 0, output)
    self.assertIn('to step 6', output)

  def test_bad_flag_is_rejected_up_front(self):
    code, output = _run_train(*TINY, '--learning_rate=0',
                              f'--model_dir={self.root}/bad')
    self.assertNotEqual(code, 0)
    self.assertIn('learning_rate must be > 0', output)
    self.assertFalse(os.path.exists(f'{self.root}/bad'))

  def test_missing_dataset_fails_fast(self):
    start = time.time()
    code, output = _run_train('--preset=cifar10', f'--data_dir={self.root}',
                              f'--model_dir={self.root}/cifar')
    self.assertNotEqual(code, 0)
    self.assertIn('is not prepared', output)
    self.assertIn('--download', output)
    self.assertLess(time.time() - start, 60)


if __name__ == '__main__':
  tf.test.main()
