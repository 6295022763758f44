"""Evaluating a trained model: samples, FID and Inception score, results files."""

import json
import os

from absl import logging
import numpy as np
import tensorflow as tf

from aiqn_tf.core import events
from aiqn_tf.core import images as image_lib
from aiqn_tf.evaluation import cas
from aiqn_tf.evaluation import independent_critic
from aiqn_tf.evaluation import metrics
from aiqn_tf.evaluation import replicas as replicas_lib
from aiqn_tf.models.heads import likelihood
from aiqn_tf.models import noise as noise_lib

EVAL_DIR = 'eval'
# Training images whose codes the latent distances use (half as reference).
LATENT_IMAGES = 10_000


def sample_images(model, noise, method=None, labels=None, images=None,
                  num_fixed=0, batch_size=64, jit_compile=True, progress=None,
                  strategy=None):
  """Samples from noise, as the data stores them (uint8 images [N, H, W, C];
  core/events.py for other spaces): the one loop that draws samples.

  The sample and evaluate binaries, the trainer's evaluations and the
  benchmarks all sample through it. With a tf.distribute strategy of R
  replicas each batch is cut into R slices of the same noise, each replica
  samples its slice and the images are gathered: the same images as on one
  device (each sample is a deterministic function of its own noise), R
  times the throughput.

  Args:
    model: any model of the protocol (e.g. the Polyak average; built under
      `strategy.scope()` when a strategy is given).
    noise: float32 [N, *model.noise_shape] in [0, 1] (noise.draw_noise).
    method: one of model.sample_methods (None: its default).
    labels: int [N] or None (class-conditional models).
    images: uint8 [N, H, W, C] (events as stored) or None: the prefix to
      complete (inpainting).
    num_fixed: sub-pixels (elements) of `images` kept, in raster order.
    batch_size: images per sampler call (over all replicas).
    jit_compile: compile the sampler with XLA (several times faster on CPU).
    progress: optional callable(done, total).
    strategy: optional tf.distribute.Strategy.

  Returns:
    numpy [N, *event shape] of the space's stored dtype (uint8 for images).
  """
  replicas = (strategy or tf.distribute.get_strategy()).num_replicas_in_sync
  batch_size = max(replicas, batch_size - batch_size % replicas)

  space = model.space

  @tf.function(reduce_retracing=True, jit_compile=jit_compile)
  def sample_batch(noise, labels, images):
    if images is not None:
      images = space.to_float(images)
    return space.from_float(model.sample(noise, method, labels, images,
                                         num_fixed))

  noise = np.asarray(noise, np.float32)
  num = len(noise)
  batches = []
  for start in range(0, num, batch_size):
    end = min(start + batch_size, num)
    batches.append(replicas_lib.run_sliced(strategy, sample_batch, [
        noise[start:end],
        None if labels is None else np.asarray(labels[start:end], np.int32),
        None if images is None else np.asarray(images[start:end])]))
    if progress:
      progress(end, num)
  return np.concatenate(batches)


def draw_samples(model, num_samples, batch_size=64, method=None, seed=0,
                 progress=None, jit_compile=True, labels=None,
                 truncation=1.0, strategy=None):
  """uint8 samples [N, H, W, C] of any model (random labels if it has classes).

  Args:
    model: the model (e.g. the Polyak average).
    num_samples, batch_size: how many, and how many per sampler call.
    method: one of model.sample_methods (None: its default).
    seed: noise and label seed.
    progress: optional callable(done, total).
    jit_compile: compile the sampler with XLA (several times faster on CPU).
    labels: int [N], the classes of a class-conditional model's samples
      (default: uniformly random).
    truncation: noise in [0.5 - a/2, 0.5 + a/2] (noise.draw_noise).
    strategy: optional tf.distribute.Strategy to sample on its replicas.
  """
  if model.num_classes and labels is None:
    labels = np.random.default_rng(seed).integers(0, model.num_classes,
                                                  num_samples)
  noise = np.concatenate([n.numpy() for _, n in _noise_batches(
      model, num_samples, batch_size, seed, truncation)])
  return sample_images(model, noise, method, labels, batch_size=batch_size,
                       jit_compile=jit_compile, progress=progress,
                       strategy=strategy)


