"""Training: resume after a crash, faults survived, agreement across strategies.

The faults: a crash, Ctrl-C and SIGTERM (a resumed run equals an
uninterrupted one), a non-finite loss or gradient (not applied, nothing saved
after it), a damaged checkpoint (the one before it is used), a second run on
the same directory (refused).

The strategy tests run training in subprocesses (logical CPU devices and
multi-worker collectives must be configured before TensorFlow's first op); this
file doubles as their worker script (`python training_test.py --worker ...`).
"""

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

import numpy as np
import tensorflow as tf

from aiqn_tf.runs import config as config_lib
from aiqn_tf.runs import run_dir
from aiqn_tf.testing import faulty_model  # pylint: disable=unused-import
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


def _adversarial_configs(**overrides):
  """A tiny config of WGAN-GP (5 critic updates a step: here 2), alpha-GAN
  (four players, batch norm in the encoder, generator and discriminator) and
  CQ-F (two players, a flow whose weights are made in build)."""
  return [_tiny_config('wgan_gp', latent_dim=4, filters=4, critic_steps=2,
                       **overrides),
          _tiny_config('alpha_gan', latent_dim=4, code_units=8, filters=4,
                       image_size=8, **overrides),
          _tiny_config('cq_f', latent_dim=4, flow_steps=2, flow_units=4,
                       filters=4, image_size=8, **overrides)]


def _faulty_config(**overrides):
  """A tiny config of 'faulty_toy' (testing/faulty_model.py)."""
  values = dict(dataset='digits', batch_size=8, train_steps=6,
                learning_rate=0.05, checkpoint_every=2, summary_every=3,
                sample_every=0, shuffle_buffer=64, ema_decay=0.9, seed=5)
  values.update(overrides)
  return config_lib.Config(model_name='faulty_toy').replace(
      **values).validate()


def _weights(trainer):
  return ([w.numpy() for w in trainer.model.weights],
          [w.numpy() for w in trainer.average_model.weights])


def _state(trainer):
  """Everything a step may change: weights, their average, optimizer slots."""
  model, average = _weights(trainer)
  return model + average + [v.numpy() for optimizer in
                            trainer.optimizers.values()
                            for v in optimizer.variables]


class Crash(Exception):
  pass


