"""Evaluating a trained model: samples, FID and Inception score, results files."""

import json
import os

import numpy as np
import tensorflow as tf

from aiqn_tf.core import images as image_lib
from aiqn_tf.evaluation import metrics
from aiqn_tf.models import sampling

EVAL_DIR = 'eval'
# Training images whose codes the latent distances use (half as reference).
LATENT_IMAGES = 10_000


def draw_samples(model, num_samples, batch_size=64, method=None, seed=0,
                 progress=None, jit_compile=True):
  """uint8 samples [N, H, W, C] of any model (random labels if it has classes).

  Args:
    model: the model (e.g. the Polyak average).
    num_samples, batch_size: how many, and how many per sampler call.
    method: one of model.sample_methods (None: its default).
    seed: noise and label seed.
    progress: optional callable(done, total).
    jit_compile: compile the sampler with XLA (several times faster on CPU).
  """

  @tf.function(reduce_retracing=True, jit_compile=jit_compile)
  def sample_batch(noise, labels):
    return image_lib.to_uint8(model.sample(noise, method, labels))

  rng = np.random.default_rng(seed)
  batches = []
  for start, noise in _noise_batches(model, num_samples, batch_size, seed):
    size = len(noise)
    labels = (tf.constant(rng.integers(0, model.num_classes, size), tf.int32)
              if model.num_classes else None)
    batches.append(sample_batch(noise, labels).numpy())
    if progress:
      progress(start + size, num_samples)
  return np.concatenate(batches)


def _noise_batches(model, num_samples, batch_size, seed):
  """(start, noise [size, *noise_shape]) of each batch; a function of seed."""
  for start in range(0, num_samples, batch_size):
    size = min(batch_size, num_samples - start)
    yield start, sampling.draw_noise((size,) + tuple(model.noise_shape),
                                     [seed, start])


def latent_distances(model, train_images, batch_size=64, seed=0,
                     methods=None):
  """How far a latent model's sampled codes are from the encoder's codes.

  For models with `latent_methods` (AIQN-VAE, VAE). The encoder's codes (one
  reparameterized z ~ q(z | x) per image, what the AIQN is trained on) of the
  first half of `train_images` are the reference; as many sampled codes are
  compared with it, and the codes of the second half give the floor: what a
  perfect latent sampler reaches at that size.

  Args:
    model: a model with latent_methods, `encode` and `codes`.
    train_images: uint8 [M, H, W, C], M >= 4.
    batch_size, seed: as `draw_samples` (the same seed gives the same noise).
    methods: names to measure (default: all of model.latent_methods).

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
  methods = methods or model.latent_methods
  encode = tf.function(model.encode, reduce_retracing=True)
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
  for name in methods:
    sets[name] = np.concatenate([
        codes(noise, name).numpy()
        for _, noise in _noise_batches(model, num, batch_size, seed)])
  results = {'latent_num_codes': num, 'latent_active_dims': int(active.sum())}
  for name, samples in sets.items():
    mean, distances = metrics.latent_wasserstein(samples, reference)
    results[f'latent_w1_{name}'] = mean
    results[f'latent_w1_active_{name}'] = (
        float(distances[active].mean()) if active.any() else float('nan'))
    results[f'latent_fd_{name}'] = metrics.frechet_distance(samples,
                                                            reference)
  return results


def evaluate_model(model, classifier, num_samples, load_images, batch_size=64,
                   method=None, seed=0, progress=None):
  """FID and Inception score of `num_samples` samples (see metrics.evaluate).

  FID is against `num_samples` training images (the paper: 10,000 each); the
  floor is the FID of as many test images against the same training images.
  Models with latent_methods also get `latent_distances` on up to
  max(2 N, LATENT_IMAGES) training images.

  Args:
    model: the model to sample.
    classifier: from classifiers.load.
    num_samples: N.
    load_images: callable(split, limit) -> uint8 [<= limit, H, W, C], the
      model's dataset ('train' or 'test').
    batch_size, method, seed, progress: as `draw_samples`.

  Returns:
    dict of figures, plus 'method' (the sampler used).
  """
  method = model.check_method(method)
  samples = draw_samples(model, num_samples, batch_size, method, seed,
                         progress)
  train, test = (load_images(split, num_samples) for split in
                 ('train', 'test'))
  results = metrics.evaluate(classifier, samples, train, test)
  results['method'] = method
  if model.latent_methods:
    results['latent_sampler'] = method  # The name of the first releases.
    results.update(latent_distances(
        model, load_images('train', max(2 * num_samples, LATENT_IMAGES)),
        batch_size, seed))
  return results


def write_results(model_dir, step, results, writer=None):
  """Writes results to <model_dir>/eval/step_<step>.json and TensorBoard.

  Results of a latent model's prior samples go to step_<step>_prior.json
  and under eval_prior/ in TensorBoard, beside the AIQN's.

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
