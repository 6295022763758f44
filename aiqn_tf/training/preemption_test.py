"""SIGTERM as a flag, and Preempted as an exit status."""

import os
import signal

import tensorflow as tf

from aiqn_tf.training import preemption


class SignalFlagTest(tf.test.TestCase):

  def test_sets_flag_while_installed_then_restores(self):
    calls = []
    previous = signal.signal(signal.SIGTERM, lambda *_: calls.append(1))
    self.addCleanup(signal.signal, signal.SIGTERM, previous)
    with preemption.SignalFlag() as flag:
      self.assertFalse(flag.received)
      os.kill(os.getpid(), signal.SIGTERM)
      self.assertTrue(flag.received)
    self.assertEmpty(calls)
    os.kill(os.getpid(), signal.SIGTERM)
    self.assertLen(calls, 1)

  def test_preempted_exits_with_143(self):
    with self.assertRaises(SystemExit) as raised:
      raise preemption.Preempted(7, '/run/checkpoints/ckpt-7')
    self.assertEqual((raised.exception.code, raised.exception.step), (143, 7))

  def test_single_process_strategies_are_not_multi_worker(self):
    self.assertFalse(preemption.is_multi_worker(tf.distribute.get_strategy()))
    self.assertFalse(preemption.is_multi_worker(
        tf.distribute.OneDeviceStrategy('/cpu:0')))
    self.assertFalse(preemption.is_multi_worker(
        tf.distribute.MirroredStrategy(['/cpu:0'])))


if __name__ == '__main__':
  tf.test.main()
