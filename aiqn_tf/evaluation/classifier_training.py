"""Training a dataset's classifier, and training it on first use.

Used by the train, evaluate and train_classifier binaries, the trainer and the
benchmarks. The classifier is dataset_classifier.py's
small CNN, exported as a SavedModel for FID and Inception score.
"""

import json
import os
import time

from absl import logging
import keras
import tensorflow as tf

from aiqn_tf.data import datasets
from aiqn_tf.evaluation import classifiers
from aiqn_tf.evaluation import dataset_classifier


def train_classifier(spec, output_dir, epochs=None, seed=0, data_dir=None,
                     raw_dir=None):
  """Trains the CNN on a dataset's train split; exports it; returns accuracy.

  Without class labels the CNN learns the rotation task instead
  (dataset_classifier.rotations: four quarter turns of every image, test
  accuracy on the turned test images), of the turn and the source image
  together where the data has sources (the bundled photos), so data without
  labels gets a feature space for FID too.

  Args:
    spec: a datasets.DatasetSpec (or dataset string).
    output_dir: where the SavedModel goes (see classifiers.load), with
      classifier.json (dataset, image_shape, test accuracy) beside it.
    epochs: passes over the training images (None: `default_epochs`).
    seed: initialization and shuffling seed.
    data_dir, raw_dir: for tfds datasets.

  Returns:
    float, accuracy on the dataset's test split.

  Raises:
    ValueError: for images without labels that are not square.
  """
  spec = datasets.get_spec(spec)
  load = lambda split: datasets.as_arrays(spec, split, data_dir=data_dir,
                                          raw_dir=raw_dir)
  train, test = load('train'), load('test')
  task, num_classes = task_of(spec), spec.num_classes
  if not num_classes:
    sources = {split: datasets.sources(spec, split)
               for split in ('train', 'test')}
    num_sources = 1 if sources['train'] is None else int(
        max(sources['train'].max(), sources['test'].max()) + 1)
    num_classes = dataset_classifier.ROTATIONS * num_sources
    train, test = (dataset_classifier.rotations(x, sources[split],
                                                num_sources)
                   for x, split in ((train, 'train'), (test, 'test')))
  epochs = epochs or dataset_classifier.default_epochs(len(train['images']))
  model, accuracy = dataset_classifier.fit(train, test, num_classes, epochs,
                                           seed)
  archive = keras.export.ExportArchive()
  archive.track(model)
  archive.add_endpoint(
      'serving_default', tf.function(
          lambda images: model(images, training=False),
          input_signature=[tf.TensorSpec((None,) + tuple(spec.image_shape),
                                         tf.float32, name='images')]))
  archive.write_out(output_dir, verbose=False)
  with open(os.path.join(output_dir, classifiers.INFO_FILE), 'w') as f:
    json.dump(dict(dataset=spec.name, image_shape=list(spec.image_shape),
                   task=task, num_classes=num_classes, epochs=epochs,
                   num_train=len(train['images']),
                   num_test=len(test['images']),
                   test_accuracy=float(accuracy)), f, indent=2)
  return float(accuracy)


def task_of(spec):
  """What the dataset classifier of a datasets.DatasetSpec learns.

  'classes' with labels; without them 'source and rotation' where the data
  has sources (datasets.sources), else 'rotation'.
  """
  if spec.num_classes:
    return 'classes'
  return ('rotation' if datasets.sources(spec, 'train') is None else
          'source and rotation')


def train_digits_classifier(output_dir, epochs=30, seed=0):
  """The digits classifier (8x8x1, 10 classes); returns its test accuracy."""
  return train_classifier('digits', output_dir, epochs, seed)


def resolve(kind, path, spec, data_dir=None, raw_dir=None):
  """The classifier of an evaluation, loaded: the one place that resolves it.

  The trainer (`--eval_every`), the train and evaluate binaries and the
  benchmarks all call this, so they find (and on first use train) the same
  classifier for the same run.

  Args:
    kind: 'inception', 'dataset' (or its first name 'digits') or 'none'.
    path: the classifier's path; None or '' for the default (the dataset
      classifier: the user's cache, see classifiers.default_path; inception
      has none).
    spec: the run's datasets.DatasetSpec.
    data_dir, raw_dir: for tfds datasets.

  Returns:
    (classifier or None for 'none', its path or None).

  Raises:
    ValueError: an unknown kind, or a dataset classifier for data without
      labels.
    FileNotFoundError: no classifier at the path, saying how to get one.
  """
  path = ensure_classifier(kind, path, spec, data_dir, raw_dir)
  return classifiers.load(kind, path), path


def ensure_classifier(kind, path, spec, data_dir=None, raw_dir=None):
  """The path of `kind`'s classifier for a run, trained first if need be.

  For the dataset classifier of a bundled dataset (digits, mnist: their
  classes; photos: the source and rotation task; faces: the rotation task)
  with nothing at the path, trains it there on first use and says so in the
  log; the next call reuses it. A cached one of another task (cached before
  the task changed) is trained again; a path given is used as it is.

  Args:
    kind: 'inception', 'dataset', 'digits' or 'none' (classifiers.KINDS).
    path: the classifier's path, or None/'' for the default: the user's
      cache (classifiers.default_path) for the dataset classifier.
    spec: the run's datasets.DatasetSpec.
    data_dir, raw_dir: for tfds datasets.

  Returns:
    the path (unchanged for inception).
  """
  if kind in ('inception', 'none'):
    return path
  default = classifiers.default_path(spec.name, spec.image_shape)
  path = path or default
  if spec.kind != 'bundled':
    return path
  cached, wanted = (_cached_task(path) if path == default else None,
                    task_of(spec))
  if cached not in (None, wanted):  # Cached before photos had sources.
    logging.info('The cached %s classifier at %s learnt %r, not %r: '
                 'training it again.', spec.name, path, cached, wanted)
  elif not os.path.isdir(path):
    logging.info('No classifier for %s at %s: training it now (first use; '
                 'cached there for later).', spec.name, path)
  else:
    return path
  start = time.time()
  accuracy = train_classifier(spec, path, data_dir=data_dir, raw_dir=raw_dir)
  logging.info('Trained the %s classifier in %.0f s: test accuracy %.4f; '
               'saved to %s', spec.name, time.time() - start, accuracy, path)
  return path


def _cached_task(path):
  """The task of the classifier cached at `path` (None: none there)."""
  try:
    with open(os.path.join(path, classifiers.INFO_FILE)) as f:
      return json.load(f).get('task', 'classes')
  except FileNotFoundError:
    return None
