"""The dataset classifier: a small CNN trained on a dataset's own images.

It stands in for the Inception network where the bundled data and users'
folders have no download (FID and Inception score, its penultimate layer
playing pool_3), and it is the classifier of the Classification Accuracy
Score (cas.py). With labels it learns the classes. Without them (faces, a
folder without class sub-folders) it learns which way each image was turned
(`rotations`, the self-supervised task of Gidaris et al. 2018), whose
features see what orients an image (edges, horizons, textures and their
direction, colour above and below) but not what it depicts. Where the data
knows which source image each example was cut from (the bundled photos'
patches: photo and scale), it learns the source and the turn together, whose
features also see the content, colour and grain of each source.
classifier_training.py trains and exports it for a dataset.
"""

import keras
import numpy as np

from aiqn_tf.core import images as image_lib


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


ROTATIONS = 4  # Quarter turns: the classes of the self-supervised task.


def rotations(examples, sources=None, num_sources=1):
  """Every image at 0, 90, 180 and 270 degrees, labelled by its turn.

  With `sources`, labelled by its turn and its source image together.

  Args:
    examples: {"images": uint8 [N, H, H, C]} (square images).
    sources: None, or int [N] in [0, num_sources): the source image of each
      (bundled.sources).
    num_sources: the number of sources.

  Returns:
    {"images": uint8 [4 N, H, H, C], "labels": int32 [4 N] in
     [0, 4 num_sources): turn * num_sources + source}.

  Raises:
    ValueError: for images that are not square.
  """
  images = np.asarray(examples['images'])
  if images.shape[1] != images.shape[2]:
    raise ValueError(f'The rotation task needs square images, got '
                     f'{images.shape[1]}x{images.shape[2]}: give '
                     '--image_size.')
  turned = [np.rot90(images, k, axes=(1, 2)) for k in range(ROTATIONS)]
  source = np.zeros(len(images), np.int32) if sources is None else sources
  return {'images': np.concatenate(turned),
          'labels': (np.repeat(np.arange(ROTATIONS), len(images)) *
                     num_sources + np.tile(source, ROTATIONS)).astype(
                         np.int32)}


def default_epochs(num_train):
  """About 45,000 images seen, 5 to 30 epochs (digits: 30; MNIST 4,000: 11)."""
  return int(np.clip(45_000 // max(num_train, 1), 5, 30))


def fit(train, test, num_classes, epochs=None, seed=0):
  """Trains the CNN on `train`; returns (model, accuracy on `test`).

  Args:
    train, test: {"images": uint8 [N, H, W, C], "labels": int [N]}.
    num_classes: K.
    epochs: passes over the training images (None: `default_epochs`).
    seed: initialization and shuffling seed.
  """
  keras.utils.set_random_seed(seed)
  model = classifier_model(train['images'].shape[1:], num_classes)
  trainer = keras.Model(model.input, model.output['logits'])
  trainer.compile(
      optimizer=keras.optimizers.Adam(1e-3),
      loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
      metrics=['accuracy'])
  trainer.fit(image_lib.to_float(train['images']), train['labels'],
              batch_size=64, epochs=epochs or default_epochs(
                  len(train['images'])), verbose=0)
  _, accuracy = trainer.evaluate(image_lib.to_float(test['images']),
                                 test['labels'], verbose=0)
  return model, float(accuracy)
