"""The evaluate binary end to end, and evaluation during training."""

import json
import os
import shutil
import tempfile

import numpy as np
import tensorflow as tf

from aiqn_tf.testing import test_util

ROOT = test_util.ROOT
STAND_IN = os.path.join(ROOT, 'testdata', 'inception_stand_in')


def _results(output):
  """The JSON line evaluate prints."""
  return json.loads(next(line for line in output.splitlines()
                         if line.startswith('{')))


class EvaluateBinaryTest(tf.test.TestCase):

  @classmethod
  def setUpClass(cls):
    super().setUpClass()
    cls.root = tempfile.mkdtemp()
    cls.model_dir = os.path.join(cls.root, 'run')
    # Training with evaluation every 2 steps, with the Inception stand-in.
    code, output = test_util.run_binary(
        'train', '--preset=digits', '--num_layers=1', '--filters=8',
        '--output_filters=8', '--batch_size=8', '--train_steps=2',
        '--sample_every=0', '--eval_every=2', '--eval_num_samples=12',
        '--eval_classifier=inception', f'--eval_classifier_path={STAND_IN}',
        f'--model_dir={cls.model_dir}')
    assert code == 0, output
    with open(os.path.join(cls.model_dir, 'eval', 'step_00000002.json')) as f:
      cls.training_results = json.load(f)

  @classmethod
  def tearDownClass(cls):
    shutil.rmtree(cls.root, ignore_errors=True)
    super().tearDownClass()

  def test_training_wrote_an_evaluation(self):
    results = self.training_results
    self.assertEqual(results['num_samples'], 12)
    self.assertGreater(results['fid'], 0)
    tags = set()
    for event_file in tf.io.gfile.glob(os.path.join(self.model_dir, 'train',
                                                    '*')):
      for event in tf.compat.v1.train.summary_iterator(event_file):
        tags.update(v.tag for v in event.summary.value)
    self.assertContainsSubset({'eval/fid', 'eval/inception_score', 'eval/swd',
                               'eval/swd_floor', 'eval/test_loss',
                               'eval/train_loss', 'eval/test_bits_per_dim',
                               'eval/train_bits_per_dim',
                               'eval/test_unreachable',
                               'eval/critic_wasserstein'}, tags)
    # PixelIQN's likelihood (smoothed): finite bits/dim on the 8-bit scale,
    # at most the uniform level's log2(256 / epsilon).
    for prefix in ('test', 'train'):
      self.assertBetween(results[f'{prefix}_bits_per_dim'], 0.0,
                         np.log2(256 / results['likelihood_epsilon']))
      self.assertBetween(results[f'{prefix}_unreachable'], 0.0, 1.0)
    # Digits are 8x8: one pyramid level; the loss is PixelIQN's, positive.
    self.assertGreater(results['swd'], 0)
    self.assertIn('swd_8', results)
    self.assertGreater(results['test_loss'], 0)

  def test_evaluate_binary_with_stand_in_on_one_and_two_replicas(self):
    # One device with every figure; two CPU replicas without the likelihood
    # and the critic (computed after the samples, so the figures compared
    # are of the same samples): they must agree.
    figures, outputs = [], []
    for replicas in ((), ('--strategy=mirrored', '--cpu_replicas=2',
                          *test_util.QUICK_EVALUATE)):
      code, output = test_util.run_binary(
          'evaluate', f'--model_dir={self.model_dir}',
          '--classifier=inception', f'--inception_path={STAND_IN}',
          '--num_samples=15', '--batch_size=6', *replicas)
      self.assertEqual(code, 0, output)
      self.assertIn('FID', output)
      figures.append(_results(output))
      outputs.append(output)
    one, two = figures
    self.assertIn('independent critic', outputs[0])
    self.assertEqual((one['num_samples'], one['num_train']), (15, 15))
    self.assertIn('critic_wasserstein', one)
    self.assertNotIn('critic_wasserstein', two)
    for key in ('fid', 'fid_floor', 'inception_score', 'inception_score_mean',
                'inception_score_std'):
      self.assertGreaterEqual(one[key], 0.0)
    for key in ('fid', 'fid_floor', 'inception_score', 'swd', 'test_loss'):
      self.assertAllClose(one[key], two[key], rtol=1e-4, msg=key)
    self.assertTrue(os.path.exists(
        os.path.join(self.model_dir, 'eval', 'step_00000002.json')))

  def test_without_classifier_swd_held_out_loss_and_cas(self):
    model_dir = os.path.join(self.root, 'cnn_classes')
    code, output = test_util.run_binary(
        'train', '--preset=digits', '--model=pixel_cnn', '--num_layers=1',
        '--filters=8', '--output_filters=8', '--batch_size=8',
        '--train_steps=2', '--sample_every=0', '--class_conditional',
        f'--model_dir={model_dir}')
    self.assertEqual(code, 0, output)
    code, output = test_util.run_binary(
        'evaluate', f'--model_dir={model_dir}', '--classifier=none',
        '--num_samples=20', '--cas_per_class=3', *test_util.QUICK_EVALUATE)
    self.assertEqual(code, 0, output)
    results = _results(output)
    self.assertNotIn('fid', results)
    for key in ('swd', 'swd_floor', 'test_loss', 'test_bits_per_dim',
                'train_bits_per_dim', 'cas', 'cas_ceiling'):
      self.assertIn(key, results)
    # Two steps from random weights: about 8 bits per dimension.
    self.assertBetween(results['test_bits_per_dim'], 6.0, 9.0)
    self.assertIn('sliced Wasserstein distance', output)
    self.assertIn('Classification Accuracy Score', output)
    # CAS needs labels.
    code, output = test_util.run_binary(
        'evaluate', f'--model_dir={self.model_dir}', '--classifier=none',
        '--num_samples=20', '--cas_per_class=3')
    self.assertNotEqual(code, 0)
    self.assertIn('--cas_per_class needs a class-conditional model', output)

  def test_pixel_cnn_pp_trains_and_reports_bits_per_dim(self):
    model_dir = os.path.join(self.root, 'cnn_pp')
    code, output = test_util.run_binary(
        'train', '--preset=digits', '--model=pixel_cnn_pp', '--num_layers=1',
        '--filters=8', '--output_filters=8', '--num_mixtures=3',
        '--batch_size=8', '--train_steps=2', '--sample_every=0',
        f'--model_dir={model_dir}')
    self.assertEqual(code, 0, output)
    code, output = test_util.run_binary(
        'evaluate', f'--model_dir={model_dir}', '--classifier=none',
        '--num_samples=20', *test_util.QUICK_EVALUATE)
    self.assertEqual(code, 0, output)
    results = _results(output)
    # Two steps from random weights: a wide mixture, some bits per dimension
    # below the uniform 8 (it already puts mass near the grey levels' range).
    self.assertBetween(results['test_bits_per_dim'], 1.0, 12.0)
    self.assertIn('swd', results)

  def test_missing_classifier_is_explained(self):
    code, output = test_util.run_binary(
        'evaluate', f'--model_dir={self.model_dir}',
        '--classifier=inception')
    self.assertNotEqual(code, 0)
    self.assertIn('--inception_path', output)

  def test_bundled_classifier_trained_on_first_use_then_reused(self):
    path = os.path.join(self.root, 'digits_classifier')
    run = lambda: test_util.run_binary(
        'evaluate', f'--model_dir={self.model_dir}', '--classifier=digits',
        f'--digits_classifier_path={path}', '--num_samples=16',
        *test_util.QUICK_EVALUATE)
    code, output = run()
    self.assertEqual(code, 0, output)
    self.assertIn('training it now', output)
    results = _results(output)
    self.assertGreater(results['classifier_test_accuracy'], 0.8)
    self.assertTrue(os.path.isdir(path))
    code, output = run()
    self.assertEqual(code, 0, output)
    self.assertNotIn('training it now', output)
    self.assertEqual(_results(output)['classifier_test_accuracy'],
                     results['classifier_test_accuracy'])


if __name__ == '__main__':
  tf.test.main()
