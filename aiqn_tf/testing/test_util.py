"""Helpers shared by the tests."""

import json
import os
import signal
import subprocess
import sys
import tempfile
import threading

import keras
import numpy as np
import tensorflow as tf

import aiqn_tf
from aiqn_tf.core import images as image_lib
from aiqn_tf.models import losses

# The repository root (aiqn_tf/testing/ is two levels below it).
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
TESTDATA = os.path.join(ROOT, 'testdata')


def randomize_weights(model, seed=0):
  """Gives every weight of a built model a random non-zero value.

  Kernels get N(0, 1/fan_in), so activations stay in the gates' sensitive range;
  everything else (biases, label embeddings), which Keras initializes to zeros
  or tiny values, gets N(0, 0.1^2); batch norm's moving variances stay
  positive (1 + |N(0, 0.1^2)|). No weight is left exactly zero, so every
  connection a mask allows carries gradient.
  """
  rng = np.random.default_rng(seed)
  for weight in model.weights:
    shape = tuple(weight.shape)
    scale = 1.0 / np.sqrt(np.prod(shape[:-1])) if len(shape) == 4 else 0.1
    value = rng.normal(0.0, scale, shape)
    if 'moving_variance' in weight.path:
      value = 1.0 + np.abs(value)
    weight.assign(value.astype(np.float32))



def trained_model(cls, shape, num_classes=None, steps=5, seed=0, **kwargs):
  """A small model after a few Adam steps on random images (non-trivial).

  kwargs: more constructor arguments (e.g. PixelIQN's tau_embedding).
  """
  keras.utils.set_random_seed(seed)
  model = cls(shape, num_layers=3, filters=6 * shape[-1], kernel_size=3,
              output_filters=12 * shape[-1], num_classes=num_classes,
              **kwargs)
  optimizer = keras.optimizers.Adam(1e-2)
  rng = np.random.default_rng(seed)
  for _ in range(steps):
    levels = rng.integers(0, 256, (4,) + shape)
    inputs = {'images': image_lib.to_float(levels)}
    if num_classes:
      inputs['labels'] = rng.integers(0, num_classes, 4).astype(np.int32)
    with tf.GradientTape() as tape:
      if cls is aiqn_tf.PixelIQN:
        inputs['tau'] = rng.uniform(size=(4,) + shape).astype(np.float32)
        loss = losses.quantile_huber_loss(inputs['images'], model(inputs),
                                          inputs['tau'])
      else:  # PixelCNN and its subclasses.
        loss = model.negative_log_likelihood(levels, model(inputs))
      loss = tf.reduce_mean(loss)
    grads = tape.gradient(loss, model.trainable_variables)
    optimizer.apply_gradients(zip(grads, model.trainable_variables))
  return model


# The evaluate binary's flags that skip PixelIQN's likelihood estimate and the
# independent critic, for the tests that check neither (they cost most of a
# small evaluation; evaluate_test checks both).
QUICK_EVALUATE = ('--likelihood_images=0', '--independent_critic_steps=0')


def run_binary(name, *args, timeout=600):
  """Runs `python -m binaries.NAME ARGS` from the repository root.

  The program runs in a process of its own, as from a shell, forked from a
  warm interpreter that has imported TensorFlow once (`_Zygote`): starting
  TensorFlow cost most of a small binary run, and the binary tests run
  dozens. Where that interpreter is unavailable it runs in a fresh one.

  Returns:
    (exit code, stdout followed by stderr).
  """
  env = dict(os.environ, PYTHONPATH=ROOT)
  env.pop('TF_CONFIG', None)
  if _Zygote.get() is not None:
    result = _Zygote.get().run(name, args, env, timeout)
    if result is not None:
      return result
  result = subprocess.run([sys.executable, '-m', f'binaries.{name}', *args],
                          cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=timeout)
  return result.returncode, result.stdout + result.stderr


