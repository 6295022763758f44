"""The training loop: PixelIQN, PixelCNN, AIQN-VAE, VAE, any registered model.

`Trainer` owns the model, its Polyak average, the optimizer, the input
iterator, checkpoints and TensorBoard summaries of one run directory
(runs/run_dir.py); a run restarted on the same directory continues from its
last checkpoint exactly as if it had not stopped (the input iterator is
checkpointed, and the model's training noise is a stateless function of the
seed and step). It knows models only through their protocol
(models/base.py).

Faults it survives, losing nothing beyond the step in flight:
- SIGTERM (a preemption): the step in flight ends, a checkpoint of it is
  saved, and `train` raises `preemption.Preempted`, a SystemExit with status
  143; the same command resumes. Ctrl-C saves too and re-raises
  KeyboardInterrupt. Under MultiWorkerMirroredStrategy all workers save the
  same step (preemption.py).
- A non-finite loss, loss part or gradient: the step is not applied (no
  weight, optimizer slot or Polyak average changes) and nothing is saved
  after it; `train` raises NonFiniteLossError naming the step and the parts,
  or, with skip_nonfinite, skips the batch and counts it.
- A damaged latest checkpoint: the one before it is restored, with a warning
  (run_dir.restore).
- A second run on the same directory: it refuses (run_lock.py).
"""

import functools
import math
import os
import shutil
import time
import weakref

from absl import logging
import keras
import tensorflow as tf

from aiqn_tf.data import datasets
from aiqn_tf.runs import run_dir
from aiqn_tf.training import distribute
from aiqn_tf.training import hparams
from aiqn_tf.training import optimizers
from aiqn_tf.training import periodic
from aiqn_tf.training import polyak
from aiqn_tf.training import preemption
from aiqn_tf.training import run_lock


# The most loss parts of a model (all players together).
_MAX_PARTS = 32


class NonFiniteLossError(RuntimeError):
  """A training step had a non-finite loss or gradient; it was not applied.

  Attributes:
    step: the step (1-based, as logged) whose update was refused.
    parts: what was non-finite: names of loss parts, 'loss', 'gradients'.
  """

  def __init__(self, message, step, parts):
    super().__init__(message)
    self.step = step
    self.parts = parts


