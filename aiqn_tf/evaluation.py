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
# Training images whose codes the latent distances use (half as reference).
LATENT_IMAGES = 10_000


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

  @tf.function(reduce_retracing=True)
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


def latent_distances(model, config, train_images, batch_size=64, seed=0,
                     latent_samplers=None):
  """How far AIQN-VAE / VAE latent samples are from the encoder's codes.

  The encoder's codes (one reparameterized z ~ q(z | x) per image, what the
  AIQN is trained on) of the first half of `train_images` are the reference;
  as many sampled codes are compared with it, and the codes of the second
  half give the floor: what a perfect latent sampler reaches at that size.

  Args:
    model: an AIQNVAE.
    config: its TrainConfig.
    train_images: uint8 [M, H, W, C], M >= 4.
    batch_size, seed: as `draw_samples` (the same seed gives the same noise).
    latent_samplers: names to measure (default: 'prior', and 'aiqn' if the
      model has an AIQN).

  Returns:
    dict of floats, for each name and 'floor': latent_w1_<name>, the mean
    per-dimension 1-Wasserstein distance (marginals); latent_w1_active_<name>,
    the same over the active dimensions only (those whose mean posterior
    standard deviation is below half the prior's: the ones the decoder
    reads; a VAE leaves most others at the prior); latent_fd_<name>, the
    Frechet distance of the code sets (means and covariances, so also how
    dimensions go together); and latent_num_codes (the reference's size) and
    latent_active_dims.
  """
  if latent_samplers is None:
    latent_samplers = ('prior',) if model.aiqn is None else ('prior', 'aiqn')
  encode = tf.function(model.vae.encode, reduce_retracing=True)
  codes = tf.function(model.codes, reduce_retracing=True)
  means, log_variances = [], []
  for i in range(0, len(train_images), batch_size):
    mean, log_variance = encode(image_lib.to_float(
        train_images[i:i + batch_size]))
    means.append(mean.numpy())
    log_variances.append(log_variance.numpy())
  means, log_variances = np.concatenate(means), np.concatenate(log_variances)
  encoded = means + np.exp(0.5 * log_variances) * tf.random.stateless_normal(
      means.shape, [seed, 0]).numpy()
  active = (np.exp(0.5 * log_variances).mean(0) <
            0.5 * np.sqrt(model.prior_variance))
  num = len(encoded) // 2
  reference = encoded[:num]
  sets = {'floor': encoded[num:2 * num]}
  for name in latent_samplers:
    sets[name] = np.concatenate([
        codes(noise, name).numpy()
        for _, noise in _noise_batches(config, num, batch_size, seed)])
  results = {'latent_num_codes': num, 'latent_active_dims': int(active.sum())}
  for name, samples in sets.items():
    mean, distances = metrics.latent_wasserstein(samples, reference)
    results[f'latent_w1_{name}'] = mean
    results[f'latent_w1_active_{name}'] = (
        float(distances[active].mean()) if active.any() else float('nan'))
    results[f'latent_fd_{name}'] = metrics.frechet_distance(samples,
                                                            reference)
  return results


def evaluate_model(model, config, classifier, num_samples, batch_size=64,
                   method='fast', seed=0, data_dir=None, raw_dir=None,
                   progress=None, latent_sampler=None):
  """FID and Inception score of `num_samples` samples (see metrics.evaluate).

  FID is against `num_samples` training images (the paper: 10,000 each); the
  floor is the FID of as many test images against the same training images.
  AIQN-VAE / VAE results also hold the latent_sampler and `latent_distances`
  on up to max(2 N, LATENT_IMAGES) training images.
  """
  samples = draw_samples(model, config, num_samples, batch_size, method, seed,
                         progress, latent_sampler)
  train, test = (datasets.as_arrays(config.dataset, split, limit=num_samples,
                                    data_dir=data_dir, raw_dir=raw_dir,
                                    image_size=config.image_size)['images']
                 for split in ('train', 'test'))
  results = metrics.evaluate(classifier, samples, train, test)
  if config.is_latent:
    results['latent_sampler'] = (latent_sampler or
                                 model.default_latent_sampler)
    codes_train = datasets.as_arrays(
        config.dataset, 'train', limit=max(2 * num_samples, LATENT_IMAGES),
        data_dir=data_dir, raw_dir=raw_dir,
        image_size=config.image_size)['images']
    results.update(latent_distances(model, config, codes_train, batch_size,
                                    seed))
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
    for name, value in results.items():
      if isinstance(value, float):  # The figures, not counts or names.
        tf.summary.scalar(f'eval{"_prior" if prior else ""}/{name}', value)
  writer.flush()
  return path
