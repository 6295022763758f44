"""`tfp.distributions.PixelCNN` (PixelCNN++, Salimans et al. 2017) as a peer.

TFP's PixelCNN is a tf-keras (Keras 2) component and cannot sit inside our
Keras 3 models, so it trains here in its own loop on the same arrays and is
scored by the same metrics as our runs (evaluation/metrics.py).
"""

import time

import numpy as np
import tensorflow as tf

from aiqn_tf.data import datasets
from aiqn_tf.evaluation import classifier_training
from aiqn_tf.evaluation import metrics

# The small network the quality study has compared with since its start.
SMALL = dict(num_resnet=1, num_hierarchies=2, num_filters=32,
             num_logistic_mix=5, dropout_p=0.3)


def train_and_score(data, seed, num_samples, *, seconds=None, steps=None,
                    batch_size=64, learning_rate=1e-3, network=None,
                    classified=True):
  """Trains TFP's PixelCNN on data's training images; its scores.

  Stops after `steps` updates or `seconds` of training, whichever is given
  (both: the first reached).

  Args:
    data: a data config section (runs/config.py) of a bundled dataset.
    seed: the run's seed (shuffling, initialisation, samples).
    num_samples: samples drawn, and training and test images scored.
    seconds, steps: the training budget.
    batch_size, learning_rate: Adam's minibatch and rate.
    network: tfp.distributions.PixelCNN's arguments (default SMALL).
    classified: whether the dataset has a classifier (FID, IS, precision,
      recall).

  Returns:
    (results dict as evaluation.evaluate_model's, with train_minutes,
     train_steps and test_bits_per_dim; uint8 samples [N, H, W, C]).
  """
  if seconds is None and steps is None:
    raise ValueError('Give train_and_score seconds or steps.')
  import tensorflow_probability as tfp  # pylint: disable=g-import-not-at-top
  dataset = data.dataset
  train = datasets.as_arrays(dataset, 'train')
  test = datasets.as_arrays(dataset, 'test', limit=num_samples)
  shape = train['images'].shape[1:]
  tf.random.set_seed(seed)
  dist = tfp.distributions.PixelCNN(image_shape=shape,
                                    **(network or SMALL))
  optimizer = tf.keras.optimizers.Adam(learning_rate)
  images = tf.data.Dataset.from_tensor_slices(
      train['images'].astype(np.float32)).shuffle(
          len(train['images']), seed=seed).repeat().batch(batch_size)

  @tf.function
  def step(x):
    with tf.GradientTape() as tape:
      loss = -tf.reduce_mean(dist.log_prob(x, training=True))
    variables = dist.trainable_variables
    optimizer.apply_gradients(zip(tape.gradient(loss, variables), variables))
    return loss

  start, taken = time.time(), 0
  for x in images:
    step(x)
    taken += 1
    if (steps is not None and taken >= steps) or (
        seconds is not None and time.time() - start > seconds):
      break
  train_s = time.time() - start
  bits = -tf.reduce_mean(dist.log_prob(test['images'].astype(np.float32))) / (
      np.prod(shape) * np.log(2.0))
  sample = tf.function(lambda n: dist.sample(n, seed=seed))
  samples = np.concatenate([
      sample(min(100, num_samples - i)).numpy()
      for i in range(0, num_samples, 100)]).astype(np.uint8)
  reference = datasets.as_arrays(dataset, 'train', limit=num_samples)['images']
  results = dict(train_minutes=train_s / 60, train_steps=taken,
                 test_bits_per_dim=float(bits))
  if classified:
    classifier = classifier_training.resolve('dataset', None, data.spec())[0]
    results.update(metrics.evaluate(classifier, samples, reference,
                                    test['images']))
  results.update(metrics.sliced_wasserstein(samples, reference,
                                            test['images'], seed))
  results.update(metrics.value_statistics(samples, reference))
  return results, samples
