"""Training PixelIQN, PixelCNN, AIQN-VAE and VAE under tf.distribute.

`Trainer` owns the model, its Polyak average, the optimizer, the input
iterator, checkpoints and TensorBoard summaries of one run directory; a run
restarted on the same directory continues from its last checkpoint exactly as
if it had not stopped (the input iterator is checkpointed, and tau and the
VAE's reparameterization noise are stateless functions of the seed and step).
"""

import math
import os
import shutil
import time

from absl import logging
import keras
import tensorflow as tf

from aiqn_tf import aiqn_vae
from aiqn_tf import config as config_lib
from aiqn_tf import datasets
from aiqn_tf import distribute
from aiqn_tf import grids
from aiqn_tf import images as image_lib
from aiqn_tf import losses
from aiqn_tf import polyak
from aiqn_tf import sampling
from aiqn_tf.pixel_cnn import PixelCNN
from aiqn_tf.pixel_iqn import PixelIQN

CHECKPOINT_DIR = 'checkpoints'
SUMMARY_DIR = 'train'
SAMPLES_PNG = 'samples.png'
# The paper's best CIFAR-10 PixelCNN schedule: the rate for 120K steps, 0.3x
# for 60K more, 0.1x after (1e-4, 3e-5, 1e-5).
PAPER_BOUNDARIES = (120_000, 180_000)
PAPER_FACTORS = (1.0, 0.3, 0.1)


def build_model(config):
  """A built PixelIQN, PixelCNN or AIQNVAE for `config` (a TrainConfig)."""
  if config.is_latent:
    model = aiqn_vae.AIQNVAE(
        config.image_shape, config.latent_dim,
        hidden_units=(config.aiqn_units,) * config.aiqn_layers,
        head_units=config.head_units, kl_weight=config.kl_weight,
        prior_variance=config.prior_variance, kappa=config.kappa,
        use_aiqn=config.model == 'aiqn_vae')
    model(tf.zeros((1,) + tuple(config.image_shape)))
    return model
  cls = PixelIQN if config.model == 'pixel_iqn' else PixelCNN
  model = cls(config.image_shape, num_layers=config.num_layers,
              filters=config.filters, kernel_size=config.kernel_size,
              output_filters=config.output_filters,
              num_classes=config.num_classes)
  model(dummy_inputs(config))
  return model


def dummy_inputs(config, batch_size=1):
  """Zero inputs of the model's signature, to build it."""
  shape = (batch_size,) + tuple(config.image_shape)
  inputs = {'images': tf.zeros(shape)}
  if config.model == 'pixel_iqn':
    inputs['tau'] = tf.fill(shape, 0.5)
  if config.num_classes:
    inputs['labels'] = tf.zeros([batch_size], tf.int32)
  return inputs


def learning_rate(config):
  """A float or a Keras schedule, per config.lr_schedule."""
  if config.lr_schedule == 'constant':
    return config.learning_rate
  return keras.optimizers.schedules.PiecewiseConstantDecay(
      list(PAPER_BOUNDARIES),
      [config.learning_rate * f for f in PAPER_FACTORS])


def make_optimizer(config):
  if config.optimizer == 'adam':
    return keras.optimizers.Adam(learning_rate(config),
                                 beta_1=config.adam_beta1)
  return keras.optimizers.RMSprop(learning_rate(config))


