"""What the training loop writes every so many steps, besides checkpoints.

`SampleGrids` (every `loop.sample_every` steps) draws a grid of samples with
the Polyak-averaged weights from fixed noise, into TensorBoard and PNG files
(and sound, as audio, into TensorBoard);
`Evaluations` (every `evaluation.eval_every` steps) scores the averaged
weights as the evaluate binary does (evaluation/evaluate.py), into
`<model_dir>/eval/` and TensorBoard. The trainer (trainer.py) calls them; each
knows the run only through its configuration, the averaged model, the run
directory and the summary writer.
"""

import os

from absl import logging
import tensorflow as tf

from aiqn_tf.core import grids
from aiqn_tf.data import datasets
from aiqn_tf.runs import run_dir
from aiqn_tf.training import hparams


class SampleGrids:
  """Sample grids of the averaged weights from fixed noise (the same each time).

  Args:
    config: the run's runs.config.Config.
    average_model: the Polyak-averaged model.
    model_dir: the run directory (samples.png, samples/step_<N>.png).
    writer: a tf.summary writer.
    is_chief: whether this process writes.
  """

  def __init__(self, config, average_model, model_dir, writer, is_chief):
    self.config, self.model = config, average_model
    self.model_dir, self.writer, self.is_chief = model_dir, writer, is_chief
    num_classes = config.num_classes
    self._sample = tf.function(
        lambda noise, labels: self.model.space.from_float(self.model.sample(
            noise, labels=labels if num_classes else None)),
        jit_compile=True)

  def samples(self):
    """`loop.num_samples` samples as the data stores them, labels cycling
    through the classes."""
    num_samples, num_classes = self.config.loop.num_samples, (
        self.config.num_classes)
    shape = (num_samples,) + tuple(self.model.noise_shape)
    noise = tf.random.stateless_uniform(shape, [self.config.loop.seed, 7])
    labels = tf.range(num_samples) % (num_classes or 1)
    return self._sample(noise, labels).numpy()

  def grid(self, samples=None):
    """uint8 [rows, columns, C]: the samples, one class a column
    (grids.picture: images, spectrograms of sound, or plots of sequences
    and vectors)."""
    samples = self.samples() if samples is None else samples
    return grids.picture(samples, self.model.space,
                         num_cols=self.config.num_classes or None)

  def write(self, step):
    """Draws the samples (every process: the sampler may be collective) and
    writes their grid, and sound as audio (the chief)."""
    samples = self.samples()
    grid = self.grid(samples)
    if not self.is_chief:
      return
    space = self.model.space
    with self.writer.as_default(step=step):
      tf.summary.image('samples', grid[None], max_outputs=1)
      if space.is_audio:
        tf.summary.audio('samples', space.to_waveform(samples), space.rate,
                         max_outputs=len(samples))
    grids.write_png(os.path.join(self.model_dir, run_dir.SAMPLES_PNG), grid)
    grids.write_png(os.path.join(self.model_dir, run_dir.SAMPLES_DIR,
                                 f'step_{step:08d}.png'), grid)


class Evaluations:
  """Evaluations of the averaged weights during training (`--eval_every`).

  Args:
    config: the run's runs.config.Config (its evaluation section).
    average_model: the Polyak-averaged model.
    model_dir: the run directory (eval/step_<N>.json).
    writer: a tf.summary writer.
    is_chief: whether this process writes.
    data_dir, raw_dir: where a tfds dataset is.
  """

  def __init__(self, config, average_model, model_dir, writer, is_chief,
               data_dir=None, raw_dir=None):
    self.config, self.model = config, average_model
    self.model_dir, self.writer, self.is_chief = model_dir, writer, is_chief
    self._data_dir, self._raw_dir = data_dir, raw_dir
    self._classifier = None  # Resolved at the first evaluation.

  def run(self, step):
    """Evaluates now; writes and logs the results; returns them."""
    from aiqn_tf.evaluation import classifier_training  # pylint: disable=g-import-not-at-top
    from aiqn_tf.evaluation import evaluate as evaluation  # pylint: disable=g-import-not-at-top
    settings, spec = self.config.evaluation, self.config.data.spec()
    if self._classifier is None and settings.eval_classifier != 'none':
      self._classifier, _ = classifier_training.resolve(
          settings.eval_classifier, settings.eval_classifier_path, spec,
          self._data_dir, self._raw_dir)
    load_split = datasets.split_loader(spec, data_dir=self._data_dir,
                                       raw_dir=self._raw_dir)
    results = evaluation.evaluate_model(
        self.model, self._classifier, settings.eval_num_samples, load_split,
        seed=self.config.loop.seed,
        likelihood_images=settings.eval_likelihood_images,
        critic_steps=settings.eval_critic_steps)
    results['classifier'] = settings.eval_classifier
    if self.is_chief:
      evaluation.write_results(self.model_dir, step, results, self.writer)
      hparams.write_best(self.writer, self.model_dir, step)
    logging.info('step %d: %s', step, evaluation.summary(results))
    return results
