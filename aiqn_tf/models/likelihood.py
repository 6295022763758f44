"""PixelIQN's likelihood of 8-bit images: the sampler inverted, sub-pixel by sub-pixel.

PixelIQN's sampler is a triangular map from tau to images: with values fed
back unrounded, y_k = clip(Q(tau_k | y_<k, tau_<k), -1, 1) in raster order (R
before G before B inside a pixel), and the 8-bit image is round(y). So the
probability the model gives an 8-bit image x is the volume of the tau that
the sampler sends to x. Given the past, the tau_k whose quantile rounds
to x_k form a set (`level_set`): one interval wherever Q increases in tau_k
(almost everywhere for a trained model), several where it does not
(quantile crossing, reported as `crossing`).

- `invert`: tau with sample(tau) == x: tau_k the middle of the set's longest
  segment, the past the values so reached.
- `log_prob`: sequential importance sampling (a particle filter with one
  particle per draw): tau_k drawn uniformly from the set given the draw's
  past, and the product of the sets' measures is an unbiased estimate of
  P(x); the log of its mean over `num_samples` draws is a lower bound on
  log P(x) in expectation (Jensen), tightening as they grow, as IWAE's.

The set is found cell by cell on a grid of `grid` cells of [0, 1], its ends
refined to 1 / (grid * SUB**rounds); Q is taken as monotone within a cell. This module evaluates Q with one full network pass per search
round for all candidates at once (exact, simple, quadratic in the number of
sub-pixels: for small images and tests); the fast sampler's caches are the
way to make it linear.
"""

import numpy as np
import tensorflow as tf

GRID = 32  # Cells of [0, 1] per sub-pixel.
SUB = 8  # Points per refinement round of a cell's switch.
ROUNDS = 6  # Refinement rounds: switches to 1 / (GRID * SUB**ROUNDS) ~ 1e-7.


def _levels(quantiles):
  """The 8-bit level a sampled value rounds to (images.to_uint8, as float)."""
  return tf.clip_by_value(tf.round((quantiles + 1.0) * 127.5), 0.0, 255.0)


def _check(model, images, labels):
  """images as float32 [B, H, W, C] in [-1, 1] on 8-bit levels; labels."""
  if not getattr(getattr(model, 'backbone', None), 'use_tau', False):
    raise ValueError(
        f'{type(model).__name__} has no tau to invert: PixelIQN does; '
        'PixelCNN and the PixelCNN++ head give their exact log-likelihood '
        '(negative_log_likelihood).')
  images = tf.convert_to_tensor(images)
  if not images.dtype.is_floating:
    raise TypeError(f'images must be float (images.to_float of uint8), got '
                    f'{images.dtype.name}.')
  images = tf.cast(images, tf.float32)
  if tuple(images.shape[1:]) != tuple(model.image_shape) or len(
      images.shape) != 4:
    raise ValueError(f'images must have shape [batch, '
                     f'{", ".join(map(str, model.image_shape))}], got '
                     f'{list(images.shape)}.')
  if tf.reduce_any(tf.abs(images) > 1.0):
    raise ValueError('images must be in [-1, 1] (images.to_float of uint8).')
  if model.num_classes and labels is None:
    raise ValueError(f'{type(model).__name__} is class-conditional: give '
                     'labels.')
  return images, None if labels is None else tf.convert_to_tensor(
      labels, tf.int32)


def _quantiles_at(model, values, tau, labels, k, candidates):
  """Q_k at each candidate tau_k: [N, M], the past fixed.

  Args:
    values: float32 [N, H, W, C], the sampled values so far.
    tau: float32 [N, H, W, C], tau so far (sub-pixels before k set).
    k: flat sub-pixel index.
    candidates: float32 [N, M] values of tau_k.
  """
  n, m = candidates.shape
  shape = tau.shape[1:]
  flat = tf.reshape(tf.repeat(tau, m, axis=0), [n * m, -1])
  column = tf.one_hot(k, flat.shape[1], dtype=tf.float32)
  flat = flat * (1.0 - column) + tf.reshape(candidates, [-1, 1]) * column
  inputs = {'images': tf.repeat(values, m, axis=0),
            'tau': tf.reshape(flat, [n * m] + list(shape))}
  if labels is not None:
    inputs['labels'] = tf.repeat(labels, m)
  out = tf.reshape(model(inputs), [n * m, -1])[:, k]
  return tf.reshape(out, [n, m])


