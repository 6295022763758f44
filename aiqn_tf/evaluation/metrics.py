"""Sample quality metrics through TF-GAN.

FID and Inception score from classifier outputs: activations and logits are
gathered batch by batch in eager mode (TF-GAN's streaming metrics need graph
mode), then TF-GAN's functions compute the metrics in float64:

  FID = |mu1 - mu2|^2 + Tr(S1 + S2 - 2 (S1 S2)^(1/2))  on the activations,
  IS  = exp(E_x KL(p(y|x) || p(y)))                      on the logits.

Sliced Wasserstein distance (Karras et al. 2018) needs no classifier: the
distance between the distributions of 7x7 patches of each level of the
images' Laplacian pyramids, through TF-GAN's `sliced_wasserstein_distance`.
"""

import numpy as np
import tensorflow as tf

from aiqn_tf.evaluation import replicas
from aiqn_tf.evaluation import tfgan_compat


def classifier_outputs(classifier, images, batch_size=100, strategy=None):
  """Runs `classifier` over uint8 images in batches.

  Args:
    classifier: callable uint8 [n, H, W, C] -> {"pool_3": [n, D],
      "logits": [n, K]} (see `classifiers`).
    images: uint8 [N, H, W, C].
    batch_size: images per call (over all replicas).
    strategy: optional tf.distribute.Strategy: each replica runs the
      classifier on its slice of every batch and the outputs are gathered.

  Returns:
    (activations float64 [N, D], logits float64 [N, K]).
  """
  activations, logits = [], []
  call = lambda x: {k: v for k, v in classifier(x).items()
                    if k in ('pool_3', 'logits')}
  for start in range(0, len(images), batch_size):
    out = replicas.run_sliced(strategy, call,
                              [np.asarray(images[start:start + batch_size])])
    activations.append(np.asarray(out['pool_3'], np.float64))
    logits.append(np.asarray(out['logits'], np.float64))
  return np.concatenate(activations), np.concatenate(logits)


def frechet_distance(activations1, activations2):
  """TF-GAN's Frechet distance between two activation sets [N, D], float64."""
  tfgan = tfgan_compat.tfgan()
  return float(tfgan.eval.frechet_classifier_distance_from_activations(
      tf.constant(activations1, tf.float64),
      tf.constant(activations2, tf.float64)))


def inception_score(logits, num_splits=10):
  """Inception score of logits [N, K].

  Returns:
    (TF-GAN's single value over all N, mean and standard deviation of the
     score over `num_splits` equal splits, the usual report).
  """
  tfgan = tfgan_compat.tfgan()
  score = lambda x: float(tfgan.eval.classifier_score_from_logits(
      tf.constant(x, tf.float64)))
  splits = [score(part) for part in np.array_split(logits, num_splits)]
  return score(logits), float(np.mean(splits)), float(np.std(splits))


def latent_wasserstein(codes, reference):
  """Per-dimension 1-Wasserstein distance between two code sets, averaged.

  Args:
    codes: float [N, m] latent samples (e.g. the AIQN's or the prior's).
    reference: float [M, m] (e.g. the encoder's codes of training images).

  Returns:
    (mean over the m dimensions, float array [m] of the distances).
  """
  from scipy import stats  # pylint: disable=g-import-not-at-top
  codes, reference = np.asarray(codes), np.asarray(reference)
  if codes.ndim != 2 or codes.shape[1:] != reference.shape[1:]:
    raise ValueError(f'codes {codes.shape} and reference {reference.shape} '
                     'must both be [N, m] with the same m.')
  distances = np.array([stats.wasserstein_distance(codes[:, i],
                                                   reference[:, i])
                        for i in range(codes.shape[1])])
  return float(distances.mean()), distances


def precision_recall(real, fake, k=3):
  """Improved precision and recall (Kynkaanniemi et al. 2019) of two sets.

  Each set's manifold is the union of balls around its points, of radius
  the distance to the point's k-th nearest neighbour in its own set.
  Precision: the share of `fake` inside the real manifold (samples as
  faithful as data); recall: the share of `real` inside the fake one (how
  much of the data the samples cover).

  Args:
    real, fake: float [N, D] and [M, D] features (a classifier's
      activations), N, M > k.
    k: the neighbour setting the radii (the paper's 3).

  Returns:
    (precision, recall), floats in [0, 1].
  """
  real, fake = (np.asarray(x, np.float64) for x in (real, fake))
  if real.ndim != 2 or fake.shape[1:] != real.shape[1:]:
    raise ValueError(f'real {real.shape} and fake {fake.shape} must both be '
                     '[N, D] with the same D.')
  if min(len(real), len(fake)) <= k:
    raise ValueError(f'Both sets need more than k = {k} points, got '
                     f'{len(real)} and {len(fake)}.')
  distances = lambda a, b: np.sqrt(np.maximum(
      (a * a).sum(1)[:, None] + (b * b).sum(1)[None] - 2 * a @ b.T, 0.0))
  # Row i's k-th neighbour in its own set (column 0 is the point itself).
  radii = lambda x: np.sort(distances(x, x), axis=1)[:, k]
  inside = lambda points, centres: np.mean(np.any(
      distances(points, centres) <= radii(centres)[None], axis=1))
  return float(inside(fake, real)), float(inside(real, fake))


