"""What the digits comparisons share: the classifier and timed preset runs."""

import dataclasses
import os
import time

from aiqn_tf import classifiers
from aiqn_tf import config as config_lib
from aiqn_tf import training


def digits_classifier(path):
  """The digits classifier at `path`, trained there first if missing."""
  if not os.path.isdir(path):
    accuracy = classifiers.train_digits_classifier(path)
    print(f'Trained the digits classifier: test accuracy {accuracy:.4f}')
  return classifiers.load('digits', path)


def train_digits(model, work_dir, seed, train_steps=None):
  """Trains `model` with the digits preset in <work_dir>/<model>.

  Args:
    model: a config_lib.MODELS name.
    work_dir: parent of the run directory.
    seed: the run's seed.
    train_steps: steps (default: the preset's).

  Returns:
    (TrainConfig, the Trainer after training, training seconds).
  """
  config = config_lib.preset('digits', model)
  config = dataclasses.replace(
      config, seed=seed, sample_every=0,
      train_steps=train_steps or config.train_steps).validate()
  model_dir = os.path.join(work_dir, model)
  config.save(model_dir)
  trainer = training.Trainer(config, model_dir)
  start = time.time()
  trainer.train()
  return config, trainer, time.time() - start
