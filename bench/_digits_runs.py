"""What the digits comparisons share: the classifier and timed preset runs."""

import os
import time

from aiqn_tf.data import datasets
from aiqn_tf.evaluation import classifiers
from aiqn_tf.runs import presets
from aiqn_tf.training import trainer as training
from binaries import _classifier_training


def digits_classifier(path):
  """The digits classifier at `path`, trained there first if missing."""
  if not os.path.isdir(path):
    accuracy = _classifier_training.train_digits_classifier(path)
    print(f'Trained the digits classifier: test accuracy {accuracy:.4f}')
  return classifiers.load('digits', path)


def classifier_for(data, path):
  """The classifier of a run's data section: the digits one at `path` for
  8x8 digits, else the dataset's own at the run's image size (trained on
  first use for mnist)."""
  spec = data.spec()
  if spec.name == 'digits' and spec.image_shape[0] == 8:
    return digits_classifier(path)
  return classifiers.load('dataset', _classifier_training.ensure_classifier(
      'dataset', None, spec))


def image_loader(data):
  """callable(split, limit) -> uint8 images of the data section's dataset."""
  return lambda split, limit: datasets.as_arrays(
      data.spec(), split, limit=limit)['images']


def train_digits(model, work_dir, seed, train_steps=None, dataset=None):
  """Trains `model` with the digits preset in <work_dir>/<model>.

  Args:
    model: a registered model name.
    work_dir: parent of the run directory.
    seed: the run's seed.
    train_steps: steps (default: the preset's).
    dataset: another dataset than digits (any --dataset string), with the
      digits preset's model and loop.

  Returns:
    (runs.config.Config, the Trainer after training, training seconds).
  """
  config = presets.preset('digits', model)
  config = config.replace(
      seed=seed, sample_every=0,
      train_steps=train_steps or config.loop.train_steps)
  if dataset:
    config = config.replace(dataset=dataset)
  config.data = config.data.resolve()
  config.validate()
  model_dir = os.path.join(work_dir, model)
  config.save(model_dir)
  trainer = training.Trainer(config, model_dir)
  start = time.time()
  trainer.train()
  return config, trainer, time.time() - start