def _noise_batches(model, num_samples, batch_size, seed, truncation=1.0):
  """(start, noise [size, *noise_shape]) of each batch; a function of seed."""
  for start in range(0, num_samples, batch_size):
    size = min(batch_size, num_samples - start)
    yield start, noise_lib.draw_noise((size,) + tuple(model.noise_shape),
                                     [seed, start], truncation)


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


def held_out_loss(model, examples, batch_size=64, seed=0, prefix='test'):
  """The training loss of `model` on held-out examples (overfitting shows).

  The same loss as training (PixelIQN: the quantile Huber loss at random tau;
  PixelCNN: the cross-entropy, with bits per dimension among its parts), in
  inference mode, averaged over the examples; the noise is a function of
  seed, so two evaluations of one model agree.

  Args:
    model: the model (e.g. the Polyak average).
    examples: {"images": uint8 [N, H, W, C] (, "labels": int32 [N])}, N >= 1.
    batch_size: examples per call.
    seed: noise seed.
    prefix: names the results ('test': test_loss, test_bits_per_dim, ...).

  Returns:
    dict of floats: <prefix>_loss and <prefix>_<part> for each logged part.
  """

  @tf.function(reduce_retracing=True)
  def losses(batch, seed):
    noise = model.training_noise(tf.shape(batch['images'])[0], seed)
    return model.per_example_loss(batch, noise, training=False)

  total, count = {}, len(examples['images'])
  for start in range(0, count, batch_size):
    batch = {k: v[start:start + batch_size] for k, v in examples.items()}
    loss, parts = losses(batch, tf.constant([seed, start]))
    for name, value in dict(parts, loss=loss).items():
      total[name] = total.get(name, 0.0) + float(tf.reduce_sum(value))
  return {f'{prefix}_{name}': value / count for name, value in total.items()}


def estimated_likelihood(model, examples, batch_size=64, seed=0,
                         prefix='test', epsilon=likelihood.EPSILON,
                         num_samples=1):
  """Bits/dim of a model that estimates its likelihood (PixelIQN).

  The model's `estimate_log_prob` with the smoothing `epsilon` (so
  that images whose levels the quantile function cannot reach count, at
  log2(256 / epsilon) bits a sub-pixel, instead of making the mean
  infinite), in the PixelCNN family's unit, -log2 P(x) / (H W C) on the
  8-bit scale; and how often the model itself (epsilon = 0) gives the
  sub-pixels no probability. Batches are padded to `batch_size`, so the
  XLA-compiled walk is traced once.

  Args:
    model: with estimates_likelihood (a PixelIQN).
    examples: {"images": uint8 [N, H, W, C] (, "labels")}, N >= 1.
    batch_size, seed: of the estimate.
    prefix: names the results.
    epsilon: in [0, 1), the smoothing.
    num_samples: particles per image (PixelIQN: likelihood.log_prob).

  Returns:
    {<prefix>_bits_per_dim: the mean, <prefix>_unreachable: the share of
     sub-pixels whose level Q cannot reach given the past,
     <prefix>_reachable_images: the share of images with none,
     <prefix>_crossing: the share where Q decreased on the search grid,
     likelihood_epsilon}.
  """
  count = len(examples['images'])
  bits, unreachable, crossing = [], [], []
  for start in range(0, count, batch_size):
    batch = {k: v[start:start + batch_size] for k, v in examples.items()}
    size = len(batch['images'])
    padded = {k: np.concatenate([v, np.repeat(v[-1:], batch_size - size, 0)])
              for k, v in batch.items()}
    log_p, parts = model.estimate_log_prob(
        image_lib.to_float(padded['images']), padded.get('labels'),
        num_samples, seed=seed + start, epsilon=epsilon)
    bits.append(likelihood.bits_per_dim(log_p.numpy(),
                                        model.image_shape)[:size])
    unreachable.append(parts['unreachable'].numpy()[:size])
    crossing.append(parts['crossing'].numpy()[:size])
  unreachable = np.concatenate(unreachable)
  return {f'{prefix}_bits_per_dim': float(np.concatenate(bits).mean()),
          f'{prefix}_unreachable': float(unreachable.mean()),
          f'{prefix}_reachable_images': float(np.mean(unreachable == 0)),
          f'{prefix}_crossing': float(np.concatenate(crossing).mean()),
          'likelihood_epsilon': float(epsilon)}