class ResumeTest(tf.test.TestCase):

  def setUp(self):
    super().setUp()
    self.root = tempfile.mkdtemp()
    self.addCleanup(shutil.rmtree, self.root, ignore_errors=True)

  def _straight(self):
    """The uninterrupted run of `_tiny_config()` that the interrupted,
    preempted and damaged runs must equal (trained once per class: how
    often a run checkpoints does not change its weights)."""
    cls = type(self)
    if getattr(cls, 'straight', None) is None:
      cls.straight_root = tempfile.mkdtemp()
      cls.straight = self._run(_tiny_config(checkpoint_every=100),
                               'straight', root=cls.straight_root)
    return cls.straight

  @classmethod
  def tearDownClass(cls):
    if getattr(cls, 'straight', None) is not None:
      shutil.rmtree(cls.straight_root, ignore_errors=True)
    super().tearDownClass()

  def _run(self, config, name, crash_at=None, interrupt_at=None, root=None):
    from aiqn_tf.training import trainer as training

    def after_step(step):
      if step == crash_at:
        raise Crash()  # A hard kill: nothing is saved.
      if step == interrupt_at:
        raise KeyboardInterrupt()  # Ctrl-C: the trainer saves first.

    trainer = training.Trainer(config, os.path.join(root or self.root, name))
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
    # PixelCNN trains through PixelIQN's path (one player, class labels).
    # VEEGAN: a player that trains two networks.
    configs = _tiny_configs()[::2] + _adversarial_configs() + [
        _tiny_config('veegan', latent_dim=4, filters=4, joint_units=8)]
    for config in configs:
      model = config.model_name
      straight = self._run(config, f'{model}_straight')
      self.assertIsNone(self._run(config, f'{model}_killed', crash_at=5))
      resumed = self._run(config, f'{model}_killed')
      self.assertEqual(resumed.step, 6)
      self._assert_same(straight, resumed)
      if config is configs[0]:
        # A different seed really changes the result (the check can fail).
        other = self._run(config.replace(seed=6), f'{model}_other')
        self.assertNotAllClose(_weights(straight)[0][0],
                               _weights(other)[0][0])

  def test_interrupted_run_saves_and_resumes(self):
    config = _tiny_config(checkpoint_every=100)
    straight = self._straight()
    self.assertIsNone(self._run(config, 'interrupted', interrupt_at=3))
    self.assertEqual(tf.train.latest_checkpoint(
        os.path.join(self.root, 'interrupted', 'checkpoints'))[-2:], '-3')
    self._assert_same(straight, self._run(config, 'interrupted'))

  def test_sigterm_saves_exits_143_and_resumes(self):
    from aiqn_tf.training import preemption
    from aiqn_tf.training import trainer as training
    config = _tiny_config(checkpoint_every=100)
    straight = self._straight()
    model_dir = os.path.join(self.root, 'preempted')

    def after_step(step):
      if step == 3:
        os.kill(os.getpid(), signal.SIGTERM)

    with self.assertRaises(preemption.Preempted) as raised:
      training.Trainer(config, model_dir).train(after_step)
    self.assertEqual((raised.exception.code, raised.exception.step), (143, 3))
    self.assertEqual(run_dir.checkpoints(model_dir),
                     [os.path.join(model_dir, 'checkpoints', 'ckpt-3')])
    self._assert_same(straight, self._run(config, 'preempted'))

  def test_damaged_checkpoint_falls_back_and_resumes(self):
    config = _tiny_config()  # Checkpoints at 2 and 4, then a crash at 5.
    straight = self._straight()
    self.assertIsNone(self._run(config, 'damaged', crash_at=5))
    data = os.path.join(self.root, 'damaged', 'checkpoints',
                        'ckpt-4.data-00000-of-00001')
    with open(data, 'r+b') as f:
      f.truncate(os.path.getsize(data) // 2)
    with self.assertLogs(level='WARNING') as logs:
      resumed = self._run(config, 'damaged')
    self.assertIn(f'{data} (Read less bytes than requested)',
                  '\n'.join(logs.output))
    self._assert_same(straight, resumed)

  def test_second_run_on_a_directory_is_refused(self):
    from aiqn_tf.training import run_lock
    from aiqn_tf.training import trainer as training
    config = _faulty_config()
    model_dir = os.path.join(self.root, 'shared')
    first = training.Trainer(config, model_dir)
    with self.assertRaisesRegex(run_lock.RunDirInUseError,
                                f'{model_dir} is in use by another training '
                                f'run \\(pid {os.getpid()} on'):
      training.Trainer(config, model_dir)
    first.train()  # Releases the directory when it ends.
    second = training.Trainer(config.replace(train_steps=8), model_dir)
    self.assertEqual(second.step, 6)
    second.close()


class NonFiniteTest(tf.test.TestCase):

  def setUp(self):
    super().setUp()
    self.root = tempfile.mkdtemp()
    self.addCleanup(shutil.rmtree, self.root, ignore_errors=True)

  def test_nonfinite_step_is_not_applied_and_nothing_saved_after(self):
    # One player, and two players with three updates a step whose fault
    # comes in the last (the first two are undone).
    for two_players in (False, True):
      self._check_nonfinite_step(two_players)

  def _check_nonfinite_step(self, two_players):
    from aiqn_tf.training import trainer as training
    name = 'two_players' if two_players else 'one_player'
    reference = training.Trainer(
        _faulty_config(train_steps=4, two_players=two_players),
        os.path.join(self.root, name, 'reference'))
    reference.train()
    for nan_in, parts, text in (
        ('penalty', ['penalty', 'loss'],
         "in the loss part 'penalty' and the loss."),
        ('gradient', ['gradients'], 'in the gradients.')):
      model_dir = os.path.join(self.root, name, nan_in)
      config = _faulty_config(nan_step=5, nan_in=nan_in,
                              two_players=two_players)
      trainer = training.Trainer(config, model_dir)
      with self.assertRaises(training.NonFiniteLossError) as raised:
        trainer.train()
      self.assertEqual((raised.exception.step, raised.exception.parts),
                       (5, parts))
      checkpoint = os.path.join(model_dir, 'checkpoints', 'ckpt-4')
      for expected in (f'Step 5: non-finite values (NaN or Inf) {text}',
                       f'the last checkpoint, {checkpoint} (step 4), is '
                       'intact', 'lower learning_rate', 'skip_nonfinite'):
        self.assertIn(expected, str(raised.exception))
      # Steps 5 and 6 ran but changed nothing, not even the count of
      # batches seen (a statistic of the forward pass).
      self.assertEqual(trainer.step, 4)
      self.assertEqual(trainer.model.seen.numpy(), 4 * (3 if two_players
                                                        else 1))
      for got, expected in zip(_state(trainer), _state(reference)):
        self.assertAllEqual(got, expected)
      self.assertEqual(run_dir.checkpoints(model_dir), [
          checkpoint, os.path.join(model_dir, 'checkpoints', 'ckpt-2')])
      resumed = training.Trainer(config, model_dir)
      for got, expected in zip(_state(resumed), _state(reference)):
        self.assertAllEqual(got, expected)
      resumed.close()

  def test_skip_nonfinite_skips_and_counts(self):
    from aiqn_tf.training import trainer as training
    model_dir = os.path.join(self.root, 'skipping')
    # From the configuration alone, as library callers pass it.
    trainer = training.Trainer(
        _faulty_config(nan_step=3, skip_nonfinite=True), model_dir)
    weights = {}
    # On absl's logger: another test in the same process may have left the
    # root logger's level above INFO.
    with self.assertLogs(logger='absl', level='INFO') as logs:
      trainer.train(lambda step: weights.__setitem__(step, _weights(trainer)))
    self.assertEqual(trainer.step, 6)
    self.assertIn('step 6/6', '\n'.join(logs.output))
    self.assertIn('(1 non-finite batches skipped', '\n'.join(logs.output))
    for before, after in zip(sum(weights[2], []), sum(weights[3], [])):
      self.assertAllEqual(before, after)  # Step 3 was skipped...
    self.assertNotAllClose(weights[3][0][0], weights[4][0][0])  # ...not 4.
    skipped = {}
    for event_file in tf.io.gfile.glob(os.path.join(model_dir, 'train', '*')):
      for event in tf.compat.v1.train.summary_iterator(event_file):
        for value in event.summary.value:
          if value.tag == 'skipped_batches':
            skipped[event.step] = float(tf.make_ndarray(value.tensor))
    self.assertEqual(skipped, {3: 1.0, 6: 1.0})


def _free_port():
  with socket.socket() as s:
    s.bind(('127.0.0.1', 0))
    return s.getsockname()[1]


def _spawn(out, strategy, cpu_replicas=0, tf_config=None, adversarial=True):
  env = dict(os.environ, PYTHONPATH=ROOT, CUDA_VISIBLE_DEVICES='')
  env.pop('TF_CONFIG', None)
  if tf_config:
    env['TF_CONFIG'] = json.dumps(tf_config)
  return subprocess.Popen(
      [sys.executable, os.path.abspath(__file__), '--worker', out, strategy,
       str(cpu_replicas), str(int(adversarial))], env=env, stdout=subprocess.PIPE,
      stderr=subprocess.STDOUT, text=True)


def _wait(process):
  output, _ = process.communicate(timeout=300)
  if process.returncode:
    raise AssertionError(f'worker failed:\n{output[-4000:]}')


def _spawn_preemptible(model_dir, out, train_steps, tf_config, log, gate,
                       kinds_out):
  """A worker of _preemptible_main, its output to the file `log`."""
  env = dict(os.environ, PYTHONPATH=ROOT, CUDA_VISIBLE_DEVICES='',
             TF_CONFIG=json.dumps(tf_config))
  with open(log, 'a') as f:
    return subprocess.Popen(
        [sys.executable, os.path.abspath(__file__), '--preemptible', model_dir,
         out, str(train_steps), gate, kinds_out], env=env, stdout=f,
        stderr=subprocess.STDOUT)


def _read(path):
  with open(path) as f:
    return f.read()


def _load(out):
  """A worker's weights: {"KIND/INDEX": array}."""
  with np.load(out + '.npz') as f:
    return {key: f[key] for key in f.files}


class StrategyTest(tf.test.TestCase):

  @classmethod
  def setUpClass(cls):
    super().setUpClass()
    cls.shared = tempfile.mkdtemp()
    # The one-device reference of both agreement tests, every model kind,
    # started once while the tests start their own workers.
    cls.one_device = _spawn(os.path.join(cls.shared, 'one'), 'one_device')

  @classmethod
  def tearDownClass(cls):
    if cls.one_device.poll() is None:
      cls.one_device.kill()
    cls.one_device.communicate()
    shutil.rmtree(cls.shared, ignore_errors=True)
    super().tearDownClass()

  def setUp(self):
    super().setUp()
    self.root = tempfile.mkdtemp()
    self.addCleanup(shutil.rmtree, self.root, ignore_errors=True)

  def _one_device(self):
    if self.one_device.returncode is None:
      _wait(self.one_device)
    elif self.one_device.returncode:
      self.fail('the one-device worker failed (see the first test to wait)')
    return _load(os.path.join(self.shared, 'one'))

  def _result(self, name):
    return _load(os.path.join(self.root, name))

  def _assert_close(self, a, b):
    """Every weight of `a` as in `b` (which may hold more model kinds)."""
    self.assertNotEmpty(a)
    self.assertContainsSubset(a.keys(), b.keys())
    for key in a:
      self.assertAllClose(a[key], b[key], rtol=1e-4, atol=1e-5, msg=key)

  def test_mirrored_matches_one_device(self):
    mirrored = _spawn(os.path.join(self.root, 'mirrored'), 'mirrored', 2)
    _wait(mirrored)
    self.assertLen(self._result('mirrored'), len(self._one_device()))
    self._assert_close(self._result('mirrored'), self._one_device())

  def _start_preemptible(self, name, train_steps, gate='', kinds=False):
    """Starts the two workers of a multi-worker run in root/name (see
    _preemptible_main for `gate`; with `kinds`, the workers then train every
    one-player model kind into root/kinds{i})."""
    ports = [_free_port(), _free_port()]
    cluster = {'worker': [f'127.0.0.1:{p}' for p in ports]}
    return [_spawn_preemptible(
        os.path.join(self.root, name), os.path.join(self.root, f'{name}{i}'),
        train_steps, {'cluster': cluster,
                      'task': {'type': 'worker', 'index': i}},
        os.path.join(self.root, f'{name}{i}.log'), gate,
        os.path.join(self.root, f'kinds{i}') if kinds else '')
            for i in range(2)]

  def _logs(self, name):
    return [_read(os.path.join(self.root, f'{name}{i}.log')) for i in range(2)]

  def test_multi_worker_agrees_and_a_preempted_run_saves_one_step_and_resumes(
      self):
    # TF's handler saves within a few steps of the signal; the workers wait
    # after step 20 until it is sent (the gate), so that a slow or loaded
    # machine cannot finish the run first.
    train_steps = 100
    # The uninterrupted run's workers then train the one-player kinds under
    # the same strategy: both workers and one device agree (the two-player
    # models' collectives are mirrored_matches_one_device's).
    codes = [w.wait(timeout=300) for w in self._start_preemptible(
        'straight', train_steps, kinds=True)]
    self.assertEqual(codes, [0, 0], self._logs('straight'))
    self._assert_close(self._result('kinds0'), self._result('kinds1'))
    self._assert_close(self._result('kinds0'), self._one_device())
    gate = os.path.join(self.root, 'gate')
    workers = self._start_preemptible('preempted', train_steps, gate)
    deadline = time.time() + 240
    while not all('step 20\n' in log for log in self._logs('preempted')):
      self.assertLess(time.time(), deadline, self._logs('preempted'))
      self.assertEqual([w.poll() for w in workers], [None, None],
                       self._logs('preempted'))
      time.sleep(0.2)
    # The non-chief is signalled; the chief must save the same step.
    workers[1].send_signal(signal.SIGTERM)
    open(gate, 'w').close()
    codes = [w.wait(timeout=300) for w in workers]
    self.assertEqual(codes, [143, 143], self._logs('preempted'))
    saved = [re.findall(r'SIGTERM: saved step (\d+)', log)
             for log in self._logs('preempted')]
    self.assertLen(saved[0], 1)
    self.assertEqual(saved[0], saved[1])
    step = int(saved[0][0])
    self.assertBetween(step, 21, train_steps - 1)
    model_dir = os.path.join(self.root, 'preempted')
    self.assertEqual(run_dir.checkpoints(model_dir), [
        os.path.join(model_dir, 'checkpoints', f'ckpt-{step}')])
    # The scheduler restarts both with the same command.
    codes = [w.wait(timeout=300) for w in self._start_preemptible(
        'preempted', train_steps)]
    self.assertEqual(codes, [0, 0], self._logs('preempted'))
    for i in range(2):
      straight, resumed = (self._result(f'straight{i}'),
                           self._result(f'preempted{i}'))
      self.assertEqual(resumed.keys(), straight.keys())
      for key in straight:
        self.assertAllClose(straight[key], resumed[key], rtol=1e-6,
                            atol=1e-7)


def _worker_main(out, strategy_name, cpu_replicas, adversarial):
  """Trains the tiny config under a strategy; saves the weights to out.npz."""
  from aiqn_tf.training import distribute  # pylint: disable=g-import-not-at-top
  strategy = distribute.make_strategy(strategy_name, cpu_replicas)
  expected = {'one_device': 1, 'mirrored': 2, 'multi_worker': 2}
  assert strategy.num_replicas_in_sync == expected[strategy_name], (
      strategy.num_replicas_in_sync)
  _train_kinds(strategy, out, adversarial)


def _train_kinds(strategy, out, adversarial):
  """Trains each model kind's tiny config (and a NaN) under `strategy`;
  saves the weights to out.npz."""
  from aiqn_tf.training import trainer as training  # pylint: disable=g-import-not-at-top
  weights = {}
  # PixelIQN, AIQN-VAE for its synchronized batch norm, and with
  # `adversarial` the two-player models (alpha-GAN with batch norm in three
  # of its four players).
  short = dict(train_steps=4, checkpoint_every=4, summary_every=4)
  configs = _tiny_configs(**short)[::2]
  if adversarial:
    configs += _adversarial_configs(**short)
  for config in configs:
    trainer = training.Trainer(config, f'{out}_{config.model_name}', strategy)
    trainer.train()
    weights.update({f'{config.model_name}/{i}': w.numpy()
                    for i, w in enumerate(trainer.model.weights)})
  # A NaN at step 3: every replica and worker refuses it.
  trainer = training.Trainer(_faulty_config(nan_step=3, train_steps=5,
                                            summary_every=5),
                             f'{out}_faulty', strategy)
  try:
    trainer.train()
    raise AssertionError('The NaN of step 3 went unnoticed.')
  except training.NonFiniteLossError as e:
    assert (e.step, trainer.step) == (3, 2), (e.step, trainer.step)
  weights.update({f'faulty_toy/{i}': w.numpy()
                  for i, w in enumerate(trainer.model.weights)})
  np.savez(out + '.npz', **weights)


def _preemptible_config(train_steps):
  return _faulty_config(train_steps=train_steps, checkpoint_every=train_steps,
                        summary_every=train_steps)


def _preemptible_main(model_dir, out, train_steps, gate, kinds_out):
  """A worker of a MultiWorkerMirroredStrategy run that may be preempted.

  Prints every tenth step; with a `gate` path, waits after step 20 until
  that file exists; lets Preempted end the process (status 143); at the end
  saves the weights and their average to out.npz, then with a `kinds_out`
  path trains the one-player kinds (`_train_kinds`) into kinds_out.npz.
  """
  from aiqn_tf.training import distribute  # pylint: disable=g-import-not-at-top
  strategy = distribute.make_strategy('multi_worker')
  from aiqn_tf.training import trainer as training
  trainer = training.Trainer(_preemptible_config(train_steps), model_dir,
                             strategy)

  def after_step(step):
    if step % 10 == 0:
      print(f'step {step}', flush=True)
    if step == 20 and gate:
      while not os.path.exists(gate):
        time.sleep(0.05)

  trainer.train(after_step)
  model, average = _weights(trainer)
  np.savez(out + '.npz', *(model + average))
  if kinds_out:
    _train_kinds(strategy, kinds_out, adversarial=False)


if __name__ == '__main__':
  if len(sys.argv) == 6 and sys.argv[1] == '--worker':
    sys.path.insert(0, ROOT)
    _worker_main(sys.argv[2], sys.argv[3], int(sys.argv[4]),
                 bool(int(sys.argv[5])))
  elif len(sys.argv) == 7 and sys.argv[1] == '--preemptible':
    sys.path.insert(0, ROOT)
    _preemptible_main(sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5],
                      sys.argv[6])
  else:
    tf.test.main()
