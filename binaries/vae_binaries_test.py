"""train, sample, evaluate and export for AIQN-VAE and VAE, end to end.

A tiny AIQN-VAE on the bundled faces resized to 16x16 (so resizing and a
two-stage VAE are exercised) with evaluation during training.
"""

import json
import os
import shutil
import tempfile

import numpy as np
from scipy import stats
import tensorflow as tf

from aiqn_tf.testing import test_util

ROOT = test_util.ROOT
STAND_IN = os.path.join(ROOT, 'testdata', 'inception_stand_in')
TINY = ['--preset=faces', '--image_size=16', '--latent_dim=4',
        '--aiqn_layers=2', '--aiqn_units=16', '--head_units=4',
        '--batch_size=8', '--summary_every=2', '--sample_every=4',
        '--num_samples=4']


class VAEBinariesTest(tf.test.TestCase):

  @classmethod
  def setUpClass(cls):
    super().setUpClass()
    cls.root = tempfile.mkdtemp()
    cls.model_dir = os.path.join(cls.root, 'run')
    code, cls.train_output = test_util.run_binary(
        'train', '--model=aiqn_vae', *TINY, '--train_steps=4',
        '--eval_every=4', '--eval_num_samples=12', '--eval_critic_steps=0',
        '--eval_classifier=inception', f'--eval_classifier_path={STAND_IN}',
        f'--model_dir={cls.model_dir}')
    assert code == 0, cls.train_output

  @classmethod
  def tearDownClass(cls):
    shutil.rmtree(cls.root, ignore_errors=True)
    super().tearDownClass()

  def _sample(self, name, *args, num=6):
    npz = os.path.join(self.root, name + '.npz')
    png = os.path.join(self.root, name + '.png')
    code, output = test_util.run_binary(
        'sample', f'--model_dir={self.model_dir}', f'--num_samples={num}',
        '--batch_size=4', f'--output={npz},{png}', *args)
    self.assertEqual(code, 0, output)
    self.assertTrue(os.path.exists(png))
    with np.load(npz) as f:
      return dict(f)

  def test_training_run(self):
    with open(os.path.join(self.model_dir, 'config.json')) as f:
      config = json.load(f)
    # The paper's AIQN-VAE settings come with the model.
    self.assertEqual((config['model']['kl_weight'],
                      config['model']['prior_variance']), (0.5, 0.1))
    self.assertIn('reconstruction', self.train_output)
    self.assertIn('quantile', self.train_output)
    self.assertTrue(os.path.exists(os.path.join(self.model_dir,
                                                'samples.png')))
    with open(os.path.join(self.model_dir, 'eval',
                           'step_00000004.json')) as f:
      results = json.load(f)
    self.assertEqual(results['latent_sampler'], 'aiqn')
    self.assertGreater(results['latent_w1_aiqn'], 0)
    self.assertGreater(results['latent_w1_prior'], 0)

  def test_samples(self):
    aiqn = self._sample('aiqn', '--seed=3')
    again = self._sample('again', '--seed=3')
    prior = self._sample('prior', '--seed=3', '--latent_sampler=prior')
    self.assertEqual(aiqn['images'].shape, (6, 16, 16, 1))
    self.assertEqual(aiqn['images'].dtype, np.uint8)
    self.assertEqual(aiqn['tau'].shape, (6, 4))
    self.assertAllEqual(aiqn['images'], again['images'])
    self.assertAllEqual(aiqn['tau'], prior['tau'])
    self.assertNotAllClose(aiqn['codes'], prior['codes'])
    # Prior codes are the prior's quantiles at tau.
    self.assertAllClose(prior['codes'],
                        np.sqrt(0.1) * stats.norm.ppf(prior['tau']),
                        rtol=1e-4, atol=1e-5)
    reconstructed = self._sample('reconstructed', '--reconstruct', num=5)
    self.assertEqual(reconstructed['images'].shape, (5, 16, 16, 1))
    self.assertEqual(reconstructed['originals'].shape, (5, 16, 16, 1))

  def test_evaluate_and_export(self):
    code, output = test_util.run_binary(
        'evaluate', f'--model_dir={self.model_dir}', '--classifier=inception',
        f'--inception_path={STAND_IN}', '--num_samples=10',
        '--latent_sampler=prior', *test_util.QUICK_EVALUATE)
    self.assertEqual(code, 0, output)
    self.assertIn('latent_w1_prior', output)
    self.assertTrue(os.path.exists(os.path.join(
        self.model_dir, 'eval', 'step_00000004_prior.json')))
    export_dir = os.path.join(self.root, 'export')
    code, output = test_util.run_binary(
        'export', f'--model_dir={self.model_dir}',
        f'--export_dir={export_dir}')
    self.assertEqual(code, 0, output)
    loaded = tf.saved_model.load(export_dir)
    images = loaded.signatures['serving_default'](
        tau=tf.fill((2, 4), 0.5))['images']
    self.assertEqual(images.shape, (2, 16, 16, 1))
    self.assertEqual(images.dtype, tf.uint8)

  def test_bad_flags(self):
    for args, message in (
        (['sample', '--inpaint'], 'can --reconstruct'),
        (['sample', '--labels=1'], 'class-conditional'),
        (['train', '--model=aiqn_vae', '--preset=cifar10'],
         'for aiqn_vae choose one of celeba, digits, faces'),
        (['train', '--model=vae', '--preset=faces', '--image_size=0'],
         'set --image_size to one of them'),
        (['train', '--model=aiqn_vae', '--preset=digits',
          '--class_conditional'], 'not class-conditional')):
      model_dir = (self.model_dir if args[0] == 'sample' else
                   os.path.join(self.root, 'bad'))
      code, output = test_util.run_binary(*args, f'--model_dir={model_dir}')
      self.assertNotEqual(code, 0)
      self.assertIn(message, output)

  def test_plain_vae(self):
    model_dir = os.path.join(self.root, 'vae')
    code, output = test_util.run_binary(
        'train', '--model=vae', *TINY, '--train_steps=2',
        f'--model_dir={model_dir}')
    self.assertEqual(code, 0, output)
    with open(os.path.join(model_dir, 'config.json')) as f:
      config = json.load(f)
    self.assertEqual((config['model']['kl_weight'],
                      config['model']['prior_variance']), (1.0, 1.0))
    code, output = test_util.run_binary(
        'sample', f'--model_dir={model_dir}', '--latent_sampler=aiqn')
    self.assertNotEqual(code, 0)
    self.assertIn('no latent AIQN', output)


if __name__ == '__main__':
  tf.test.main()