def evaluate_model(model, classifier, num_samples, load_split, batch_size=64,
                   method=None, seed=0, progress=None, cas_per_class=0,
                   truncation=1.0, strategy=None, likelihood_images=300,
                   critic_steps=independent_critic.STEPS):
  """Sample quality of `num_samples` samples, and the held-out loss.

  - FID and Inception score with a classifier (see metrics.evaluate): FID
    against `num_samples` training images (the paper: 10,000 each); the
    floor is the FID of as many test images against the same training
    images.
  - Sliced Wasserstein distance to the same training images, with the test
    images' as its floor (metrics.sliced_wasserstein), for any dataset.
  - How the samples' values sit against the training images' levels, and
    the same for the test images (metrics.value_statistics; *_data).
  - Diversity, the mean MS-SSIM of random pairs of samples
    (metrics.sample_diversity), and memorisation, the mean distance from a
    sample to its nearest training image (metrics.nearest_distances), each
    beside the test images' (diversity_data, nn_distance_data).
  - The independent critic's Wasserstein estimate between test images and
    samples, on halves the critic did not train on (independent_critic.py;
    critic_steps updates, 0: none; about 0 for samples distributed as the
    test images).
  - The training loss on as many test images and, to compare, training
    images (`held_out_loss`); for a model whose likelihood the loss does
    not give (PixelIQN), its estimated bits/dim on up to
    `likelihood_images` of each (`estimated_likelihood`).
  - With cas_per_class = N, class-conditional models get the
    Classification Accuracy Score of N samples per class (cas.py).
  - Models with latent_methods also get `latent_distances` on up to
    max(2 N, LATENT_IMAGES) training images.

  Args:
    model: the model to sample.
    classifier: from classifiers.load, or None (no FID / Inception score).
    num_samples: N.
    load_split: callable(split, limit) -> {"images": uint8 [<= limit, H, W,
      C] (, "labels")}, the model's dataset ('train' or 'test').
    batch_size, method, seed, progress: as `draw_samples`.
    cas_per_class: N, or 0 for no CAS.
    truncation: of the sampling noise (draw_samples).
    strategy: optional tf.distribute.Strategy: samples and classifier
      features are computed on its replicas, each on its slice of every
      batch, and gathered (the figures equal one device's).
    likelihood_images: see above (0: none).
    critic_steps: see above (0: none).

  Returns:
    dict of figures, plus 'method' (the sampler used).

  Raises:
    ValueError: for a model of events other than images, naming its space.
  """
  events.require(model.space, ('images',), 'evaluate_model (FID, '
                 'classifier scores, image statistics)')
  method = model.check_method(method)
  samples = draw_samples(model, num_samples, batch_size, method, seed,
                         progress, truncation=truncation, strategy=strategy)
  train, test = (load_split(split, num_samples) for split in
                 ('train', 'test'))
  results = dict(num_samples=len(samples), num_train=len(train['images']))
  if classifier is not None:
    results.update(metrics.evaluate(classifier, samples, train['images'],
                                    test['images'], strategy=strategy))
  if min(model.image_shape[:2]) >= 7:
    results.update(metrics.sliced_wasserstein(samples, train['images'],
                                              test['images'], seed))
  results.update(metrics.value_statistics(samples, train['images']))
  results.update({f'{k}_data': v for k, v in metrics.value_statistics(
      test['images'], train['images']).items()})
  # Diversity and memorisation, each beside the test images' own.
  for suffix, images in (('', samples), ('_data', test['images'])):
    if len(samples) > 1 and len(test['images']) > 1:  # Pairs to compare.
      results['diversity' + suffix] = metrics.sample_diversity(images,
                                                               seed=seed)
    results['nn_distance' + suffix] = float(np.mean(
        metrics.nearest_distances(images, train['images'])))
  if critic_steps and min(len(samples), len(test['images'])) >= 4:
    try:
      results.update(independent_critic.wasserstein_estimate(
          test['images'], samples, steps=critic_steps, seed=seed))
    except ValueError as e:  # An image size the critic does not take.
      logging.warning('No independent critic: %s', e)
  for prefix, examples in (('test', test), ('train', train)):
    results.update(held_out_loss(model, examples, batch_size, seed, prefix))
    if model.estimates_likelihood and likelihood_images:
      try:
        results.update(estimated_likelihood(
            model, {k: v[:likelihood_images] for k, v in examples.items()},
            batch_size, seed, prefix))
      except NotImplementedError as e:  # The snail backbone's.
        logging.warning('No %s bits/dim: %s', prefix, e)
  if cas_per_class and model.num_classes:
    sample_fn = lambda labels: draw_samples(
        model, len(labels), batch_size, method, seed + 1, labels=labels,
        strategy=strategy)
    results.update(cas.classification_accuracy_score(
        sample_fn, load_split('train', None), load_split('test', None),
        model.num_classes, cas_per_class, seed=seed))
  results['method'] = method
  if model.latent_methods:
    results['latent_sampler'] = method  # The name of the first releases.
    results.update(latent_distances(
        model, load_split('train', max(2 * num_samples, LATENT_IMAGES))[
            'images'], batch_size, seed))
  return results


