"""The training loop: PixelIQN, PixelCNN, AIQN-VAE, VAE, any registered model.

`Trainer` owns the model, its Polyak average, the optimizer, the input
iterator, checkpoints and TensorBoard summaries of one run directory
(runs/run_dir.py); a run restarted on the same directory continues from its
last checkpoint exactly as if it had not stopped (the input iterator is
checkpointed, and the model's training noise is a stateless function of the
seed and step). It knows models only through their protocol
(models/base.py).
"""

import math
import os
import shutil
import time

from absl import logging
import keras
import tensorflow as tf

from aiqn_tf.core import grids
from aiqn_tf.core import images as image_lib
from aiqn_tf.data import datasets
from aiqn_tf.runs import run_dir
from aiqn_tf.training import distribute
from aiqn_tf.training import optimizers
from aiqn_tf.training import polyak


class Trainer:
  """Trains one run directory; see the module docstring.

  Args:
    config: a validated runs.config.Config.
    model_dir: the run directory (config, checkpoints, summaries, samples).
    strategy: a tf.distribute.Strategy (default: the current one).
    data_dir, download, raw_dir: passed to `datasets.load`.
    train_dataset: optional tf.data.Dataset of examples replacing the
      configured dataset (tests).
  """

  def __init__(self, config, model_dir, strategy=None, data_dir=None,
               download=False, raw_dir=None, train_dataset=None):
    self.config = config
    self.model_dir = model_dir
    self.strategy = strategy or tf.distribute.get_strategy()
    self.is_chief = distribute.is_chief(self.strategy)
    self._data_dir, self._raw_dir = data_dir, raw_dir
    loop, data = config.loop, config.data
    # The initial weights and the data order depend on the seed alone.
    keras.utils.set_random_seed(loop.seed)
    if train_dataset is None:
      train_dataset = datasets.load(data.dataset, 'train', data_dir=data_dir,
                                    download=download, raw_dir=raw_dir,
                                    shuffle_seed=loop.seed,
                                    image_size=data.image_size)
    pipeline = datasets.input_pipeline(
        train_dataset, loop.batch_size, data.shuffle_buffer, loop.seed,
        keep_labels=bool(config.num_classes))
    self._learning_rate = optimizers.learning_rate(
        config.optimizer.learning_rate, config.optimizer.lr_schedule)
    with self.strategy.scope():
      self.model = run_dir.build_model(config)
      self.average_model = run_dir.build_model(config)
      self.optimizer = optimizers.make_optimizer(
          config.optimizer.optimizer, self._learning_rate,
          config.optimizer.adam_beta1)
      self.optimizer.build(self.model.trainable_variables)
      self.average = polyak.PolyakAverage(
          self.model, self.average_model, config.optimizer.ema_decay,
          averaged=lambda model: model.averaged_layer())
    # A plain iterator over global batches, checkpointed with the model (tf.data
    # can save its position; distributed iterators cannot). Each replica takes
    # its slice of the global batch in _replica_step.
    self.iterator = iter(pipeline)
    self.checkpoint = tf.train.Checkpoint(
        model=self.model, average_model=self.average_model,
        optimizer=self.optimizer, iterator=self.iterator)
    self._checkpoint_dir = run_dir.checkpoint_dir(model_dir)
    if not self.is_chief:  # Workers save too (collectives), but aside.
      task = self.strategy.cluster_resolver.task_id
      self._checkpoint_dir = os.path.join(model_dir, f'.worker_{task}_tmp')
    self.manager = tf.train.CheckpointManager(
        self.checkpoint, self._checkpoint_dir, max_to_keep=3)
    restore_from = run_dir.latest_checkpoint(model_dir)
    if restore_from:
      self.checkpoint.restore(restore_from).assert_existing_objects_matched()
      logging.info('Restored %s at step %d.', restore_from, self.step)
    self.writer = (tf.summary.create_file_writer(
        os.path.join(model_dir, run_dir.SUMMARY_DIR)) if self.is_chief else
                   tf.summary.create_noop_writer())
    self._classifier = None  # Loaded at the first evaluation.
    self._train_step = tf.function(self._train_step_fn)
    self._sample = tf.function(self._sample_fn)

  @property
  def step(self):
    return int(self.optimizer.iterations.numpy())

  def _replica_step(self, global_batch):
    batch_size = self.config.loop.batch_size
    context = tf.distribute.get_replica_context()
    per_replica = batch_size // context.num_replicas_in_sync
    start = tf.cast(context.replica_id_in_sync_group, tf.int32) * per_replica
    # The noise of the global batch is a function of (seed, step) only, so a
    # run is reproducible after a restart and independent of the number of
    # replicas.
    seed = tf.stack([tf.cast(self.config.loop.seed, tf.int64),
                     tf.cast(self.optimizer.iterations, tf.int64)])
    noise = self.model.training_noise(batch_size, seed)
    mine = lambda x: x[start:start + per_replica]
    noise = {k: mine(v) for k, v in noise.items()}
    batch = {k: mine(v) for k, v in global_batch.items()}
    average = lambda x: tf.nn.compute_average_loss(
        x, global_batch_size=batch_size)
    with tf.GradientTape() as tape:
      loss, parts = self.model.per_example_loss(batch, noise, training=True)
      loss = average(loss)
    variables = self.model.trainable_variables
    grads = tape.gradient(loss, variables)
    self.optimizer.apply_gradients(zip(grads, variables))
    return loss, {name: average(value) for name, value in parts.items()}

  def _train_step_fn(self):
    loss, parts = self.strategy.run(self._replica_step,
                                    args=(next(self.iterator),))
    self.average.update(self.optimizer.iterations)
    total = lambda x: self.strategy.reduce('SUM', x, axis=None)
    return total(loss), {name: total(value) for name, value in parts.items()}

  def _sample_fn(self, noise, labels):
    labels = labels if self.config.num_classes else None
    return image_lib.to_uint8(self.average_model.sample(noise, labels=labels))

  def sample_grid(self):
    """Samples `num_samples` images with the averaged weights (fixed noise)."""
    num_samples, num_classes = self.config.loop.num_samples, (
        self.config.num_classes)
    shape = (num_samples,) + tuple(self.model.noise_shape)
    noise = tf.random.stateless_uniform(shape, [self.config.loop.seed, 7])
    labels = tf.range(num_samples) % (num_classes or 1)
    samples = self._sample(noise, labels).numpy()
    scale = max(1, 64 // self.model.image_shape[0])
    num_cols = num_classes or None
    return grids.image_grid(samples, num_cols=num_cols, scale=scale)

  def save(self):
    path = self.manager.save(checkpoint_number=self.step)
    if not self.is_chief:
      shutil.rmtree(self._checkpoint_dir, ignore_errors=True)
    return path

  def train(self, after_step=None):
    """Trains up to config.train_steps, checkpointing, summarizing and sampling.

    Args:
      after_step: optional callable(step) run after every step (tests use it
        to simulate a crash).

    Returns:
      the last step's loss (float), or None if there was nothing left to do.
    """
    config = self.config.loop
    start_step, start_time = self.step, time.time()
    last_log_step, last_log_time = start_step, start_time
    loss = None
    if start_step >= config.train_steps:
      logging.info('Already trained %d >= %d steps.', start_step,
                   config.train_steps)
      return None
    step = start_step  # Counted here: reading the optimizer's would sync.
    try:
      while step < config.train_steps:
        loss, parts = self._train_step()
        step += 1
        if step % config.summary_every == 0 or step == config.train_steps:
          now = time.time()
          steps_per_s = (step - last_log_step) / max(now - last_log_time, 1e-9)
          last_log_step, last_log_time = step, now
          self._summarize(step, float(loss),
                          {k: float(v) for k, v in parts.items()},
                          steps_per_s)
        if step % config.checkpoint_every == 0:
          self.save()
        if config.sample_every and step % config.sample_every == 0:
          self._write_samples(step)
        if (self.config.evaluation.eval_every and
            step % self.config.evaluation.eval_every == 0):
          self.evaluate()
        if after_step is not None:
          after_step(step)
    except KeyboardInterrupt:
      logging.warning('Interrupted: saving a checkpoint at step %d.', self.step)
      self.save()
      raise
    if step % config.checkpoint_every:
      self.save()
    if config.sample_every and step % config.sample_every:
      self._write_samples(step)
    self.writer.flush()
    return float(loss)

  def evaluate(self):
    """FID and Inception score of the averaged weights (see evaluation)."""
    from aiqn_tf.evaluation import classifiers  # pylint: disable=g-import-not-at-top
    from aiqn_tf.evaluation import evaluate as evaluation  # pylint: disable=g-import-not-at-top
    settings, data = self.config.evaluation, self.config.data
    if self._classifier is None:
      self._classifier = classifiers.load(
          settings.eval_classifier, settings.eval_classifier_path or None)
    load_images = lambda split, limit: datasets.as_arrays(
        data.dataset, split, limit=limit, data_dir=self._data_dir,
        raw_dir=self._raw_dir, image_size=data.image_size)['images']
    results = evaluation.evaluate_model(
        self.average_model, self._classifier, settings.eval_num_samples,
        load_images, seed=self.config.loop.seed)
    results['classifier'] = settings.eval_classifier
    if self.is_chief:
      evaluation.write_results(self.model_dir, self.step, results,
                               self.writer)
    logging.info('step %d: FID %.3f (floor %.3f), Inception score %.3f',
                 self.step, results['fid'], results['fid_floor'],
                 results['inception_score'])
    return results

  def _summarize(self, step, loss, parts, steps_per_s):
    config = self.config.loop
    lr = optimizers.rate_at(self._learning_rate, step)
    remaining = (config.train_steps - step) / max(steps_per_s, 1e-9)
    message = (f'step {step}/{config.train_steps} loss {loss:.4f}' +
               ''.join(f' {name} {value:.4f}' for name, value in parts.items())
               + f' {steps_per_s:.2f} steps/s, {_duration(remaining)} left')
    logging.info(message)
    with self.writer.as_default(step=step):
      tf.summary.scalar('loss', loss)
      for name, value in parts.items():
        tf.summary.scalar(name, value)
      tf.summary.scalar('learning_rate', lr)
      tf.summary.scalar('steps_per_second', steps_per_s)
      tf.summary.scalar('images_per_second', steps_per_s * config.batch_size)

  def _write_samples(self, step):
    grid = self.sample_grid()
    if not self.is_chief:
      return
    with self.writer.as_default(step=step):
      tf.summary.image('samples', grid[None], max_outputs=1)
    grids.write_png(os.path.join(self.model_dir, run_dir.SAMPLES_PNG), grid)
    grids.write_png(os.path.join(self.model_dir, run_dir.SAMPLES_DIR,
                                 f'step_{step:08d}.png'), grid)


def _duration(seconds):
  if not math.isfinite(seconds):
    return '?'
  seconds = int(seconds)
  hours, rest = divmod(seconds, 3600)
  return (f'{hours}h{rest // 60:02d}m' if hours else
          f'{rest // 60}m{rest % 60:02d}s')
