"""Training a dataset's classifier (binaries/train_classifier.py, evaluate, train).

Kept apart from the binaries' flags so that several binaries, tests and
benchmarks can import it. The classifier is a small CNN for FID and
Inception score on datasets with labels; its penultimate layer plays pool_3.
"""

import json
import os
import time

from absl import logging
import keras
import numpy as np
import tensorflow as tf

from aiqn_tf.core import images as image_lib
from aiqn_tf.data import datasets
from aiqn_tf.evaluation import classifiers


def classifier_model(image_shape, num_classes):
  """The CNN: [H, W, C] in [-1, 1] -> (pool_3 [N, 128], logits [N, K]).

  Two 3x3 convolutions and a 2x2 max-pool, then one more convolution and
  pool per halving until the map is at most 8x8 (none for 8x8 digits).
  """
  images = keras.Input(tuple(image_shape))
  x = keras.layers.Conv2D(32, 3, padding='same', activation='relu')(images)
  x = keras.layers.Conv2D(64, 3, padding='same', activation='relu')(x)
  x = keras.layers.MaxPooling2D()(x)
  size = image_shape[0] // 2
  while size > 8:
    x = keras.layers.Conv2D(64, 3, padding='same', activation='relu')(x)
    x = keras.layers.MaxPooling2D()(x)
    size //= 2
  x = keras.layers.Flatten()(x)
  pool = keras.layers.Dense(128, activation='relu', name='pool_3')(x)
  logits = keras.layers.Dense(num_classes, name='logits')(
      keras.layers.Dropout(0.3)(pool))
  return keras.Model(images, {'pool_3': pool, 'logits': logits})


def default_epochs(num_train):
  """About 45,000 images seen, 5 to 30 epochs (digits: 30; MNIST 4,000: 11)."""
  return int(np.clip(45_000 // max(num_train, 1), 5, 30))


def train_classifier(spec, output_dir, epochs=None, seed=0, data_dir=None,
                     raw_dir=None):
  """Trains the CNN on a dataset's train split; exports it; returns accuracy.

  Args:
    spec: a datasets.DatasetSpec (or dataset string) with labels.
    output_dir: where the SavedModel goes (see classifiers.load), with
      classifier.json (dataset, image_shape, test accuracy) beside it.
    epochs: passes over the training images (None: `default_epochs`).
    seed: initialization and shuffling seed.
    data_dir, raw_dir: for tfds datasets.

  Returns:
    float, accuracy on the dataset's test split.

  Raises:
    ValueError: if the dataset has no labels.
  """
  spec = datasets.get_spec(spec)
  if not spec.num_classes:
    raise ValueError(f'{spec.name} has no class labels: no classifier to '
                     'train; use the Inception network.')
  keras.utils.set_random_seed(seed)
  load = lambda split: datasets.as_arrays(spec, split, data_dir=data_dir,
                                          raw_dir=raw_dir)
  train, test = load('train'), load('test')
  epochs = epochs or default_epochs(len(train['images']))
  model = classifier_model(spec.image_shape, spec.num_classes)
  trainer = keras.Model(model.input, model.output['logits'])
  trainer.compile(
      optimizer=keras.optimizers.Adam(1e-3),
      loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
      metrics=['accuracy'])
  trainer.fit(image_lib.to_float(train['images']), train['labels'],
              batch_size=64, epochs=epochs, verbose=0)
  _, accuracy = trainer.evaluate(image_lib.to_float(test['images']),
                                 test['labels'], verbose=0)
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
                   num_classes=spec.num_classes, epochs=epochs,
                   num_train=len(train['images']),
                   num_test=len(test['images']),
                   test_accuracy=float(accuracy)), f, indent=2)
  return float(accuracy)


def train_digits_classifier(output_dir, epochs=30, seed=0):
  """The digits classifier (8x8x1, 10 classes); returns its test accuracy."""
  return train_classifier('digits', output_dir, epochs, seed)


def ensure_classifier(kind, path, spec, data_dir=None, raw_dir=None):
  """The path of `kind`'s classifier for a run, trained first if need be.

  For the dataset classifier of a bundled labelled dataset (digits, mnist)
  with nothing at the path, trains it there on first use and says so in the
  log; the next call reuses it.

  Args:
    kind: 'inception', 'dataset' or 'digits' (classifiers.KINDS).
    path: the classifier's path, or None/'' for the default: the user's
      cache (classifiers.default_path) for the dataset classifier.
    spec: the run's datasets.DatasetSpec.
    data_dir, raw_dir: for tfds datasets.

  Returns:
    the path (unchanged for inception).
  """
  if kind == 'inception':
    return path
  path = path or classifiers.default_path(spec.name, spec.image_shape)
  if not os.path.isdir(path) and spec.kind == 'bundled' and spec.num_classes:
    logging.info('No classifier for %s at %s: training it now (first use; '
                 'cached there for later).', spec.name, path)
    start = time.time()
    accuracy = train_classifier(spec, path, data_dir=data_dir,
                                raw_dir=raw_dir)
    logging.info('Trained the %s classifier in %.0f s: test accuracy %.4f; '
                 'saved to %s', spec.name, time.time() - start, accuracy,
                 path)
  return path