def evaluate(classifier, samples, train_images, test_images=None,
             batch_size=100, strategy=None):
  """FID and Inception score of model samples, and the FID floor.

  Args:
    classifier: see `classifier_outputs`.
    samples: uint8 [N, H, W, C] model samples.
    train_images: uint8 [M, H, W, C] training images (the paper: N = M).
    test_images: optional uint8 held-out images: their FID against the
      training images is the floor a perfect model reaches at that size.

  Returns:
    dict of floats: fid, inception_score, inception_score_mean,
    inception_score_std, precision, recall (against the training images, in
    the classifier's features; where both sets have more than 3 images),
    num_samples, num_train, and fid_floor, fid_against_test (the
    samples' FID against the test images),
    test_inception_score, test_precision, test_recall when test_images is
    given (no Inception scores with a classifier of the rotation task).
  """
  outputs = lambda images: classifier_outputs(classifier, images, batch_size,
                                              strategy)
  sample_act, sample_logits = outputs(samples)
  train_act, _ = outputs(train_images)
  results = dict(fid=frechet_distance(sample_act, train_act),
                 num_samples=len(samples), num_train=len(train_images))
  # k-NN radii need more than k = 3 images a set (tiny test folders have
  # fewer).
  enough = lambda *sets: min(len(x) for x in sets) > 3
  if enough(train_act, sample_act):
    results['precision'], results['recall'] = precision_recall(train_act,
                                                               sample_act)
  # A classifier of the rotation task (data without labels) has no classes
  # whose spread an Inception score could measure.
  classes = getattr(classifier, 'task', 'classes') == 'classes'
  if classes:
    score, mean, std = inception_score(sample_logits)
    results.update(inception_score=score, inception_score_mean=mean,
                   inception_score_std=std)
  if test_images is not None:
    test_act, test_logits = outputs(test_images)
    results['fid_floor'] = frechet_distance(test_act, train_act)
    # Against the training images a model can score below the floor by
    # fitting them more closely than held-out images sit; against the test
    # images it cannot.
    results['fid_against_test'] = frechet_distance(sample_act, test_act)
    if enough(train_act, test_act):
      results['test_precision'], results['test_recall'] = precision_recall(
          train_act, test_act)
    if classes:
      results['test_inception_score'] = inception_score(test_logits)[0]
  return results


def sliced_wasserstein(samples, train_images, test_images=None, seed=0):
  """Sliced Wasserstein distance of samples to training images, and its floor.

  TF-GAN's `sliced_wasserstein_distance` on the Laplacian pyramids (levels
  from the full size down to 16x16, or the full size alone below that) with
  64 patches of 7x7 per image and level, each level's patches normalized;
  reported x 1000 as in Karras et al. (2018). Grey images are repeated into
  three channels (TF-GAN takes RGB) and non-square ones centre-cropped to a
  square.

  Args:
    samples: uint8 [N, H, W, C], H, W >= 7.
    train_images: uint8 [M, H, W, C]; each set is compared with as many
      training images as it has (or all M, when fewer), as TF-GAN needs.
    test_images: optional uint8 held-out images: their distance to the
      training images is the floor a perfect model reaches at that size.
    seed: int. TF-GAN draws patches with NumPy's global generator and
      projections with TensorFlow's global seed: both are seeded from it
      (NumPy's state is restored after).

  Returns:
    dict of floats: swd (the mean over levels), swd_<size> per level, and
    swd_floor, swd_floor_<size> when test_images is given.
  """
  tfgan = tfgan_compat.tfgan()
  height, width = np.shape(samples)[1:3]
  if min(height, width) < 7:
    raise ValueError(f'Sliced Wasserstein distance needs images of at least '
                     f'7x7 (its patches), got {height}x{width}.')
  size = min(height, width)

  def prepare(images):
    images = np.asarray(images)
    top, left = (height - size) // 2, (width - size) // 2
    images = images[:, top:top + size, left:left + size]
    if images.shape[-1] == 1:
      images = np.repeat(images, 3, axis=-1)
    return tf.constant(images, tf.float32)

  levels = [size // 2**i for i in range(max(
      1, int(np.log2(size)) - int(np.log2(min(16, size))) + 1))]
  train = prepare(train_images)
  sets = {'swd': samples}
  if test_images is not None:
    sets['swd_floor'] = test_images
  results = {}
  state = np.random.get_state()
  try:
    for name, images in sets.items():
      np.random.seed(seed)
      tf.random.set_seed(seed)
      count = min(len(images), len(train))  # TF-GAN compares equal counts.
      distances = [float(fake) * 1e3 for _, fake in
                   tfgan.eval.sliced_wasserstein_distance(
                       train[:count], prepare(images[:count]))]
      results[name] = float(np.mean(distances))
      results.update({f'{name}_{level}': d
                      for level, d in zip(levels, distances)})
  finally:
    np.random.set_state(state)
  return results