def level_set(model, values, tau, labels, k, targets, grid=GRID,
              rounds=ROUNDS):
  """Where tau_k's quantile rounds to each target level: segments per cell.

  [0, 1] is cut into `grid` cells. In each, Q is taken as monotone, so the
  predicates level >= x_k and level <= x_k each switch at most once; their
  switches are found by `rounds` rounds of a SUB-point search (to 1 / (grid
  * SUB**rounds)) and the set's part in the cell is where both hold: a bin
  narrower than a cell is found too. Where Q is not increasing (quantile
  crossing) the set has several segments and the measure and the draws see
  all of them, as long as Q turns at most once a cell.

  Args:
    model: a PixelIQN.
    values, tau: float32 [N, H, W, C], the past (sub-pixels before k).
    labels: int32 [N] or None.
    k: the flat sub-pixel index (raster order, channels innermost).
    targets: float32 [N], the levels (0..255) wanted at k.
    grid, rounds: cells, and refinement rounds of a cell's switch.

  Returns:
    (starts [N, grid], lengths [N, grid]: the in-set segment of each cell;
     nearest [N]: the grid tau whose level is nearest the target, for
     levels no tau reaches; crossing [N] bool: Q decreased somewhere on the
     grid).
  """
  n = values.shape[0]
  targets = targets[:, None]
  points = tf.tile(tf.linspace(0.0, 1.0, grid + 1)[None], [n, 1])
  q = _quantiles_at(model, values, tau, labels, k, points)
  levels = _levels(q)
  crossing = tf.reduce_any(q[:, 1:] < q[:, :-1], axis=1)
  nearest = tf.gather(points, tf.argmin(tf.abs(levels - targets), axis=1),
                      batch_dims=1)
  # Two predicates, each switching at most once in a cell where Q is
  # monotone: level >= x and level <= x. [N, grid, 2] at the cells' ends.
  tests = lambda lv, t: tf.stack([lv >= t, lv <= t], -1)
  ends = tests(levels, targets)
  lo, hi = points[:, :-1, None], points[:, 1:, None]
  at_lo, at_hi = ends[:, :-1], ends[:, 1:]
  lo, hi = tf.broadcast_to(lo, at_lo.shape), tf.broadcast_to(hi, at_lo.shape)
  a, b = lo, hi  # Each predicate's switch lies in [a, b].
  steps = tf.linspace(0.0, 1.0, SUB + 1)
  for _ in range(rounds):
    sub = a[..., None] + (b - a)[..., None] * steps  # [N, grid, 2, SUB + 1]
    sub_levels = tf.reshape(_levels(_quantiles_at(
        model, values, tau, labels, k, tf.reshape(sub, [n, -1]))), sub.shape)
    sub_tests = tf.stack([sub_levels[:, :, 0] >= targets[..., None],
                          sub_levels[:, :, 1] <= targets[..., None]], 2)
    changed = tf.not_equal(sub_tests, at_lo[..., None])
    first = tf.argmax(tf.cast(changed, tf.int32), axis=3,
                      output_type=tf.int32)
    first = tf.where(tf.reduce_any(changed, 3), first, SUB)
    a = tf.gather(sub, tf.maximum(first - 1, 0), batch_dims=3)
    b = tf.gather(sub, tf.maximum(first, 1), batch_dims=3)
  switch = (a + b) / 2
  # Where each predicate holds in the cell: [start, end] (empty if neither
  # end holds).
  start = tf.where(at_lo, lo, switch)
  end = tf.where(at_hi, hi, switch)
  holds = at_lo | at_hi
  starts = tf.reduce_max(start, -1)
  lengths = tf.where(tf.reduce_all(holds, -1),
                     tf.maximum(tf.reduce_min(end, -1) - starts, 0.0), 0.0)
  return starts, lengths, nearest, crossing


def _choose(starts, lengths, u=None):
  """A tau in the set: the middle of its longest segment, or, given u [N]
  in [0, 1), the point at u of the set's measure (a uniform draw)."""
  if u is None:
    longest = tf.argmax(lengths, axis=1, output_type=tf.int32)
    return (tf.gather(starts, longest, batch_dims=1) +
            tf.gather(lengths, longest, batch_dims=1) / 2)
  total = tf.reduce_sum(lengths, 1)
  mass = tf.cumsum(lengths, axis=1)
  target = u * total
  cell = tf.minimum(tf.reduce_sum(tf.cast(mass <= target[:, None], tf.int32),
                                  1), lengths.shape[1] - 1)
  before = tf.gather(mass - lengths, cell, batch_dims=1)
  return tf.gather(starts, cell, batch_dims=1) + (target - before)


def _raster(model):
  height, width, channels = model.image_shape
  return height * width * channels


