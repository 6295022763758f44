"""PixelIQN's likelihood of 8-bit images: the sampler inverted, sub-pixel by sub-pixel.

PixelIQN's sampler is a triangular map from tau to images: with values fed
back unrounded, y_k = clip(Q(tau_k | y_<k, tau_<k), -1, 1) in raster order (R
before G before B inside a pixel), and the 8-bit image is round(y). So the
probability the model gives an 8-bit image x is the volume of the tau that
the sampler sends to x. Given the past, the tau_k whose quantile rounds
to x_k form a set (`level_set`): one interval wherever Q increases in tau_k
(almost everywhere for a trained model), several where it does not
(quantile crossing, reported as `crossing`).

Both are particle filters: each image's particles walk the sub-pixels
together; at each one every particle chooses a tau_k of the set given its
own past, verified to round to x_k (a trained Q can turn inside the grid's
cells, so the set found is checked), and the particles are resampled in
proportion to the probability each gives x_k, so a particle whose past
puts x_k out of reach is replaced by a copy of one that reaches it (Q
depends on the past tau as well as the past values, so the tau chosen for
one sub-pixel changes the reach of the next).

- `invert`: tau with sample(tau) == x, the first particle's path.
- `log_prob`: the particle filter's estimate of P(x), the product over
  sub-pixels of the particles' mean probability of x_k (the set's
  measure): unbiased (up to the search's resolution), so its log is a
  lower bound on log P(x) in expectation (Jensen) that tightens as the
  particles grow, as IWAE's; with one particle, sequential importance
  sampling.

Both walk the sub-pixels in the sampler core's loop (sampling.cached),
choosing each tau_k before the sampler's step uses it; the candidates of
tau_k are tried on the backbone's caches (`sampling_candidates`: one
single-pixel pass each), so the cost is linear in the number of sub-pixels,
like sampling's, times the search's evaluations. method='sequential' is the
reference: one whole-image pass per search round (quadratic; small images,
and the snail backbone, whose attention makes candidates costly).
"""

import weakref

import numpy as np
import tensorflow as tf

from aiqn_tf.models import base
from aiqn_tf.models import sampling
from aiqn_tf.models.layers import slicing

GRID = 32  # Cells of [0, 1] per sub-pixel: Q is taken as monotone in each.
SUB = 8  # A refinement round cuts a switch's bracket into SUB parts.
ROUNDS = 5  # Refinement rounds: switches to 1 / (GRID * SUB**ROUNDS) ~ 1e-6.
SLOTS = 4  # Switches refined per sub-pixel (a monotone Q has at most 2).
TRIES = 8  # Points of the set evaluated to verify the tau_k chosen.
PARTICLES = 8  # invert's walks per image.
METHODS = ('fast', 'sequential')
# The smoothing of the bits/dim evaluations report (log_prob's epsilon): an
# unreachable level costs log2(256 / EPSILON), about 18 bits.
EPSILON = 1e-3


def _levels(quantiles):
  """The 8-bit level a sampled value rounds to (images.to_uint8, as float)."""
  return tf.clip_by_value(tf.round((quantiles + 1.0) * 127.5), 0.0, 255.0)


def _check(model, images, labels, method):
  """images float32 [B, H, W, C] in [-1, 1]; labels; the method."""
  if not model.can_invert:
    raise ValueError(
        f'{type(model).__name__} has no tau to invert: PixelIQN does; '
        'PixelCNN and the PixelCNN++ head give their exact log-likelihood '
        '(log_prob).')
  if method not in (None,) + METHODS:
    raise ValueError(f'method must be one of {METHODS}, got {method!r}.')
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
  images = base.checked_images(images)
  if model.num_classes and labels is None:
    raise ValueError(f'{type(model).__name__} is class-conditional: give '
                     'labels.')
  return (images, None if labels is None else tf.convert_to_tensor(
      labels, tf.int32), method or 'fast')