def evaluate_and_export(test, model_dir, export_dir, image_shape):
  """Runs the evaluate binary (stand-in Inception) and the export binary on
  a run, and checks that the export serves images from tau."""
  code, output = run_binary(
      'evaluate', f'--model_dir={model_dir}', '--classifier=inception',
      f'--inception_path={os.path.join(TESTDATA, "inception_stand_in")}',
      '--num_samples=8', *QUICK_EVALUATE)
  test.assertEqual(code, 0, output)
  test.assertIn('FID', output)
  code, output = run_binary('export', f'--model_dir={model_dir}',
                            f'--export_dir={export_dir}')
  test.assertEqual(code, 0, output)
  loaded = tf.saved_model.load(export_dir)
  images = loaded.signatures['serving_default'](
      tau=tf.fill((2,) + tuple(image_shape), 0.5))['images']
  test.assertEqual((images.shape, images.dtype),
                   ((2,) + tuple(image_shape), tf.uint8))


# The warm interpreter: reads one JSON request a line, forks a child that
# runs the binary as __main__ with its output in a file, answers its exit
# code. Nothing in it has run a TensorFlow op, so each child starts
# TensorFlow's runtime afresh, as a new process would.
_ZYGOTE = r"""
import json, os, runpy, sys
import tensorflow, keras  # The slow imports, once.
import aiqn_tf
from aiqn_tf.data import datasets
print('ready', flush=True)
for line in sys.stdin:
  request = json.loads(line)
  pid = os.fork()
  if pid == 0:
    code = 1
    try:
      out = os.open(request['output'], os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
      os.dup2(out, 1)
      os.dup2(out, 2)
      null = os.open(os.devnull, os.O_RDONLY)
      os.dup2(null, 0)
      os.environ.clear()
      os.environ.update(request['env'])
      module = 'binaries.' + request['name']
      sys.argv = [os.path.join(os.getcwd(), *module.split('.')) + '.py'
                 ] + request['args']
      runpy.run_module(module, run_name='__main__', alter_sys=True)
      code = 0
    except SystemExit as e:
      code = e.code if isinstance(e.code, int) else (0 if e.code is None
                                                      else 1)
    except BaseException:
      import traceback
      traceback.print_exc()
    finally:
      sys.stdout.flush()
      sys.stderr.flush()
      os._exit(code)
  print(json.dumps({'pid': pid}), flush=True)
  _, status = os.waitpid(pid, 0)
  print(json.dumps({'code': os.waitstatus_to_exitcode(status)}), flush=True)
"""


class _Zygote:
  """One warm interpreter per test process (see `_ZYGOTE`)."""

  _instance = None
  _failed = False

  @classmethod
  def get(cls):
    if os.environ.get('AIQN_TF_TEST_FRESH_PROCESSES'):
      return None  # Every binary in a fresh interpreter, as before.
    if cls._instance is None and not cls._failed:
      try:
        cls._instance = cls()
      except (OSError, RuntimeError):
        cls._failed = True
    return cls._instance

  def __init__(self):
    env = dict(os.environ, PYTHONPATH=ROOT)
    env.pop('TF_CONFIG', None)
    self.process = subprocess.Popen(
        [sys.executable, '-c', _ZYGOTE], cwd=ROOT, env=env, text=True,
        stdin=subprocess.PIPE, stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL)
    if self.process.stdout.readline().strip() != 'ready':
      raise RuntimeError('the warm interpreter did not start')

  def run(self, name, args, env, timeout):
    """(exit code, output), or None if the interpreter is gone."""
    if self.process.poll() is not None:
      return None
    with tempfile.NamedTemporaryFile('r', suffix='.log') as output:
      self.process.stdin.write(json.dumps(dict(
          name=name, args=list(args), env=env, output=output.name)) + '\n')
      self.process.stdin.flush()
      pid = json.loads(self.process.stdout.readline())['pid']
      timer = threading.Timer(timeout, os.kill, (pid, signal.SIGKILL))
      timer.start()
      try:
        code = json.loads(self.process.stdout.readline())['code']
      finally:
        timer.cancel()
      if code == -signal.SIGKILL:
        raise subprocess.TimeoutExpired(f'binaries.{name}', timeout)
      return code, output.read()
