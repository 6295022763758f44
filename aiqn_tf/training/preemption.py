"""Stopping a run on SIGTERM with a checkpoint of its current step.

A scheduler preempting a job sends SIGTERM, then SIGKILL after a grace
period. `Trainer.train` catches SIGTERM while it trains (`SignalFlag`), saves
a checkpoint once the step in flight is done and raises `Preempted`, a
SystemExit with status 143 (128 + SIGTERM, what a shell reports for a process
killed by SIGTERM, and what TensorFlow's handler exits with on GCP): a
program that lets it propagate exits non-zero without a traceback, so the
scheduler never counts the job as finished, and the same command resumes it.

Under MultiWorkerMirroredStrategy the workers train in lockstep (every step
is a collective), so all must stop, and save, at the same step, whichever
got the signal; there the agreement is TF's
tf.distribute.experimental.PreemptionCheckpointHandler (`multi_worker_handler`):
the signalled worker publishes a step through the coordination service, every
worker trains up to it, saves and exits. It covers any worker receiving the
signal, several workers receiving it, and errors on one worker reaching the
others; it does not cover a worker killed without notice (SIGKILL, a machine
lost), after which the run resumes from its last periodic checkpoint. On GCP
CPU and TPU VMs TF's handler does nothing (it says so in a warning); there
SIGTERM keeps its default action and ends the workers at once.

A single process (one device, mirrored GPUs) does not use that handler: for
it, it would only replace `SignalFlag` (a flag the loop checks after each
step) with a SIGTERM handler it never uninstalls, an HTTP probe of the GCE
metadata server when created, a save one step after the signal and, on GCP
CPU machines, no handling at all.
"""

import signal
import threading

from absl import logging
import tensorflow as tf

EXIT_CODE = 128 + signal.SIGTERM


class Preempted(SystemExit):
  """Training stopped on SIGTERM after saving a checkpoint.

  Attributes:
    step: the step saved.
    checkpoint: the checkpoint's path (the chief's, on every worker).
  """

  def __init__(self, step, checkpoint):
    super().__init__(EXIT_CODE)
    self.step = step
    self.checkpoint = checkpoint


class SignalFlag:
  """A context manager that turns SIGTERM into a flag, `received`.

  Installed in the main thread only (Python delivers signals there); the
  previous handler comes back on exit. Elsewhere it warns and never sets.
  """

  def __init__(self, signum=signal.SIGTERM):
    self.signum = signum
    self.received = False
    self._previous = None

  def _handle(self, signum, frame):
    del signum, frame
    self.received = True

  def __enter__(self):
    self.received = False
    if threading.current_thread() is threading.main_thread():
      self._previous = signal.signal(self.signum, self._handle)
    else:
      logging.warning('Not in the main thread: %s will not be caught.',
                      signal.Signals(self.signum).name)
    return self

  def restore(self):
    """Puts the previous handler back (early, or on exit)."""
    if self._previous is not None:
      signal.signal(self.signum, self._previous)
      self._previous = None

  def __exit__(self, *exc_info):
    self.restore()
    return False


def is_multi_worker(strategy):
  """Whether `strategy` spans several processes (a cluster in TF_CONFIG)."""
  resolver = getattr(strategy, 'cluster_resolver', None)
  return bool(resolver and resolver.cluster_spec().jobs)


def multi_worker_handler(strategy, flag, save_fn, exit_fn, handler_dir):
  """TF's PreemptionCheckpointHandler, fed by `flag` and saving with save_fn.

  Wrap each training step as `handler.run(step_fn)`: before a step it saves
  (save_fn()) and exits (exit_fn(), which should raise) when every worker
  has reached the step the signalled one published.

  Args:
    strategy: a multi-worker strategy (`is_multi_worker`).
    flag: a SignalFlag; the handler polls it (once a second) instead of
      installing its own SIGTERM handler.
    save_fn: saves a checkpoint; called on every worker at the same step.
    exit_fn: called after save_fn; raises (e.g. Preempted).
    handler_dir: a directory that does not exist (nothing is written
      there). The handler's own restore and step counter are kept apart from
      the run's checkpoints: the run restores itself (skipping damaged
      checkpoints), and each worker counts steps from its own restart, which
      all workers share, while the counter the handler would restore lives
      only in the chief's checkpoints.

  Returns:
    a tf.distribute.experimental.PreemptionCheckpointHandler, or None where
    it would not act (GCP CPU and TPU VMs).
  """
  config = tf.distribute.experimental.TerminationConfig(
      termination_watcher_fn=lambda: flag.received, exit_fn=exit_fn,
      grace_period=0, save_fn=save_fn)
  bookkeeping = tf.train.CheckpointManager(tf.train.Checkpoint(), handler_dir,
                                           max_to_keep=1)
  handler = tf.distribute.experimental.PreemptionCheckpointHandler(
      strategy.cluster_resolver, bookkeeping, termination_config=config)
  # The platform it detected has no public accessor.
  platform = getattr(handler, '_platform_device', None)
  if getattr(platform, 'name', None) in ('GCE_CPU', 'GCE_TPU'):
    logging.warning('No agreed checkpoint on SIGTERM on this platform (%s): '
                    'TensorFlow\'s PreemptionCheckpointHandler does not act '
                    'here.', platform.name)
    return None
  return handler