# MS-SSIM's weights of its five scales (Wang et al. 2003), as TF's default.
_MS_SSIM_WEIGHTS = (0.0448, 0.2856, 0.3001, 0.2363, 0.1333)


def ssim_settings(height, width):
  """(filter size, scales) of MS-SSIM for images of this size.

  TF's defaults (11x11 filter, 5 scales) need 161 pixels a side; smaller
  images get a smaller filter and fewer scales, down to single-scale SSIM
  with a 3x3 filter for 8x8.
  """
  side = min(height, width)
  if side < 16:
    return min(3, side), 1
  filter_size = 11 if side >= 161 else 7 if side >= 64 else (
      5 if side >= 17 else 3)
  scales = 1
  while scales < 5 and (filter_size - 1) * 2**scales + 1 <= side:
    scales += 1
  return filter_size, scales


def sample_diversity(images, num_pairs=300, seed=0):
  """Mean MS-SSIM over random pairs of a set (Rosca et al. 2018's diversity).

  Lower is more diverse; a collapsed generator rises above the data's own
  figure. Scales and filter follow `ssim_settings` (single-scale SSIM where
  the images are too small for two scales).

  Args:
    images: uint8 [N, H, W, C], N >= 2.
    num_pairs: random pairs of distinct images.
    seed: of the pairs.

  Returns:
    float in [-1, 1].
  """
  images = np.asarray(images)
  if len(images) < 2:
    raise ValueError(f'Diversity needs at least 2 images, got {len(images)}.')
  rng = np.random.default_rng(seed)
  first = rng.integers(0, len(images), num_pairs)
  second = (first + rng.integers(1, len(images), num_pairs)) % len(images)
  a, b = (tf.constant(images[index], tf.float32) for index in (first, second))
  filter_size, scales = ssim_settings(*images.shape[1:3])
  if scales == 1:
    values = tf.image.ssim(a, b, 255.0, filter_size=filter_size)
  else:
    weights = np.array(_MS_SSIM_WEIGHTS[:scales])
    values = tf.image.ssim_multiscale(
        a, b, 255.0, power_factors=tuple(weights / weights.sum()),
        filter_size=filter_size)
  return float(tf.reduce_mean(values))


def nearest_distances(images, reference):
  """RMS pixel distance (0-255) of each image to its nearest in reference.

  Args:
    images: uint8 [N, H, W, C]; reference: uint8 [M, H, W, C].

  Returns:
    float [N]. Samples nearer the training images than test images are
    (memorisation) show it; exact copies give 0.
  """
  a = np.asarray(images).reshape(len(images), -1).astype(np.float64)
  b = np.asarray(reference).reshape(len(reference), -1).astype(np.float64)
  squared = (a * a).sum(1)[:, None] + (b * b).sum(1)[None] - 2 * a @ b.T
  return np.sqrt(np.maximum(squared.min(1), 0.0) / a.shape[1])


def value_statistics(images, reference):
  """How a set's sub-pixel values sit against a reference set's.

  A quantile network's samples can smear the data's point masses (a black
  background, saturated strokes, 17 grey levels) into values between them;
  these figures show it.

  Args:
    images: uint8 [N, H, W, C], e.g. samples.
    reference: uint8 [M, H, W, C], e.g. training images: its levels are the
      values that occur in it.

  Returns:
    dict of floats: values_between_levels (share of sub-pixels at a value
    the reference never takes), values_at_0, values_at_255 (shares at the
    extremes) and values_spread (the standard deviation across images at
    each position, averaged over positions, in levels).
  """
  images = np.asarray(images)
  levels = np.zeros(256, bool)
  levels[np.unique(np.asarray(reference))] = True
  return dict(values_between_levels=float(np.mean(~levels[images])),
              values_at_0=float(np.mean(images == 0)),
              values_at_255=float(np.mean(images == 255)),
              values_spread=float(images.astype(np.float64).std(0).mean()))