def describe(results):
  """The figures of `evaluate_model`'s results, one line each, with floors.

  The one formatter of results: the evaluate binary prints these lines, the
  trainer and the benchmarks log them joined (`summary`).
  """
  floor = lambda name, fmt, what='test images': (
      '' if name not in results else
      f'  (floor: {what} {results[name]:{fmt}})')
  lines = []
  if 'fid' in results:
    lines.append(f'FID {results["fid"]:.3f}' + floor('fid_floor', '.3f') + (
        f'; against the test images {results["fid_against_test"]:.3f}'
        if 'fid_against_test' in results else ''))
  if 'inception_score' in results:
    lines += [f'Inception score {results["inception_score"]:.3f}' + (
                  f'  (10 splits: {results["inception_score_mean"]:.3f} +- '
                  f'{results["inception_score_std"]:.3f}; test images '
                  f'{results["test_inception_score"]:.3f})'
                  if 'inception_score_mean' in results else '')]
  if 'precision' in results:
    lines.append(f'precision {results["precision"]:.3f}, recall '
                 f'{results["recall"]:.3f} (k = 3 in the classifier\'s '
                 'features' + (f'; test images {results["test_precision"]:.3f}'
                               f', {results["test_recall"]:.3f})'
                               if 'test_precision' in results else ')'))
  if 'diversity' in results:
    lines.append(f'diversity (mean MS-SSIM of pairs, lower is more diverse) '
                 f'{results["diversity"]:.4f}  (test images '
                 f'{results["diversity_data"]:.4f})')
  if 'nn_distance' in results:
    lines.append('distance to the nearest training image (RMS, 0-255) '
                 f'{results["nn_distance"]:.2f}  (test images '
                 f'{results["nn_distance_data"]:.2f})')
  if 'critic_wasserstein' in results:
    lines.append('independent critic, Wasserstein estimate test images -> '
                 f'samples {results["critic_wasserstein"]:.3f} on held-out '
                 f'halves (0: as the test images; '
                 f'{results["critic_wasserstein_train"]:.3f} on the halves it '
                 'trained on)')
  if results.get('classifier_test_accuracy') is not None:
    lines.append('classifier test accuracy '
                 f'{results["classifier_test_accuracy"]:.4f}')
  if 'cas' in results:
    lines.append(f'Classification Accuracy Score {results["cas"]:.4f}  '
                 f'(classifier trained on {results["cas_per_class"]} samples '
                 'per class, scored on the test split; trained on as many '
                 f'real images: {results["cas_ceiling"]:.4f})')
  if 'swd' in results:
    levels = ', '.join(f'{k[4:]}x{k[4:]} {v:.3f}' for k, v in results.items()
                       if k.startswith('swd_') and k[4:].isdigit())
    lines.append(f'sliced Wasserstein distance x1e3 {results["swd"]:.3f}' + (
        f'  (floor: test images {results["swd_floor"]:.3f}'
        if 'swd_floor' in results else '  (') +
                 (f'; per level: {levels})' if levels else ')'))
  lines += [f'held-out {name} {results["test_" + name]:.4f}  (training '
            f'images {results["train_" + name]:.4f})'
            for name in sorted(k[5:] for k in results
                               if k.startswith('test_') and
                               f'train_{k[5:]}' in results)]
  if 'likelihood_epsilon' in results:
    lines.append('bits/dim estimated by the inverted sampler, each '
                 'sub-pixel\'s law smoothed with a uniform level of weight '
                 f'{results["likelihood_epsilon"]:g}; unreachable: the '
                 'share of sub-pixels the model itself gives no probability')
  lines += [f'{name} {results[name]:.4f}' for name in sorted(results)
            if name.startswith(('latent_w1_', 'latent_fd_'))]
  return lines


def summary(results):
  """`describe`'s lines joined on one line, for logs."""
  return '; '.join(describe(results))


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
