"""The run directory lock: one holder, released at exit, stale ones taken over."""

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile

import tensorflow as tf

from aiqn_tf.testing import test_util
from aiqn_tf.training import run_lock

# Takes the lock of argv[1], says so, and waits to be killed.
HOLDER = r'''
import sys, time
from aiqn_tf.training import run_lock
run_lock.RunLock(sys.argv[1]).acquire()
print('held', flush=True)
time.sleep(600)
'''


class RunLockTest(tf.test.TestCase):

  def setUp(self):
    super().setUp()
    self.model_dir = os.path.join(tempfile.mkdtemp(), 'run')
    self.addCleanup(shutil.rmtree, os.path.dirname(self.model_dir),
                    ignore_errors=True)
    self.path = os.path.join(self.model_dir, 'train.lock')

  def _holder(self):
    process = subprocess.Popen(
        [sys.executable, '-c', HOLDER, self.model_dir],
        env=dict(os.environ, PYTHONPATH=test_util.ROOT),
        stdout=subprocess.PIPE, text=True)
    self.addCleanup(process.wait)
    self.addCleanup(process.kill)
    self.assertEqual(process.stdout.readline().strip(), 'held')
    return process

  def _write(self, **holder):
    os.makedirs(self.model_dir, exist_ok=True)
    with open(self.path, 'w') as f:
      json.dump(holder, f)

  def test_second_lock_refused_until_released(self):
    first = run_lock.RunLock(self.model_dir)
    first.acquire()
    with open(self.path) as f:
      self.assertEqual(json.load(f)['pid'], os.getpid())
    second = run_lock.RunLock(self.model_dir)
    with self.assertRaisesRegex(
        run_lock.RunDirInUseError,
        f'in use by another training run \\(pid {os.getpid()} on '
        f'{socket.gethostname()}.*delete {self.path}'):
      second.acquire()
    self.assertFalse(second.held)
    first.release()
    with open(self.path) as f:
      self.assertEqual(f.read(), '')
    second.acquire()
    self.assertTrue(second.held)
    second.release()

  def test_live_process_holds_it_and_a_killed_one_is_taken_over(self):
    holder = self._holder()
    with self.assertRaisesRegex(run_lock.RunDirInUseError,
                                f'pid {holder.pid} on'):
      run_lock.RunLock(self.model_dir).acquire()
    holder.send_signal(signal.SIGKILL)  # No chance to release.
    holder.wait()
    with open(self.path) as f:
      self.assertEqual(json.load(f)['pid'], holder.pid)
    lock = run_lock.RunLock(self.model_dir)
    with self.assertLogs(level='WARNING') as logs:
      lock.acquire()
    self.assertIn(f'ended without releasing it (pid {holder.pid}',
                  '\n'.join(logs.output))
    lock.release()

  def test_unverifiable_holders_are_not_taken_over(self):
    # A run on another host of a shared filesystem, and a live pid here
    # (e.g. a reused one): neither can be shown to be gone.
    for holder, who in (
        (dict(pid=os.getpid(), host='elsewhere'), 'on elsewhere'),
        (dict(pid=os.getppid(), host=socket.gethostname()),
         f'pid {os.getppid()} on')):
      self._write(started='earlier', **holder)
      with self.assertRaisesRegex(run_lock.RunDirInUseError, who):
        run_lock.RunLock(self.model_dir).acquire()


if __name__ == '__main__':
  tf.test.main()