def model_loss(model, config, batch, tau=None, epsilon=None):
  """Per-example training loss and the parts worth logging.

  PixelIQN: the Huber quantile loss summed over sub-pixels (paper). PixelCNN:
  the softmax cross-entropy summed over sub-pixels, in nats. AIQN-VAE / VAE:
  AIQNVAE.compute_losses' total.

  Args:
    model: the model of `config`.
    config: TrainConfig.
    batch: {"images": uint8 [B,H,W,C] (, "labels": int32 [B])}.
    tau: float32 [B, *config.noise_shape] in [0,1] (not for PixelCNN).
    epsilon: float32 [B, latent_dim] standard normal (AIQN-VAE / VAE).

  Returns:
    (loss [B], dict of float32 [B]: "nats" per sub-pixel for PixelCNN;
    "reconstruction", "kl", "quantile" for AIQN-VAE / VAE; empty for PixelIQN).
  """
  images = image_lib.to_float(batch['images'])
  if config.is_latent:
    parts = model.compute_losses(images, tau, training=True, epsilon=epsilon)
    return parts.pop('total'), parts
  inputs = {'images': images}
  if config.num_classes:
    inputs['labels'] = batch['labels']
  if config.model == 'pixel_iqn':
    inputs['tau'] = tau
    elementwise = losses.quantile_huber_loss(images, model(inputs), tau,
                                             config.kappa)
    return tf.reduce_sum(elementwise, axis=[1, 2, 3]), {}
  nats = losses.softmax_cross_entropy(batch['images'], model(inputs))
  return (tf.reduce_sum(nats, axis=[1, 2, 3]),
          {'nats': tf.reduce_mean(nats, axis=[1, 2, 3])})


def restore_average_model(model_dir):
  """Loads a run's model with the Polyak-averaged weights of its last checkpoint.

  Args:
    model_dir: a training run directory.

  Returns:
    (TrainConfig, keras.Model with the averaged weights, step of the checkpoint).

  Raises:
    FileNotFoundError: if the directory has no configuration or checkpoint.
  """
  config = config_lib.TrainConfig.load(model_dir)
  path = tf.train.latest_checkpoint(os.path.join(model_dir, CHECKPOINT_DIR))
  if not path:
    raise FileNotFoundError(f'No checkpoint in {model_dir}/{CHECKPOINT_DIR}: '
                            'train first (binaries/train.py).')
  model = build_model(config)
  tf.train.Checkpoint(average_model=model).restore(
      path).expect_partial().assert_existing_objects_matched()
  return config, model, int(path.rsplit('-', 1)[-1])