def level_set(quantiles, targets, grid=GRID, rounds=ROUNDS, slots=SLOTS):
  """Where tau_k's quantile rounds to each target level: segments per cell.

  [0, 1] is cut into `grid` cells and Q evaluated at their ends. In each
  cell Q is taken as monotone, so the predicates level >= x_k and level <=
  x_k each switch at most once there; a predicate that differs at a cell's
  ends switches inside it. The first `slots` such switches are refined by
  `rounds` rounds of SUB - 1 points each (to 1 / (grid * SUB**rounds));
  further ones (only where Q turns more than once, quantile crossing) are
  put at their cell's middle. The set's part in a cell is where both
  predicates hold, so a bin narrower than a cell is found too.

  Args:
    quantiles: f(candidates float32 [N, M] in [0, 1]) -> Q float32 [N, M],
      the sub-pixel's quantile at each candidate tau_k, the past fixed.
    targets: float32 [N], the levels (0..255) wanted.
    grid, rounds, slots: the search (see above).

  Returns:
    (starts [N, grid], lengths [N, grid]: the in-set segment of each cell;
     nearest [N]: the grid tau whose level is nearest the target, for
     levels no tau reaches; crossing [N] bool: Q decreased somewhere on the
     grid).
  """
  n = targets.shape[0]
  targets = targets[:, None]
  points = tf.tile(tf.linspace(0.0, 1.0, grid + 1)[None], [n, 1])
  q = quantiles(points)
  levels = _levels(q)
  crossing = tf.reduce_any(q[:, 1:] < q[:, :-1], axis=1)
  nearest = tf.gather(points, tf.argmin(tf.abs(levels - targets), axis=1),
                      batch_dims=1)
  # The two predicates at the cells' ends: [N, grid + 1, 2].
  ends = tf.stack([levels >= targets, levels <= targets], -1)
  at_lo, at_hi = ends[:, :-1], ends[:, 1:]
  switches = tf.reshape(tf.not_equal(at_lo, at_hi), [n, 2 * grid])
  # The first `slots` switches (cell-major, then predicate).
  order = tf.range(2 * grid, 0, -1)
  _, index = tf.math.top_k(tf.where(switches, order, 0), slots)
  valid = tf.gather(switches, index, batch_dims=1)
  cell = tf.cast(index // 2, tf.float32)
  upper = tf.equal(index % 2, 1)  # The predicate level <= x.
  holds_at_a = tf.gather(tf.reshape(at_lo, [n, 2 * grid]), index,
                         batch_dims=1)
  a, b = cell / grid, (cell + 1) / grid
  inner = tf.linspace(0.0, 1.0, SUB + 1)[1:-1]
  for _ in range(rounds):
    tried = a[..., None] + (b - a)[..., None] * inner  # [N, slots, SUB - 1]
    tried_levels = tf.reshape(_levels(quantiles(
        tf.reshape(tried, [n, -1]))), tried.shape)
    holds = tf.where(upper[..., None], tried_levels <= targets[..., None],
                     tried_levels >= targets[..., None])
    flipped = tf.not_equal(holds, holds_at_a[..., None])
    # In [a, tried..., b], the first point where the predicate has flipped
    # (b if none of the tried ones has).
    first = tf.where(tf.reduce_any(flipped, -1),
                     tf.argmax(tf.cast(flipped, tf.int32), -1,
                               output_type=tf.int32) + 1, SUB)
    bracket = tf.concat([a[..., None], tried, b[..., None]], -1)
    a = tf.gather(bracket, first - 1, batch_dims=2)
    b = tf.gather(bracket, first, batch_dims=2)
  # Every switch at its refined place, or at its cell's middle.
  lo = tf.broadcast_to(points[:, :-1, None], at_lo.shape)
  hi = tf.broadcast_to(points[:, 1:, None], at_lo.shape)
  placed = tf.one_hot(index, 2 * grid) * tf.cast(valid, tf.float32)[..., None]
  refined = tf.reshape(tf.reduce_max(placed, 1) > 0, at_lo.shape)
  switch = tf.where(refined, tf.reshape(tf.reduce_sum(
      placed * ((a + b) / 2)[..., None], 1), at_lo.shape), (lo + hi) / 2)
  # Where each predicate holds in each cell: [start, end] (nowhere if it
  # holds at neither end), and the set where both do.
  start = tf.where(at_lo, lo, switch)
  end = tf.where(at_hi, hi, switch)
  starts = tf.reduce_max(start, -1)
  lengths = tf.where(tf.reduce_all(at_lo | at_hi, -1),
                     tf.maximum(tf.reduce_min(end, -1) - starts, 0.0), 0.0)
  return starts, lengths, nearest, crossing


def _at_measure(starts, lengths, u):
  """The points [N, M] at fractions u [N, M] in [0, 1) of the set's measure."""
  mass = tf.cumsum(lengths, axis=1)
  target = u * tf.reduce_sum(lengths, 1, keepdims=True)
  cell = tf.minimum(tf.reduce_sum(tf.cast(
      mass[:, None, :] <= target[..., None], tf.int32), -1),
                    lengths.shape[1] - 1)
  before = tf.gather(mass - lengths, cell, batch_dims=1)
  return tf.clip_by_value(
      tf.gather(starts, cell, batch_dims=1) + (target - before), 0.0, 1.0)


def _decide(quantiles, targets, draws, search, epsilon, invert,
            first_particle):
  """One sub-pixel of the walk, for every particle.

  The set is found on a grid on which Q is taken as monotone in each cell;
  a trained Q can turn inside a cell (quantile crossing), so the tau_k
  chosen is verified: TRIES points of the set are evaluated and only one
  whose level is the target is taken: uniform draws from the set, the
  first verified one taken (a uniform draw from the verified part of the
  set; invert tries the middle of the set's longest segment first on each
  image's first particle). For log_prob, the set's measure times the share
  verified is the level's probability: an unbiased estimate of the measure
  of the set's verified part, so the walk's estimate stays unbiased for a
  lower bound on P(x); for invert, a particle's weight is whether it
  reaches the level.

  Args:
    quantiles, targets, search: as in `level_set`.
    draws: float32 [N, TRIES + 2] uniform: where in the set, which branch
      of the epsilon-smoothed model (and the resampling, not read here).
    epsilon: weight of the uniform level in each sub-pixel's law (0: the
      model itself).
    invert: bool, weigh particles by whether they reach the level (and no
      smoothing).
    first_particle: bool [N], each image's first particle.

  Returns:
    (tau_k [N]; log of the level's probability given the past [N] (-inf
    where epsilon = 0 and Q cannot reach the level; invert: 0 or -inf,
    whether a tau reaches it); reachable [N]: a tau was verified to reach
    it; crossing [N]; exact [N] bool: the uniform branch was taken, so the
    level itself is fed back and tau_k is a plain uniform draw).
  """
  starts, lengths, nearest, crossing = level_set(quantiles, targets, **search)
  tried = _at_measure(starts, lengths, draws[:, :TRIES])
  if invert:
    longest = tf.argmax(lengths, axis=1, output_type=tf.int32)
    middle = (tf.gather(starts, longest, batch_dims=1) +
              tf.gather(lengths, longest, batch_dims=1) / 2)
    tried = tf.concat([tf.where(first_particle, middle, tried[:, 0])[:, None],
                       tried[:, 1:]], 1)
  total = tf.reduce_sum(lengths, 1)
  hits = tf.equal(_levels(quantiles(tried)), targets[:, None])
  hits &= (total > 0)[:, None]
  reachable = tf.reduce_any(hits, 1)
  first = tf.argmax(tf.cast(hits, tf.int32), 1, output_type=tf.int32)
  chosen = tf.where(reachable, tf.gather(tried, first, batch_dims=1),
                    nearest)
  if invert:
    return chosen, tf.math.log(tf.cast(reachable, tf.float32)), reachable, \
        crossing, tf.zeros_like(reachable)
  measure = total * tf.reduce_mean(tf.cast(hits, tf.float32), 1)
  probability = (1.0 - epsilon) * measure + epsilon / 256.0
  exact = draws[:, TRIES] * probability >= (1.0 - epsilon) * measure
  exact &= probability > 0
  chosen = tf.where(exact, draws[:, 0], chosen)
  return chosen, tf.math.log(probability), reachable, crossing, exact


def _initial_state(targets):
  """(tau [N, size], log of the image's estimate [N] (the same for its
  particles), crossings [N], reachable [N, size])."""
  n, size = targets.shape
  return (tf.fill([n, size], 0.5), tf.zeros([n]), tf.zeros([n]),
          tf.ones([n, size], tf.bool))


def _record(state, k, particles, chosen, log_probability, reachable,
            crossing, offsets):
  """Records sub-pixel k's decision and resamples the particles.

  The image's estimate gains the log of its particles' mean probability,
  and the particles are resampled in proportion to their probabilities
  (systematic resampling at `offsets` [N / particles] in [0, 1)): the
  particle filter's estimate of P(x), unbiased, a product of these means.
  With one particle it is plain sequential importance sampling. Where every
  particle of an image has probability 0, the order is kept.

  Returns:
    (state, order int32 [N]: particle b continues particle order[b]; None
    with one particle).
  """
  tau, log_estimate, crossings, all_reachable = state
  this = tf.equal(tf.range(tau.shape[1]), k)[None]
  state = (tf.where(this, chosen[:, None], tau), log_estimate,
           crossings + tf.cast(crossing, tf.float32),
           tf.where(this, reachable[:, None], all_reachable))
  if particles == 1:  # Nothing to resample: no reordering of the caches.
    return (state[0], log_estimate + log_probability) + state[2:], None
  log_p = tf.reshape(log_probability, [-1, particles])
  log_mean = tf.reduce_logsumexp(log_p, 1) - np.log(particles)
  alive = tf.math.is_finite(log_mean)
  weights = tf.where(alive[:, None], tf.exp(
      log_p - tf.reduce_logsumexp(log_p, 1, keepdims=True)), 1.0 / particles)
  edges = tf.cumsum(weights, axis=1)
  positions = (tf.range(particles, dtype=tf.float32)[None] +
               offsets[:, None]) / particles
  ancestor = tf.minimum(tf.reduce_sum(tf.cast(
      edges[:, None, :] <= positions[..., None], tf.int32), -1),
                        particles - 1)
  order = tf.reshape(ancestor + particles * tf.range(
      tf.shape(log_p)[0])[:, None], [-1])
  state = tf.nest.map_structure(lambda x: tf.gather(x, order), state)
  log_estimate = state[1] + tf.repeat(log_mean, particles)
  return (state[0], log_estimate) + state[2:], order


def _fed_back(values, exact, targets):
  """The values fed back [N, ...]: the level itself where `exact`."""
  exact = tf.reshape(exact, [-1] + [1] * (len(values.shape) - 1))
  level = tf.reshape(targets / 127.5 - 1.0, exact.shape)
  return tf.where(exact, level, values)


def _fast_walk(model, targets, labels, draws, search, epsilon, particles,
               invert, num_fixed):
  """The sampler core's loop, each tau_k chosen on the caches first."""
  backbone = model.backbone
  height, width, channels = model.image_shape
  shape = [targets.shape[0], height, width, channels]
  first_particle = tf.equal(tf.range(shape[0]) % particles, 0)

  def pixel_fn(cache, context, x_row, i, j, c, state):
    k = (i * width + j) * channels + c
    quantiles = lambda candidates: backbone.sampling_candidates(
        cache, context, x_row, i, j, c, candidates)[..., 0]
    target = tf.gather(targets, k, axis=1)
    draw = tf.gather(draws, k, axis=1)
    *decided, exact = _decide(quantiles, target, draw, search, epsilon,
                              invert, first_particle)
    offsets = tf.reshape(draw[:, TRIES + 1], [-1, particles])[:, 0]
    state, order = _record(state, k, particles, *decided, offsets)
    if order is not None:
      cache, context = backbone.sampling_reorder(cache, context, order)
      x_row, exact = tf.gather(x_row, order), tf.gather(exact, order)
    pixel = tf.reshape(slicing.take(state[0], 1, k - c, channels),
                       [shape[0], channels])
    context = backbone.sampling_with_tau(context, i, j, pixel)
    outputs, cache = backbone.sampling_pixel(cache, context, x_row, i, j, c)
    values = _fed_back(model.sample_values(outputs, None), exact, target)
    return values, cache, context, state, order

  start = tf.fill(shape, 0.5)
  _, state = sampling.cached(
      backbone, model.sample_values, start, start, labels,
      images=tf.reshape(targets / 127.5 - 1.0, shape), num_fixed=num_fixed,
      pixel_fn=pixel_fn, state=_initial_state(targets))
  return state


def _sequential_walk(model, targets, labels, draws, search, epsilon,
                     particles, invert, num_fixed):
  """The reference: one whole-image pass per search round."""
  shape = [targets.shape[0]] + list(model.image_shape)
  state = _initial_state(targets)
  fixed = tf.range(targets.shape[1])[None] < num_fixed
  values = tf.where(fixed, targets / 127.5 - 1.0, 0.0)
  first_particle = tf.equal(tf.range(shape[0]) % particles, 0)

  def quantiles_at(tau, values, k, candidates):
    n, m = candidates.shape
    this = tf.equal(tf.range(tau.shape[1]), k)[None]
    tried = tf.where(this, tf.reshape(candidates, [n * m, 1]),
                     tf.repeat(tau, m, axis=0))
    inputs = {'images': tf.reshape(tf.repeat(values, m, axis=0),
                                   [n * m] + shape[1:]),
              'tau': tf.reshape(tried, [n * m] + shape[1:])}
    if labels is not None:
      inputs['labels'] = tf.repeat(labels, m)
    return tf.reshape(tf.reshape(model(inputs), [n * m, -1])[:, k], [n, m])

  for k in range(num_fixed, targets.shape[1]):
    draw = draws[:, k]
    *decided, exact = _decide(
        lambda candidates: quantiles_at(state[0], values, k, candidates),
        targets[:, k], draw, search, epsilon, invert, first_particle)
    offsets = tf.reshape(draw[:, TRIES + 1], [-1, particles])[:, 0]
    state, order = _record(state, k, particles, *decided, offsets)
    if order is not None:
      values, exact = tf.gather(values, order), tf.gather(exact, order)
    q = quantiles_at(state[0], values, k, state[0][:, k:k + 1])[:, 0]
    value = _fed_back(tf.clip_by_value(q, -1.0, 1.0), exact, targets[:, k])
    this = tf.equal(tf.range(values.shape[1]), k)[None]
    values = tf.where(this, value[:, None], values)
  return state


_COMPILED = weakref.WeakKeyDictionary()  # model -> {search: tf.function}


def _walk(model, targets, labels, seed, method, search, epsilon, particles,
          invert=False, num_fixed=0, jit_compile=True):
  """(tau [N, H W C], log estimate [N], crossings [N], reachable [N, H W C]);
  N = images x particles, each image's particles consecutive."""
  draws = tf.random.stateless_uniform(targets.shape + [TRIES + 2],
                                      [seed, 0])
  if method == 'sequential':
    return _sequential_walk(model, targets, labels, draws, search, epsilon,
                            particles, invert, num_fixed)
  key = (invert, float(epsilon), particles, bool(jit_compile)) + tuple(
      sorted(search.items()))
  functions = _COMPILED.setdefault(model, {})
  if key not in functions:
    # XLA-compiled as the sampler is (unless asked not to); one function per
    # setting, its traces per batch shape kept by tf.function.
    functions[key] = tf.function(
        lambda t, l, d, n: _fast_walk(model, t, l, d, search, epsilon,
                                      particles, invert, n),
        jit_compile=bool(jit_compile))
  return functions[key](targets, labels, draws, tf.constant(num_fixed,
                                                            tf.int32))


def _search(grid, rounds, slots):
  for name, value in (('grid', grid), ('rounds', rounds), ('slots', slots)):
    if int(value) < 1:
      raise ValueError(f'{name} must be >= 1, got {value}.')
  return dict(grid=int(grid), rounds=int(rounds), slots=int(slots))


def _particles(images, labels, particles):
  """images and labels repeated per particle, each image's consecutive."""
  if int(particles) < 1:
    raise ValueError(f'The particles (num_samples) must be >= 1, got '
                     f'{particles}.')
  reps = lambda x: None if x is None else tf.repeat(x, particles, axis=0)
  return (tf.reshape(_levels(reps(images)), [images.shape[0] * particles,
                                             -1]), reps(labels))


def _fixed(model, num_fixed):
  size = int(np.prod(model.image_shape))
  if not 0 <= int(num_fixed) < size:
    raise ValueError(f'num_fixed must be in [0, {size}) (sub-pixels of the '
                     f'given prefix in raster order), got {num_fixed}.')
  return int(num_fixed)


def invert(model, images, labels=None, method=None, particles=PARTICLES,
           seed=0, num_fixed=0, grid=GRID, rounds=ROUNDS, slots=SLOTS,
           jit_compile=True):
  """tau [B, H, W, C] in [0, 1] whose sample rounds to `images`.

  A particle filter: each image's `particles` walks choose different
  verified tau_k (see _decide), and a walk whose next level is out of reach
  given its past is replaced by a copy of one that reaches it, so the
  inverse fails only where every particle's past fails. The first
  particle's tau is returned.

  Args:
    model: a PixelIQN.
    images: float32 [B, H, W, C] in [-1, 1] on 8-bit levels (images.to_float
      of uint8, data or samples).
    labels: int32 [B] for a class-conditional model.
    method: 'fast' (the default: on the sampler's caches, XLA-compiled) or
      'sequential' (whole-image passes).
    particles: walks per image, >= 1 (the cost grows with them).
    seed: of the particles' draws.
    num_fixed: sub-pixels (raster order, R < G < B) given as a prefix, as
      the sampler's inpainting takes them: the walk starts after them, and
      model.sample(tau, images=images, num_fixed=num_fixed) gives the rest
      back. Their tau is 0.5 (not read).
    grid, rounds, slots: the search (level_set): each set's ends to 1 /
      (grid * SUB**rounds).
    jit_compile: compile the fast walk with XLA (the default: faster per
      call; the compile costs seconds per setting and batch shape, which a
      one-off estimate on a few small images may rather skip). The same
      walk either way.

  Returns:
    (tau float32 [B, H, W, C], reachable bool [B, H, W, C]): where a level
    is outside the range of Q given every particle's past, tau is the grid
    tau whose level is nearest it and reachable is False there.
  """
  images, labels, method = _check(model, images, labels, method)
  shape = [-1] + list(model.image_shape)
  targets, labels = _particles(images, labels, particles)
  tau, _, _, reachable = _walk(model, targets, labels, seed, method,
                               _search(grid, rounds, slots), 0.0,
                               int(particles), invert=True,
                               num_fixed=_fixed(model, num_fixed),
                               jit_compile=jit_compile)
  return (tf.reshape(tau[::particles], shape),
          tf.reshape(reachable[::particles], shape))


def log_prob(model, images, labels=None, num_samples=1, seed=0, epsilon=0.0,
             method=None, num_fixed=0, grid=GRID, rounds=ROUNDS,
             slots=SLOTS, jit_compile=True):
  """log P(x) in nats of 8-bit images under PixelIQN's discretised model.

  A particle filter with `num_samples` particles per image: at each
  sub-pixel every particle draws tau_k uniformly from the set of tau_k whose
  quantile rounds to x_k given its own past, the image's estimate is
  multiplied by the particles' mean probability of x_k (the set's measure),
  and the particles are resampled in proportion to those probabilities.
  The estimate is an unbiased estimate of P(x) (up to the search's
  resolution, and only the verified part of each set counted: see
  _decide), so its log is a lower bound on log P(x) in expectation that
  tightens as num_samples grows; with one particle it is sequential
  importance sampling. Where Q is not increasing in tau_k (quantile
  crossing) the set is measured over all its segments as long as Q turns at
  most once a cell and at most `slots` switches need refining; `crossing`
  reports the share of sub-pixels where the grid saw Q decrease.

  A level outside the range of Q given every particle's past has
  probability 0, and so has the image: log P(x) = -inf. `epsilon` > 0 gives
  instead the likelihood of the smoothed sampler that, at each sub-pixel,
  with probability epsilon feeds back a uniformly drawn level instead of
  the quantile (its tau still drawn): P(x_k | past) = (1 - epsilon) |set_k|
  + epsilon / 256 > 0, estimated the same way with the branch drawn in
  proportion. It costs the model's own likelihood at most -log(1 -
  epsilon) nats per sub-pixel and an unreachable level log(256 / epsilon).

  Args:
    model: a PixelIQN.
    images: float32 [B, H, W, C] in [-1, 1] on 8-bit levels.
    labels: int32 [B] for a class-conditional model.
    num_samples: particles per image, >= 1 (the cost grows with them).
    seed: of the draws.
    epsilon: in [0, 1), the smoothing (0: the model itself).
    method, num_fixed, grid, rounds, slots, jit_compile: as in `invert`;
      with num_fixed > 0 the result is log P(the rest | the prefix), the
      diagnostics over the rest.

  Returns:
    (log_prob float32 [B] nats, diagnostics: {'crossing': float32 [B], the
    share of sub-pixels where Q decreased on the grid; 'unreachable':
    float32 [B], the share of sub-pixels whose level Q cannot reach given
    the particle's past, averaged over the surviving particles' paths}).
  """
  images, labels, method = _check(model, images, labels, method)
  if not 0.0 <= epsilon < 1.0:
    raise ValueError(f'epsilon must be in [0, 1), got {epsilon}.')
  batch = images.shape[0]
  targets, labels = _particles(images, labels, num_samples)
  num_fixed = _fixed(model, num_fixed)
  _, log_estimate, crossings, reachable = _walk(
      model, targets, labels, seed, method, _search(grid, rounds, slots),
      epsilon, int(num_samples), num_fixed=num_fixed,
      jit_compile=jit_compile)
  per_image = lambda x: tf.reduce_mean(tf.reshape(x, [batch, -1]), 1)
  walked = targets.shape[1] - num_fixed
  return log_estimate[::num_samples], {
      'crossing': per_image(crossings) / walked,
      'unreachable': per_image(1.0 - tf.cast(reachable[:, num_fixed:],
                                              tf.float32))}


def bits_per_dim(log_prob_nats, image_shape):
  """-log2 P(x) / (H W C): the PixelCNN family's unit."""
  return -log_prob_nats / (np.log(2.0) * int(np.prod(image_shape)))