class Trainer:
  """Trains one run directory; see the module docstring.

  The chief holds the directory's lock (run_lock.py) from construction until
  train() ends or close() is called.

  Args:
    config: a validated runs.config.Config.
    model_dir: the run directory (config, checkpoints, summaries, samples).
    strategy: a tf.distribute.Strategy (default: the current one).
    data_dir, download, raw_dir: passed to `datasets.load`.
    train_dataset: optional tf.data.Dataset of examples replacing the
      configured dataset (tests).

  Raises:
    run_lock.RunDirInUseError: if another run trains into model_dir.
    run_dir.NoUsableCheckpointError: if every checkpoint is damaged.
  """

  def __init__(self, config, model_dir, strategy=None, data_dir=None,
               download=False, raw_dir=None, train_dataset=None):
    self.config = config
    self.model_dir = model_dir
    self.strategy = strategy or tf.distribute.get_strategy()
    self.is_chief = distribute.is_chief(self.strategy)
    # Skip a batch whose loss or gradient is not finite (counted in the log
    # and TensorBoard) instead of stopping.
    self.skip_nonfinite = config.loop.skip_nonfinite
    self._data_dir, self._raw_dir = data_dir, raw_dir
    loop, data = config.loop, config.data
    # The initial weights and the data order depend on the seed alone.
    keras.utils.set_random_seed(loop.seed)
    if train_dataset is None:
      train_dataset = datasets.load(data.spec(), 'train', data_dir=data_dir,
                                    download=download, raw_dir=raw_dir,
                                    shuffle_seed=loop.seed)
    pipeline = datasets.input_pipeline(
        train_dataset, loop.batch_size, data.shuffle_buffer, loop.seed,
        keep_labels=bool(config.num_classes))
    self._learning_rate = optimizers.learning_rate(
        config.optimizer.learning_rate, config.optimizer.lr_schedule)
    with self.strategy.scope():
      self.model = run_dir.build_model(config)
      self.average_model = run_dir.build_model(config)
      self._players = tuple(self.model.players())
      self.optimizers = {}
      for player in self._players:
        optimizer = optimizers.make_optimizer(
            config.optimizer.optimizer, self._learning_rate,
            config.optimizer.adam_beta1, config.optimizer.adam_beta2)
        optimizer.build(player.variables())
        self.optimizers[player.name] = optimizer
      # The first player's optimizer keeps the checkpoint key of one-player
      # models, whose step counter is its iteration count.
      self.optimizer = self.optimizers[self._players[0].name]
      if self._single_update:
        self._iterations = self.optimizer.iterations
      else:
        self._iterations = tf.Variable(0, dtype=tf.int64, trainable=False,
                                       name='step')
      self.average = polyak.PolyakAverage(
          self.model, self.average_model, config.optimizer.ema_decay,
          averaged=lambda model: model.averaged_layer())
    # A plain iterator over global batches, checkpointed with the model (tf.data
    # can save its position; distributed iterators cannot). Each replica takes
    # its slice of the global batch in _replica_gradients.
    self.iterator = iter(pipeline)
    others = {} if self._single_update else dict(
        step=self._iterations, **{f'optimizer_{p.name}': self.optimizers[
            p.name] for p in self._players[1:]})
    self.checkpoint = tf.train.Checkpoint(
        model=self.model, average_model=self.average_model,
        optimizer=self.optimizer, iterator=self.iterator, **others)
    self._checkpoint_dir = run_dir.checkpoint_dir(model_dir)
    if not self.is_chief:  # Workers save too (collectives), but aside.
      task = self.strategy.cluster_resolver.task_id
      self._checkpoint_dir = os.path.join(model_dir, f'.worker_{task}_tmp')
    # One run per directory, taken before anything in it is read or written.
    # Workers write only aside.
    self._lock = run_lock.RunLock(model_dir) if self.is_chief else None
    if self._lock:
      self._lock.acquire()
      weakref.finalize(self, self._lock.release)
    self.manager = tf.train.CheckpointManager(
        self.checkpoint, self._checkpoint_dir, max_to_keep=3)
    try:
      restored = run_dir.restore(self.checkpoint, model_dir)
      self.writer = (tf.summary.create_file_writer(
          os.path.join(model_dir, run_dir.SUMMARY_DIR)) if self.is_chief else
                     tf.summary.create_noop_writer())
    except BaseException:
      self.close()
      raise
    if self.is_chief:  # TensorBoard's HParams dashboard lists the run.
      hparams.write_settings(self.writer, config,
                             os.path.basename(os.path.normpath(model_dir)))
    if restored:
      logging.info('Restored %s at step %d.', restored, self.step)
    self._saved_step, self._saved_path = (
        (self.step, restored) if restored else (None, None))
    # The first step whose update was refused for a non-finite loss or
    # gradient (-1: none) and which of _part_names + [loss, gradients] were
    # non-finite; the number of batches skipped (skip_nonfinite). Kept
    # on the device so that steps need not wait for the host.
    self._nonfinite_step = tf.Variable(-1, dtype=tf.int64, trainable=False)
    self._nonfinite_parts = tf.Variable(
        tf.zeros([0], tf.int32), shape=tf.TensorShape([None]), trainable=False)
    self._skipped = tf.Variable(0, dtype=tf.int64, trainable=False)
    self._part_names = []  # The players' loss parts, set when tracing.
    # Per update of a step, the variables with gradients, set when tracing.
    self._trained_variables = {}
    self._train_step = tf.function(self._train_step_fn)
    self._grids = periodic.SampleGrids(config, self.average_model, model_dir,
                                       self.writer, self.is_chief)
    self._evaluations = periodic.Evaluations(
        config, self.average_model, model_dir, self.writer, self.is_chief,
        data_dir, raw_dir)

  @property
  def _single_update(self):
    """True for one player updated once a step (the likelihood models)."""
    return len(self._players) == 1 and self._players[0].updates == 1

  @property
  def _updates(self):
    """(update index, player) of one step, in order."""
    players = [p for p in self._players for _ in range(p.updates)]
    return list(enumerate(players))

  @property
  def step(self):
    return int(self._iterations.numpy())

  def close(self):
    """Releases the run directory (train() does when it ends)."""
    if self._lock:
      self._lock.release()

  def _replica_gradients(self, global_batch, update, player):
    """This replica's loss, parts, gradients and what was non-finite.

    Args:
      global_batch: the global batch of this update.
      update: the index of this update within the step.
      player: the base.Player updated.

    Returns:
      (loss, {part: value}, gradients of the variables that have one,
      int32 [num parts + 2]: how many replicas found each part, the loss and
      the gradients non-finite, summed over replicas).
    """
    batch_size = self.config.loop.batch_size
    context = tf.distribute.get_replica_context()
    per_replica = batch_size // context.num_replicas_in_sync
    start = tf.cast(context.replica_id_in_sync_group, tf.int32) * per_replica
    # The noise of the global batch is a function of (seed, step, update)
    # only, so a run is reproducible after a restart and independent of the
    # number of replicas. Its second half is the step.
    run_seed = tf.cast(self.config.loop.seed, tf.int64)
    if not self._single_update:
      run_seed += tf.constant(update, tf.int64) * 2**32
    seed = tf.stack([run_seed, tf.cast(self._iterations, tf.int64)])
    noise = self.model.training_noise(batch_size, seed)
    mine = lambda x: x[start:start + per_replica]
    noise = {k: mine(v) for k, v in noise.items()}
    batch = {k: mine(v) for k, v in global_batch.items()}
    average = lambda x: tf.nn.compute_average_loss(
        x, global_batch_size=batch_size)
    with tf.GradientTape() as tape:
      loss, parts = player.loss(batch, noise, training=True)
      loss = average(loss)
    variables = player.variables()
    pairs = [(grad, variable) for grad, variable in zip(
        tape.gradient(loss, variables), variables) if grad is not None]
    self._trained_variables[update] = [variable for _, variable in pairs]
    grads = [grad for grad, _ in pairs]
    parts = {name: average(value) for name, value in parts.items()}
    names = self._part_names
    names += [name for name in parts if name not in names]
    if len(names) > _MAX_PARTS:
      raise ValueError(f'{self.model.kind} logs {len(names)} loss parts; the '
                       f'trainer takes at most {_MAX_PARTS}.')

    def nonfinite(x):
      x = x.values if isinstance(x, tf.IndexedSlices) else x
      return tf.cast(tf.logical_not(tf.reduce_all(tf.math.is_finite(x))),
                     tf.int32)

    # Indexed by every player's parts (known once all are traced: padded).
    found = tf.scatter_nd(
        [[names.index(name)] for name in parts],
        tf.stack([nonfinite(value) for value in parts.values()]),
        [_MAX_PARTS]) if parts else tf.zeros([_MAX_PARTS], tf.int32)
    found = tf.concat([found, [nonfinite(loss), tf.reduce_max(
        tf.stack([nonfinite(g) for g in grads]))]], 0)
    found = context.all_reduce('SUM', found)
    if len(self._players) > 1:  # Logged beside the parts, checked as 'loss'.
      parts[f'{player.name}_loss'] = loss
    return loss, parts, grads, found

  def _replica_apply(self, grads, update, player):
    self.optimizers[player.name].apply_gradients(
        zip(grads, self._trained_variables[update]))

  def _train_step_fn(self):
    """One step; a non-finite one changes no weight (see the module doc)."""
    # Batch norm statistics move in the forward pass, before the check; with
    # several updates a step, the earlier ones' weights and slots move too.
    state = list(self.model.non_trainable_variables)
    if not self._single_update:
      state += list(self.model.trainable_variables)
      for optimizer in self.optimizers.values():
        state += list(optimizer.variables)
    before = [tf.identity(variable) for variable in state]
    if not self.skip_nonfinite:  # Stopped: no later step is applied either.
      stopped = self._nonfinite_step >= 0
    else:
      stopped = tf.constant(False)
    found = tf.zeros([_MAX_PARTS + 2], tf.int32)
    losses = {}
    parts = {}
    for update, player in self._updates:
      loss, new_parts, grads, new_found = self.strategy.run(
          functools.partial(self._replica_gradients, update=update,
                            player=player), args=(next(self.iterator),))
      # All-reduced, so every replica (and worker) takes the same branch.
      found += self.strategy.experimental_local_results(new_found)[0]
      ok = tf.logical_and(tf.equal(tf.reduce_sum(found), 0),
                          tf.logical_not(stopped))

      def apply(grads=grads, update=update, player=player):
        self.strategy.run(self._replica_apply, args=(grads,), kwargs=dict(
            update=update, player=player))
        return tf.constant(True)

      tf.cond(ok, apply, lambda: tf.constant(False))
      losses[player.name] = loss
      parts.update(new_parts)
    finite = tf.logical_and(tf.equal(tf.reduce_sum(found), 0),
                            tf.logical_not(stopped))
    iterations = self._iterations

    def advance():
      if not self._single_update:  # apply_gradients counted the one-player step.
        iterations.assign_add(1)
      self.average.update(iterations)
      return tf.constant(True)

    def refuse():
      for variable, value in zip(state, before):
        variable.assign(value)
      if self.skip_nonfinite:  # The batch counts as a step, without update.
        self._skipped.assign_add(1)
        iterations.assign_add(1)
      else:
        def record():
          self._nonfinite_parts.assign(tf.concat([
              found[:len(self._part_names)], found[_MAX_PARTS:]], 0))
          self._nonfinite_step.assign(tf.cast(iterations, tf.int64) + 1)
          return tf.constant(True)
        tf.cond(self._nonfinite_step < 0, record, lambda: tf.constant(False))
      return tf.constant(False)

    tf.cond(finite, advance, refuse)
    total = lambda x: self.strategy.reduce('SUM', x, axis=None)
    # The log's loss: the last player's (a GAN's generator's).
    return total(losses[self._players[-1].name]), {
        name: total(value) for name, value in parts.items()}

  def _check_finite(self):
    """Raises NonFiniteLossError if a step was refused (not with skipping)."""
    step = int(self._nonfinite_step.numpy())
    if step < 0:
      return
    num_parts = len(self._part_names)
    flagged = [i for i, count in enumerate(self._nonfinite_parts.numpy())
               if count]
    model_parts = [repr(self._part_names[i]) for i in flagged
                   if i < num_parts]
    bad = ([('the loss parts ' if len(model_parts) > 1 else 'the loss part ')
            + _join(model_parts)] if model_parts else []) + [
                ('the loss', 'the gradients')[i - num_parts]
                for i in flagged if i >= num_parts]
    if self._saved_path:
      last = (f'the last checkpoint, {self._saved_path} (step '
              f'{self._saved_step}), is intact and nothing was saved after it')
    else:
      last = 'no checkpoint was saved'
    rate = self.config.optimizer.learning_rate
    message = (
        f'Step {step}: non-finite values (NaN or Inf) in {_join(bad)}. '
        f'Training stopped before applying that step: the weights and their '
        f'average are those of step {step - 1}, and {last}. Try a new run '
        f'with a lower learning_rate (this one has {rate:g}), check the data '
        'for broken images, or resume this run with skip_nonfinite to skip '
        'such batches.')
    logging.error(message)
    names = self._part_names + ['loss', 'gradients']
    raise NonFiniteLossError(message, step, [names[i] for i in flagged])

  def sample_grid(self):
    """Samples `num_samples` images with the averaged weights (fixed noise)."""
    return self._grids.grid()

  def save(self):
    """Checkpoints the current step (once) and returns the path.

    Raises:
      NonFiniteLossError: after a refused step: nothing is saved then.
    """
    self._check_finite()
    step = self.step
    if step == self._saved_step:
      return self._saved_path
    path = self.manager.save(checkpoint_number=step)
    if not self.is_chief:  # The chief saved the same step there.
      shutil.rmtree(self._checkpoint_dir, ignore_errors=True)
      path = os.path.join(run_dir.checkpoint_dir(self.model_dir),
                          os.path.basename(path))
    self._saved_step, self._saved_path = step, path
    return path

  def _stop_preempted(self):
    """Saves the current step and raises Preempted (after SIGTERM)."""
    path = self.save()
    logging.warning(
        'SIGTERM: saved step %d to %s; exiting with status %d. Run the same '
        'command again to resume.', self.step, path, preemption.EXIT_CODE)
    raise preemption.Preempted(self.step, path)

  def _step_function(self, flag):
    """The function running one step, preemption-aware across workers."""
    if not preemption.is_multi_worker(self.strategy):
      return self._train_step  # train() checks the flag after each step.
    handler = preemption.multi_worker_handler(
        self.strategy, flag, save_fn=self.save,
        exit_fn=self._stop_preempted,
        handler_dir=os.path.join(self.model_dir, '.preemption_handler'))
    if handler is None:
      flag.restore()  # SIGTERM ends the process at once, as it used to.
      return self._train_step
    return lambda: handler.run(self._train_step)

  def train(self, after_step=None):
    """Trains up to config.train_steps, checkpointing, summarizing and sampling.

    Args:
      after_step: optional callable(step) run after every step (tests use it
        to simulate a crash).

    Returns:
      the last step's loss (float), or None if there was nothing left to do.

    Raises:
      preemption.Preempted: on SIGTERM, after saving the current step.
      NonFiniteLossError: at the first non-finite step (not with
        skip_nonfinite), which was not applied; nothing is saved after it.
      KeyboardInterrupt: on Ctrl-C, after saving the current step.
    """
    config = self.config.loop
    if self.step >= config.train_steps:
      logging.info('Already trained %d >= %d steps.', self.step,
                   config.train_steps)
      self.close()
      return None
    if self._lock:
      self._lock.acquire()
    try:
      with preemption.SignalFlag() as sigterm:
        loss = self._train_loop(after_step, sigterm)
    except KeyboardInterrupt:
      logging.warning('Interrupted: saving a checkpoint at step %d.', self.step)
      self.save()
      raise
    finally:
      self.close()
    self.writer.flush()
    return loss

  def _train_loop(self, after_step, sigterm):
    """train()'s loop; returns the last loss."""
    config = self.config.loop
    step = self.step  # Counted below: reading the optimizer's would sync.
    last_log_step, last_log_time = step, time.time()
    multi_worker = preemption.is_multi_worker(self.strategy)
    run_step = self._step_function(sigterm)
    while step < config.train_steps:
      loss, parts = run_step()
      step += 1
      if step % config.summary_every == 0 or step == config.train_steps:
        self._check_finite()
        now = time.time()
        steps_per_s = (step - last_log_step) / max(now - last_log_time, 1e-9)
        last_log_step, last_log_time = step, now
        self._summarize(step, float(loss),
                        {k: float(v) for k, v in parts.items()}, steps_per_s)
      if step % config.checkpoint_every == 0:
        self.save()
      if config.sample_every and step % config.sample_every == 0:
        self._grids.write(step)
      if (self.config.evaluation.eval_every and
          step % self.config.evaluation.eval_every == 0):
        self.evaluate()
      if after_step is not None:
        after_step(step)
      if sigterm.received and not multi_worker:
        self._stop_preempted()
    self.save()
    if config.sample_every and step % config.sample_every:
      self._grids.write(step)
    return float(loss)

  def evaluate(self):
    """Sample quality and held-out loss of the averaged weights (evaluation)."""
    return self._evaluations.run(self.step)

  def _summarize(self, step, loss, parts, steps_per_s):
    config = self.config.loop
    lr = optimizers.rate_at(self._learning_rate, step)
    remaining = (config.train_steps - step) / max(steps_per_s, 1e-9)
    message = (f'step {step}/{config.train_steps} loss {loss:.4f}' +
               ''.join(f' {name} {value:.4f}' for name, value in parts.items())
               + f' {steps_per_s:.2f} steps/s, {_duration(remaining)} left')
    skipped = int(self._skipped.numpy()) if self.skip_nonfinite else 0
    if skipped:
      message += (f' ({skipped} non-finite batches skipped since this process '
                  'started)')
    logging.info(message)
    with self.writer.as_default(step=step):
      tf.summary.scalar('loss', loss)
      for name, value in parts.items():
        tf.summary.scalar(name, value)
      tf.summary.scalar('learning_rate', lr)
      tf.summary.scalar('steps_per_second', steps_per_s)
      tf.summary.scalar('images_per_second', steps_per_s * config.batch_size)
      if self.skip_nonfinite:
        tf.summary.scalar('skipped_batches', skipped)

def _join(words):
  """'a', 'a and b', 'a, b and c'."""
  return (', '.join(words[:-1]) + ' and ' + words[-1] if len(words) > 1 else
          ''.join(words))


def _duration(seconds):
  if not math.isfinite(seconds):
    return '?'
  seconds = int(seconds)
  hours, rest = divmod(seconds, 3600)
  return (f'{hours}h{rest // 60:02d}m' if hours else
          f'{rest // 60}m{rest % 60:02d}s')
