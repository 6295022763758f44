"""Training: resume after a crash, and agreement across strategies.

The strategy tests run training in subprocesses (logical CPU devices and
multi-worker collectives must be configured before TensorFlow's first op); this
file doubles as their worker script (`python training_test.py --worker ...`).
"""

import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile

import numpy as np
import tensorflow as tf

from aiqn_tf.runs import config as config_lib
from aiqn_tf.testing import test_util

ROOT = test_util.ROOT


PIXEL = dict(num_layers=2, filters=8, kernel_size=3, output_filters=16)


def _tiny_config(model='pixel_iqn', **overrides):
  values = dict(dataset='digits', batch_size=8, train_steps=6,
                learning_rate=1e-3, checkpoint_every=2, summary_every=2,
                sample_every=0, shuffle_buffer=64, ema_decay=0.9, seed=5)
  if model.startswith('pixel_'):
    values.update(PIXEL)
  values.update(overrides)
  return config_lib.Config(model_name=model).replace(**values).validate()


def _tiny_configs(**overrides):
  """A tiny config of each model kind."""
  latent = dict(latent_dim=4, aiqn_layers=2, aiqn_units=16, head_units=4,
                image_size=8)
  return [_tiny_config('pixel_iqn', class_conditional=True, **overrides),
          _tiny_config('pixel_cnn', class_conditional=True, **overrides),
          _tiny_config('aiqn_vae', **latent, **overrides)]


def _weights(trainer):
  return ([w.numpy() for w in trainer.model.weights],
          [w.numpy() for w in trainer.average_model.weights])


class Crash(Exception):
  pass


class ResumeTest(tf.test.TestCase):

  def setUp(self):
    super().setUp()
    self.root = tempfile.mkdtemp()
    self.addCleanup(shutil.rmtree, self.root, ignore_errors=True)

  def _run(self, config, name, crash_at=None, interrupt_at=None):
    from aiqn_tf.training import trainer as training

    def after_step(step):
      if step == crash_at:
        raise Crash()  # A hard kill: nothing is saved.
      if step == interrupt_at:
        raise KeyboardInterrupt()  # Ctrl-C: the trainer saves first.

    trainer = training.Trainer(config, os.path.join(self.root, name))
    try:
      trainer.train(after_step)
    except (Crash, KeyboardInterrupt):
      return None
    return trainer

  def _assert_same(self, a, b):
    (model_a, average_a), (model_b, average_b) = _weights(a), _weights(b)
    for x, y in zip(model_a + average_a, model_b + average_b):
      self.assertAllClose(x, y, rtol=1e-6, atol=1e-7)

  def test_killed_run_resumes_exactly(self):
    for config in _tiny_configs():
      model = config.model_name
      straight = self._run(config, f'{model}_straight')
      self.assertIsNone(self._run(config, f'{model}_killed', crash_at=5))
      resumed = self._run(config, f'{model}_killed')
      self.assertEqual(resumed.step, 6)
      self._assert_same(straight, resumed)
      # A different seed really changes the result (the check can fail).
      other = self._run(config.replace(seed=6), f'{model}_other')
      self.assertNotAllClose(_weights(straight)[0][0], _weights(other)[0][0])

  def test_interrupted_run_saves_and_resumes(self):
    config = _tiny_config(checkpoint_every=100)
    straight = self._run(config, 'straight')
    self.assertIsNone(self._run(config, 'interrupted', interrupt_at=3))
    self.assertEqual(tf.train.latest_checkpoint(
        os.path.join(self.root, 'interrupted', 'checkpoints'))[-2:], '-3')
    self._assert_same(straight, self._run(config, 'interrupted'))


def _free_port():
  with socket.socket() as s:
    s.bind(('127.0.0.1', 0))
    return s.getsockname()[1]


def _spawn(out, strategy, cpu_replicas=0, tf_config=None):
  env = dict(os.environ, PYTHONPATH=ROOT, CUDA_VISIBLE_DEVICES='')
  env.pop('TF_CONFIG', None)
  if tf_config:
    env['TF_CONFIG'] = json.dumps(tf_config)
  return subprocess.Popen(
      [sys.executable, os.path.abspath(__file__), '--worker', out, strategy,
       str(cpu_replicas)], env=env, stdout=subprocess.PIPE,
      stderr=subprocess.STDOUT, text=True)


def _wait(process):
  output, _ = process.communicate(timeout=300)
  if process.returncode:
    raise AssertionError(f'worker failed:\n{output[-4000:]}')


class StrategyTest(tf.test.TestCase):

  def setUp(self):
    super().setUp()
    self.root = tempfile.mkdtemp()
    self.addCleanup(shutil.rmtree, self.root, ignore_errors=True)

  def _result(self, name):
    with np.load(os.path.join(self.root, name + '.npz')) as f:
      return [f[k] for k in sorted(f.files, key=lambda k: int(k[4:]))]

  def _assert_close(self, a, b):
    self.assertLen(a, len(b))
    for x, y in zip(a, b):
      self.assertAllClose(x, y, rtol=1e-4, atol=1e-5)

  def test_mirrored_matches_one_device(self):
    one = _spawn(os.path.join(self.root, 'one'), 'one_device')
    mirrored = _spawn(os.path.join(self.root, 'mirrored'), 'mirrored', 2)
    _wait(one)
    _wait(mirrored)
    self._assert_close(self._result('one'), self._result('mirrored'))

  def test_multi_worker_agree(self):
    ports = [_free_port(), _free_port()]
    cluster = {'worker': [f'127.0.0.1:{p}' for p in ports]}
    workers = [
        _spawn(os.path.join(self.root, f'worker{i}'), 'multi_worker',
               tf_config={'cluster': cluster,
                          'task': {'type': 'worker', 'index': i}})
        for i in range(2)
    ]
    one = _spawn(os.path.join(self.root, 'one'), 'one_device')
    for process in workers + [one]:
      _wait(process)
    self._assert_close(self._result('worker0'), self._result('worker1'))
    self._assert_close(self._result('worker0'), self._result('one'))


def _worker_main(out, strategy_name, cpu_replicas):
  """Trains the tiny config under a strategy; saves the weights to out.npz."""
  from aiqn_tf.training import distribute  # pylint: disable=g-import-not-at-top
  strategy = distribute.make_strategy(strategy_name, cpu_replicas)
  from aiqn_tf.training import trainer as training
  expected = {'one_device': 1, 'mirrored': 2, 'multi_worker': 2}
  assert strategy.num_replicas_in_sync == expected[strategy_name], (
      strategy.num_replicas_in_sync)
  weights = []
  # PixelIQN, and AIQN-VAE for its synchronized batch norm.
  for config in _tiny_configs(train_steps=4, checkpoint_every=4,
                              summary_every=4)[::2]:
    trainer = training.Trainer(config, f'{out}_{config.model_name}', strategy)
    trainer.train()
    weights += [w.numpy() for w in trainer.model.weights]
  np.savez(out + '.npz', *weights)


if __name__ == '__main__':
  if len(sys.argv) == 5 and sys.argv[1] == '--worker':
    sys.path.insert(0, ROOT)
    _worker_main(sys.argv[2], sys.argv[3], int(sys.argv[4]))
  else:
    tf.test.main()