class Trainer:
  """Trains one run directory; see the module docstring.

  Args:
    config: a validated TrainConfig.
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
    # The initial weights and the data order depend on the seed alone.
    keras.utils.set_random_seed(config.seed)
    if train_dataset is None:
      train_dataset = datasets.load(config.dataset, 'train', data_dir=data_dir,
                                    download=download, raw_dir=raw_dir,
                                    shuffle_seed=config.seed,
                                    image_size=config.image_size)
    pipeline = datasets.input_pipeline(
        train_dataset, config.batch_size, config.shuffle_buffer, config.seed,
        keep_labels=bool(config.num_classes))
    with self.strategy.scope():
      self.model = build_model(config)
      self.average_model = build_model(config)
      self.optimizer = make_optimizer(config)
      self.optimizer.build(self.model.trainable_variables)
      # AIQN-VAE averages its AIQN only, as in the paper.
      self.average = polyak.PolyakAverage(
          self.model, self.average_model, config.ema_decay,
          averaged=(lambda model: model.aiqn) if config.is_latent else None)
    # A plain iterator over global batches, checkpointed with the model (tf.data
    # can save its position; distributed iterators cannot). Each replica takes
    # its slice of the global batch in _replica_step.
    self.iterator = iter(pipeline)
    self.checkpoint = tf.train.Checkpoint(
        model=self.model, average_model=self.average_model,
        optimizer=self.optimizer, iterator=self.iterator)
    self._checkpoint_dir = os.path.join(model_dir, CHECKPOINT_DIR)
    if not self.is_chief:  # Workers save too (collectives), but aside.
      task = self.strategy.cluster_resolver.task_id
      self._checkpoint_dir = os.path.join(model_dir, f'.worker_{task}_tmp')
    self.manager = tf.train.CheckpointManager(
        self.checkpoint, self._checkpoint_dir, max_to_keep=3)
    restore_from = tf.train.latest_checkpoint(
        os.path.join(model_dir, CHECKPOINT_DIR))
    if restore_from:
      self.checkpoint.restore(restore_from).assert_existing_objects_matched()
      logging.info('Restored %s at step %d.', restore_from, self.step)
    self.writer = (tf.summary.create_file_writer(
        os.path.join(model_dir, SUMMARY_DIR)) if self.is_chief else
                   tf.summary.create_noop_writer())
    self._classifier = None  # Loaded at the first evaluation.
    self._train_step = tf.function(self._train_step_fn)
    self._sample = tf.function(self._sample_fn)

  @property
  def step(self):
    return int(self.optimizer.iterations.numpy())

  def _replica_step(self, global_batch):
    config = self.config
    context = tf.distribute.get_replica_context()
    per_replica = config.batch_size // context.num_replicas_in_sync
    start = tf.cast(context.replica_id_in_sync_group, tf.int32) * per_replica
    # The noise of the global batch is a function of (seed, step) only, so a
    # run is reproducible after a restart and independent of the number of
    # replicas.
    seed = tf.stack([tf.cast(config.seed, tf.int64),
                     tf.cast(self.optimizer.iterations, tf.int64)])
    noise_shape = (config.batch_size,) + config.noise_shape
    tau = tf.random.stateless_uniform(noise_shape, seed)[
        start:start + per_replica]
    epsilon = tf.random.stateless_normal(
        noise_shape, tf.random.experimental.stateless_fold_in(seed, 1))[
            start:start + per_replica] if config.is_latent else None
    batch = {k: v[start:start + per_replica] for k, v in global_batch.items()}
    average = lambda x: tf.nn.compute_average_loss(
        x, global_batch_size=config.batch_size)
    with tf.GradientTape() as tape:
      loss, parts = model_loss(self.model, config, batch, tau, epsilon)
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
    parts = {name: total(value) for name, value in parts.items()}
    if 'nats' in parts:
      parts['bits_per_dim'] = losses.bits_per_dim(parts.pop('nats'))
    return total(loss), parts

  def _sample_fn(self, noise, labels):
    labels = labels if self.config.num_classes else None
    return image_lib.to_uint8(
        sampling.sample(self.average_model, noise, 'fast', labels))

  def sample_grid(self):
    """Samples `num_samples` images with the averaged weights (fixed noise)."""
    config = self.config
    shape = (config.num_samples,) + config.noise_shape
    noise = tf.random.stateless_uniform(shape, [config.seed, 7])
    labels = tf.range(config.num_samples) % (config.num_classes or 1)
    samples = self._sample(noise, labels).numpy()
    scale = max(1, 64 // config.image_shape[0])
    num_cols = config.num_classes or None
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
    config = self.config
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
        if config.eval_every and step % config.eval_every == 0:
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
    from aiqn_tf import classifiers  # pylint: disable=g-import-not-at-top
    from aiqn_tf import evaluation  # pylint: disable=g-import-not-at-top
    config = self.config
    if self._classifier is None:
      self._classifier = classifiers.load(
          config.eval_classifier, config.eval_classifier_path or None)
    results = evaluation.evaluate_model(
        self.average_model, config, self._classifier,
        config.eval_num_samples, seed=config.seed,
        data_dir=self._data_dir, raw_dir=self._raw_dir)
    results['classifier'] = config.eval_classifier
    if self.is_chief:
      evaluation.write_results(self.model_dir, self.step, results,
                               self.writer)
    logging.info('step %d: FID %.3f (floor %.3f), Inception score %.3f',
                 self.step, results['fid'], results['fid_floor'],
                 results['inception_score'])
    return results

  def _summarize(self, step, loss, parts, steps_per_s):
    config = self.config
    lr = learning_rate(config)
    lr = float(lr(step) if callable(lr) else lr)
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
    grids.write_png(os.path.join(self.model_dir, SAMPLES_PNG), grid)
    grids.write_png(
        os.path.join(self.model_dir, 'samples', f'step_{step:08d}.png'), grid)


def _duration(seconds):
  if not math.isfinite(seconds):
    return '?'
  seconds = int(seconds)
  hours, rest = divmod(seconds, 3600)
  return (f'{hours}h{rest // 60:02d}m' if hours else
          f'{rest // 60}m{rest % 60:02d}s')
