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
                 seed=0, progress=None, latent_sampler=None):
  """uint8 samples [N, H, W, C] of any model (random labels if any).

  Args:
    model: the model (e.g. the Polyak average).
    config: its TrainConfig.
    num_samples, batch_size: how many, and how many per sampler call.
    method: 'fast' or 'sequential' (PixelIQN / PixelCNN).
    seed: noise and label seed.
    progress: optional callable(done, total).
    latent_sampler: AIQN-VAE / VAE: 'aiqn' or 'prior' (default: the AIQN if
      the model has one).
  """

  @tf.function
  def sample_batch(noise, labels):
    return image_lib.to_uint8(sampling.sample(model, noise, method, labels,
                                              latent_sampler=latent_sampler))

  rng = np.random.default_rng(seed)
  batches = []
  for start, noise in _noise_batches(config, num_samples, batch_size, seed):
    size = len(noise)
    labels = (tf.constant(rng.integers(0, config.num_classes, size), tf.int32)
              if config.num_classes else None)
    batches.append(sample_batch(noise, labels).numpy())
    if progress:
      progress(start + size, num_samples)
  return np.concatenate(batches)


def _noise_batches(config, num_samples, batch_size, seed):
  """(start, noise [size, *noise_shape]) of each batch; a function of seed."""
  for start in range(0, num_samples, batch_size):
    size = min(batch_size, num_samples - start)
    yield start, sampling.draw_noise((size,) + config.noise_shape,
                                     [seed, start])


def latent_distances(model, config, train_images, num_samples, batch_size=64,
                     seed=0, latent_samplers=None):
  """How far AIQN-VAE / VAE latent samples are from the encoder's codes.

  The reference is the aggregate posterior: one reparameterized code z ~
  q(z | x) per training image (what the AIQN is trained on). The samples are
  the codes of `draw_samples` with the same seed.

  Args:
    model: an AIQNVAE.
    config: its TrainConfig.
    train_images: uint8 [M, H, W, C].
    num_samples, batch_size, seed: as `draw_samples`.
    latent_samplers: names to measure (default: 'prior', and 'aiqn' if the
      model has an AIQN).

  Returns:
    {f"latent_w1_{name}": mean per-dimension 1-Wasserstein distance}.
  """
  if latent_samplers is None:
    latent_samplers = ('prior',) if model.aiqn is None else ('prior', 'aiqn')
  encode = tf.function(model.encoder_codes)
  codes = tf.function(model.codes)
  reference = np.concatenate([
      encode(image_lib.to_float(train_images[i:i + batch_size]),
             tf.random.stateless_normal(
                 [len(train_images[i:i + batch_size]), config.latent_dim],
                 [seed, i])).numpy()
      for i in range(0, len(train_images), batch_size)])
  results = {}
  for name in latent_samplers:
    samples = np.concatenate([
        codes(noise, name).numpy()
        for _, noise in _noise_batches(config, num_samples, batch_size, seed)])
    results[f'latent_w1_{name}'] = metrics.latent_wasserstein(samples,
                                                              reference)[0]
  return results


def evaluate_model(model, config, classifier, num_samples, batch_size=64,
                   method='fast', seed=0, data_dir=None, raw_dir=None,
                   progress=None, latent_sampler=None):
  """FID and Inception score of `num_samples` samples (see metrics.evaluate).

  FID is against `num_samples` training images (the paper: 10,000 each); the
  floor is the FID of as many test images against the same training images.
  AIQN-VAE / VAE results also hold `latent_distances` and the latent_sampler.
  """
  samples = draw_samples(model, config, num_samples, batch_size, method, seed,
                         progress, latent_sampler)
  train, test = (datasets.as_arrays(config.dataset, split, limit=num_samples,
                                    data_dir=data_dir, raw_dir=raw_dir,
                                    image_size=config.image_size)['images']
                 for split in ('train', 'test'))
  results = metrics.evaluate(classifier, samples, train, test)
  if config.is_latent:
    results['latent_sampler'] = latent_sampler or (
        'prior' if model.aiqn is None else 'aiqn')
    results.update(latent_distances(model, config, train, num_samples,
                                    batch_size, seed))
  else:
    results['method'] = method
  return results


def write_results(model_dir, step, results, writer=None):
  """Writes results to <model_dir>/eval/step_<step>.json and TensorBoard.

  Results of a VAE's prior samples go to step_<step>_prior.json and under
  eval_prior/ in TensorBoard, beside the AIQN's.

  Args:
    model_dir: the run directory.
    step: training step of the evaluated weights.
    results: dict from evaluate_model.
    writer: a tf.summary writer (default: one for <model_dir>/eval).

  Returns:
    the JSON file's path.
  """
  prior = results.get('latent_sampler') == 'prior'
  path = os.path.join(model_dir, EVAL_DIR,
                      f'step_{step:08d}{"_prior" if prior else ""}.json')
  tf.io.gfile.makedirs(os.path.dirname(path))
  with tf.io.gfile.GFile(path, 'w') as f:
    json.dump(dict(results, step=step), f, indent=2, sort_keys=True)
  writer = writer or tf.summary.create_file_writer(
      os.path.join(model_dir, EVAL_DIR))
  with writer.as_default(step=step):
    for name in ('fid', 'fid_floor', 'inception_score',
                 'inception_score_mean', 'inception_score_std',
                 'latent_w1_prior', 'latent_w1_aiqn'):
      if name in results:
        tf.summary.scalar(f'eval{"_prior" if prior else ""}/{name}',
                          results[name])
  writer.flush()
  return path