def invert(model, images, labels=None, grid=GRID, rounds=ROUNDS):
  """tau [B, H, W, C] in [0, 1] whose sample rounds to `images`.

  Args:
    model: a PixelIQN.
    images: float32 [B, H, W, C] in [-1, 1] on 8-bit levels (images.to_float
      of uint8, data or samples).
    labels: int32 [B] for a class-conditional model.
    grid, rounds: the interval search (ends to 1 / grid**rounds).

  Returns:
    (tau float32 [B, H, W, C], reachable bool [B, H, W, C]): where a level
    is outside the range of Q given the past, tau is clamped to the end of
    [0, 1] nearest to it and reachable is False there.
  """
  images, labels = _check(model, images, labels)
  shape = [-1] + list(model.image_shape)
  targets = tf.reshape(_levels(images), [images.shape[0], -1])
  values = tf.zeros_like(images)
  tau = tf.fill(tf.shape(images), 0.5)
  reachable = []
  for k in range(_raster(model)):
    starts, lengths, nearest, _ = level_set(model, values, tau, labels, k,
                                            targets[:, k], grid, rounds)
    ok = tf.reduce_sum(lengths, 1) > 0
    # Unreachable levels: the grid tau whose level is nearest.
    chosen = tf.where(ok, _choose(starts, lengths), nearest)
    tau = _set(tau, k, chosen)
    q = _quantiles_at(model, values, tau, labels, k, chosen[:, None])[:, 0]
    values = _set(values, k, tf.clip_by_value(q, -1.0, 1.0))
    reachable.append(ok)
  return tf.reshape(tau, shape), tf.reshape(tf.stack(reachable, 1), shape)


def log_prob(model, images, labels=None, num_samples=1, seed=0, grid=GRID,
             rounds=ROUNDS):
  """log P(x) in nats of 8-bit images under PixelIQN's discretised model.

  Sequential importance sampling: for each of `num_samples` draws, tau_k ~
  U[a_k, b_k] given the draw's past, weight prod_k (b_k - a_k); returns the
  log of the mean weight (an unbiased estimate of P(x) inside the log, so a
  lower bound on log P(x) in expectation that tightens as num_samples
  grows). Where Q is not increasing in tau_k the search finds one crossing
  of each end, so the interval misses or adds the tau of the other
  crossings: the estimate is no longer unbiased there; `crossing` reports
  the share of such sub-pixels.

  Args:
    model: a PixelIQN.
    images: float32 [B, H, W, C] in [-1, 1] on 8-bit levels.
    labels: int32 [B] for a class-conditional model.
    num_samples: importance draws per image.
    seed: of the draws.
    grid, rounds: the interval search.

  Returns:
    (log_prob float32 [B] nats, crossing float32 [B]: the share of searched
    sub-pixels where the first grid saw Q decrease).
  """
  images, labels = _check(model, images, labels)
  batch = images.shape[0]
  reps = lambda x: None if x is None else tf.repeat(x, num_samples, axis=0)
  targets = tf.reshape(_levels(reps(images)), [batch * num_samples, -1])
  labels = reps(labels)
  values = tf.zeros_like(reps(images))
  tau = tf.fill(tf.shape(values), 0.5)
  log_weight = tf.zeros([batch * num_samples])
  crossings = tf.zeros([batch * num_samples])
  for k in range(_raster(model)):
    starts, lengths, _, crossing = level_set(model, values, tau, labels, k,
                                             targets[:, k], grid, rounds)
    u = tf.random.stateless_uniform(crossing.shape, [seed, k])
    chosen = tf.clip_by_value(_choose(starts, lengths, u), 0.0, 1.0)
    log_weight += tf.math.log(tf.reduce_sum(lengths, 1))
    crossings += tf.cast(crossing, tf.float32)
    tau = _set(tau, k, chosen)
    q = _quantiles_at(model, values, tau, labels, k, chosen[:, None])[:, 0]
    values = _set(values, k, tf.clip_by_value(q, -1.0, 1.0))
  log_weight = tf.reshape(log_weight, [batch, num_samples])
  result = tf.reduce_logsumexp(log_weight, 1) - np.log(num_samples)
  return result, tf.reduce_mean(tf.reshape(crossings, [batch, num_samples]),
                                 1) / _raster(model)


def _set(x, k, value):
  """x [N, H, W, C] with flat sub-pixel k set to value [N]."""
  flat = tf.reshape(x, [x.shape[0], -1])
  column = tf.one_hot(k, flat.shape[1], dtype=x.dtype)
  return tf.reshape(flat * (1 - column) + value[:, None] * column, x.shape)


def bits_per_dim(log_prob_nats, image_shape):
  """-log2 P(x) / (H W C): the PixelCNN family's unit."""
  return -log_prob_nats / (np.log(2.0) * int(np.prod(image_shape)))
