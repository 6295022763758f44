"""Training the digits classifier (binaries/train_classifier.py, benchmarks).

Kept apart from the binary's flags so that tests and benchmarks can import it.
"""

import keras
import tensorflow as tf

from aiqn_tf.core import images as image_lib
from aiqn_tf.data import datasets


def digits_classifier_model():
  """The small CNN: 8x8x1 in [-1,1] -> (pool_3 [N, 128], logits [N, 10])."""
  images = keras.Input((8, 8, 1))
  x = keras.layers.Conv2D(32, 3, padding='same', activation='relu')(images)
  x = keras.layers.Conv2D(64, 3, padding='same', activation='relu')(x)
  x = keras.layers.MaxPooling2D()(x)
  x = keras.layers.Flatten()(x)
  pool = keras.layers.Dense(128, activation='relu', name='pool_3')(x)
  logits = keras.layers.Dense(10, name='logits')(keras.layers.Dropout(0.3)(pool))
  return keras.Model(images, {'pool_3': pool, 'logits': logits})


def train_digits_classifier(output_dir, epochs=30, seed=0):
  """Trains the digits CNN on the train split; exports it; returns test accuracy.

  Args:
    output_dir: where the SavedModel goes (see `load`).
    epochs: passes over the 1,497 training digits.
    seed: initialization and shuffling seed.

  Returns:
    float, accuracy on the 300 held-out test digits.
  """
  keras.utils.set_random_seed(seed)
  train = datasets.as_arrays('digits', 'train')
  test = datasets.as_arrays('digits', 'test')
  model = digits_classifier_model()
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
          input_signature=[tf.TensorSpec([None, 8, 8, 1], tf.float32,
                                          name='images')]))
  archive.write_out(output_dir, verbose=False)
  return float(accuracy)
