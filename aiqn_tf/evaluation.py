"""Evaluating a trained model: samples, FID and Inception score, results files."""

import json
import os

import numpy as np
import tensorflow as tf

from aiqn_tf import datasets
from aiqn_tf import images as image_lib
from aiqn_tf import metrics
from aiqn_tf import sampling

EVAL_DIR = 'eval'


def draw_samples(model, config, num_samples, batch_size=64, method='fast',
                 seed=0, progress=None):
  """uint8 samples [N, H, W, C] of a PixelIQN/PixelCNN (random labels if any).

  Args:
    model: the model (e.g. the Polyak average).
    config: its TrainConfig.
    num_samples, batch_size: how many, and how many per sampler call.
    method: 'fast' or 'sequential'.
    seed: noise and label seed.
    progress: optional callable(done, total).
  """
  shape = tuple(config.image_shape)

  @tf.function
  def sample_batch(noise, labels):
    return image_lib.to_uint8(sampling.sample(model, noise, method, labels))

  rng = np.random.default_rng(seed)
  batches = []
  for start in range(0, num_samples, batch_size):
    size = min(batch_size, num_samples - start)
    noise = sampling.draw_noise((size,) + shape, [seed, start])
    labels = (tf.constant(rng.integers(0, config.num_classes, size), tf.int32)
              if config.num_classes else None)
    batches.append(sample_batch(noise, labels).numpy())
    if progress:
      progress(start + size, num_samples)
  return np.concatenate(batches)


def evaluate_model(model, config, classifier, num_samples, batch_size=64,
                   method='fast', seed=0, data_dir=None, raw_dir=None,
                   progress=None):
  """FID and Inception score of `num_samples` samples (see metrics.evaluate).

  FID is against `num_samples` training images (the paper: 10,000 each); the
  floor is the FID of as many test images against the same training images.
  """
  samples = draw_samples(model, config, num_samples, batch_size, method, seed,
                         progress)
  train, test = (datasets.as_arrays(config.dataset, split, limit=num_samples,
                                    data_dir=data_dir,
                                    raw_dir=raw_dir)['images']
                 for split in ('train', 'test'))
  results = metrics.evaluate(classifier, samples, train, test)
  results['method'] = method
  return results


def write_results(model_dir, step, results, writer=None):
  """Writes results to <model_dir>/eval/step_<step>.json and TensorBoard.

  Args:
    model_dir: the run directory.
    step: training step of the evaluated weights.
    results: dict from evaluate_model.
    writer: a tf.summary writer (default: one for <model_dir>/eval).

  Returns:
    the JSON file's path.
  """
  path = os.path.join(model_dir, EVAL_DIR, f'step_{step:08d}.json')
  tf.io.gfile.makedirs(os.path.dirname(path))
  with tf.io.gfile.GFile(path, 'w') as f:
    json.dump(dict(results, step=step), f, indent=2, sort_keys=True)
  writer = writer or tf.summary.create_file_writer(
      os.path.join(model_dir, EVAL_DIR))
  with writer.as_default(step=step):
    for name in ('fid', 'fid_floor', 'inception_score',
                 'inception_score_mean', 'inception_score_std'):
      if name in results:
        tf.summary.scalar(f'eval/{name}', results[name])
  writer.flush()
  return path
