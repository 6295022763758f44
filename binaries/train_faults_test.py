"""The train binary under faults: SIGTERM, a second run, a diverging loss.

Each runs `python -m binaries.train` in a subprocess as a user or scheduler
would, and checks what is left on disk.
"""

import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

import numpy as np
import tensorflow as tf

from aiqn_tf.runs import run_dir
from aiqn_tf.testing import test_util

TINY = ['--preset=digits', '--num_layers=1', '--filters=8',
        '--output_filters=8', '--batch_size=4', '--sample_every=0']


def _read(path):
  with open(path) as f:
    return f.read()


def _checkpoint_values(path):
  """{name: value} of a checkpoint's tensors but its save counter.

  The input pipeline's position (a variant) cannot be read this way; a wrong
  one shows in the weights of the steps after it.
  """
  reader = tf.train.load_checkpoint(path)
  return {name: reader.get_tensor(name)
          for name, dtype in reader.get_variable_to_dtype_map().items()
          if dtype != tf.variant and not name.startswith(
              ('save_counter', '_CHECKPOINTABLE_OBJECT'))}


class TrainFaultsTest(tf.test.TestCase):

  def setUp(self):
    super().setUp()
    self.root = tempfile.mkdtemp()
    self.addCleanup(shutil.rmtree, self.root, ignore_errors=True)

  def test_sigterm_saves_then_resumes_and_a_second_run_is_refused(self):
    model_dir = os.path.join(self.root, 'preempted')
    log = os.path.join(self.root, 'preempted.log')
    args = [*TINY, '--train_steps=100000000', '--checkpoint_every=100000000',
            '--summary_every=1', f'--model_dir={model_dir}']
    with open(log, 'w') as f:
      first = subprocess.Popen(
          [sys.executable, '-m', 'binaries.train', *args], cwd=test_util.ROOT,
          env=dict(os.environ, PYTHONPATH=test_util.ROOT), stdout=f,
          stderr=subprocess.STDOUT)
    self.addCleanup(first.wait)
    self.addCleanup(first.kill)
    deadline = time.time() + 240
    while 'step 20/' not in _read(log):
      self.assertIsNone(first.poll(), _read(log)[-3000:])
      self.assertLess(time.time(), deadline, _read(log)[-3000:])
      time.sleep(0.2)

    # The same command again while the first trains: refused, naming it.
    code, output = test_util.run_binary('train', *args, timeout=300)
    self.assertNotEqual(code, 0)
    self.assertIn(f'{model_dir} is in use by another training run (pid '
                  f'{first.pid} on', output)
    self.assertIsNone(first.poll(), _read(log)[-3000:])

    first.send_signal(signal.SIGTERM)
    self.assertEqual(first.wait(timeout=300), 143, _read(log)[-3000:])
    saved = re.findall(r'SIGTERM: saved step (\d+) to (\S+);', _read(log))
    self.assertLen(saved, 1, _read(log)[-3000:])
    step, path = int(saved[0][0]), saved[0][1]
    self.assertGreaterEqual(step, 20)
    self.assertEqual(run_dir.checkpoints(model_dir), [path])
    self.assertEqual(path, os.path.join(model_dir, 'checkpoints',
                                        f'ckpt-{step}'))
    self.assertEqual(_read(os.path.join(model_dir, 'train.lock')), '')

    # Resumed with more steps, it ends where an uninterrupted run ends.
    end = step + 20
    code, output = test_util.run_binary(
        'train', f'--train_steps={end}', f'--model_dir={model_dir}',
        timeout=300)
    self.assertEqual(code, 0, output)
    self.assertIn(f'to step {end}', output)
    straight_dir = os.path.join(self.root, 'straight')
    code, output = test_util.run_binary(
        'train', *TINY, f'--train_steps={end}', '--summary_every=1000',
        '--checkpoint_every=100000000', f'--model_dir={straight_dir}',
        timeout=300)
    self.assertEqual(code, 0, output)
    resumed, straight = (
        _checkpoint_values(run_dir.latest_checkpoint(d))
        for d in (model_dir, straight_dir))
    self.assertEqual(set(resumed), set(straight))
    # The model's weights are saved as the optimizer's (first path found).
    for part in ('optimizer/_trainable_variables/', 'optimizer/_variables/',
                 'average_model/'):
      self.assertNotEmpty([n for n in resumed if n.startswith(part)])
    for name, value in straight.items():
      self.assertAllClose(resumed[name], value, rtol=1e-6, atol=1e-7,
                          msg=name)

  def test_diverging_loss_stops_with_last_checkpoint_intact(self):
    model_dir = os.path.join(self.root, 'diverged')
    code, output = test_util.run_binary(
        'train', *TINY, '--learning_rate=1e30', '--train_steps=50',
        '--checkpoint_every=1', '--summary_every=10',
        f'--model_dir={model_dir}', timeout=300)
    self.assertNotEqual(code, 0)
    found = re.search(r'Step (\d+): non-finite values \(NaN or Inf\) in ',
                      output)
    self.assertIsNotNone(found, output[-3000:])
    step = int(found.group(1))
    last = os.path.join(model_dir, 'checkpoints', f'ckpt-{step - 1}')
    self.assertIn(f'the last checkpoint, {last} (step {step - 1}), is intact',
                  output)
    self.assertRegex(output, 'lower (--)?learning_rate')
    self.assertEqual(run_dir.checkpoints(model_dir)[0], last)
    for name, value in _checkpoint_values(last).items():
      if value.dtype.kind == 'f':
        self.assertTrue(np.all(np.isfinite(value)), name)


if __name__ == '__main__':
  tf.test.main()
