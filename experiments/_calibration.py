"""Calibration of a pixel model's conditionals on held-out images: the PIT.

The probability integral transform of a sub-pixel's level x under the
model's conditional given the true past (teacher forcing), randomised for
discrete levels (Czado, Gneiting & Held 2009):

  u = F(x - 1) + V * P(x),  V ~ U(0, 1),  F the conditional's CDF.

If the conditionals are the data's, u is uniform on [0, 1] over the
sub-pixels of images from the data. Conditionals too narrow for the data
(over-confident) put u near 0 and 1 (a U-shaped histogram, variance above
1/12); too wide ones put it near 1/2. A level the model does not draw
(PixelIQN: outside every draw of its quantile function; the others: a
probability below float32's resolution beside the rest) gives u = 0 or 1
(`beyond`).

PixelCNN and the PixelCNN++ head give P(level) in closed form. PixelIQN's
conditional is the law of round(Q(tau_k)) with tau_k and the tau of every
earlier sub-pixel uniform, as in training: F and P are the shares of
`num_draws` such draws, each a whole-image pass with fresh tau.
"""

import numpy as np
import tensorflow as tf

from aiqn_tf.core import images as image_lib
from aiqn_tf.models.heads import pixel_cnn

# u this close to 0 or 1: the level lies beyond the conditional's draws.
_EDGE = 1e-6


def _level_cdfs(model, inputs, levels):
  """(F(x - 1), P(x)) [B, H, W, C] from a closed-form level distribution."""
  probs = tf.nn.softmax(model.level_log_probs(model(inputs)), -1)
  lower = tf.range(pixel_cnn.NUM_LEVELS) < levels[..., None]
  below = tf.reduce_sum(probs * tf.cast(lower, probs.dtype), -1)
  return below, tf.gather(probs, levels, batch_dims=4)


_IMAGES_PER_CALL = 2000


def _quantile_cdfs(model, inputs, levels, num_draws, seed):
  """(F(x - 1), P(x)) [B, H, W, C]: shares of num_draws tau draws.

  seed: int [2], the first draw's stateless seed; draw k adds k to its second.
  """
  below = tf.zeros(levels.shape)
  at = tf.zeros(levels.shape)
  batch = levels.shape[0]
  # Several draws per call, the batch repeated (one call per draw cost most
  # of the time on small images); each draw's tau is the same as alone.
  per_call = max(1, _IMAGES_PER_CALL // batch)
  for first in range(0, num_draws, per_call):
    draws = range(first, min(first + per_call, num_draws))
    tau = tf.concat([tf.random.stateless_uniform(
        levels.shape, (seed[0], seed[1] + k)) for k in draws], 0)
    repeated = {key: None if value is None else tf.tile(
        value, [len(draws)] + [1] * (len(value.shape) - 1))
                for key, value in inputs.items()}
    drawn = tf.cast(image_lib.to_uint8(model(dict(repeated, tau=tau))),
                    tf.int32)
    drawn = tf.reshape(drawn, [len(draws)] + list(levels.shape))
    below += tf.reduce_sum(tf.cast(drawn < levels, tf.float32), 0)
    at += tf.reduce_sum(tf.cast(drawn == levels, tf.float32), 0)
  return below / num_draws, at / num_draws


def pit(model, images, labels=None, num_draws=100, seed=0, batch_size=100):
  """Randomised PIT of every sub-pixel of `images` under `model`.

  Args:
    model: a trained pixel model (PixelIQN, PixelCNN, PixelCNN++ head).
    images: uint8 [N, H, W, C], the model's image shape.
    labels: int [N] for a class-conditional model, else None.
    num_draws: PixelIQN's tau draws per image (its F's resolution is
      1 / num_draws); unused by the others.
    seed: of the tau draws and of V.
    batch_size: images per pass.

  Returns:
    float32 [N, H, W, C] in [0, 1]: uniform if the conditionals are the data's.

  Raises:
    ValueError: on images of another shape, or a model with neither tau nor
      level probabilities.
  """
  images = np.asarray(images)
  if images.ndim != 4 or tuple(images.shape[1:]) != tuple(model.image_shape):
    raise ValueError(f'images must be uint8 [N, '
                     f'{", ".join(map(str, model.image_shape))}], got '
                     f'{list(images.shape)}.')
  if not model.uses_tau and not hasattr(model, 'level_log_probs'):
    raise ValueError(f'{type(model).__name__} has neither tau nor level '
                     'probabilities: no PIT.')
  if model.num_classes and labels is None:
    raise ValueError(f'{type(model).__name__} is class-conditional: give '
                     'labels.')
  out = []
  for start in range(0, len(images), batch_size):
    batch = {'images': images[start:start + batch_size],
             'labels': None if labels is None else labels[start:start +
                                                           batch_size]}
    inputs = model.model_inputs(batch)
    levels = tf.cast(batch['images'], tf.int32)
    if model.uses_tau:
      # The tau draws' seeds are even, V's odd: no stream is used twice.
      below, at = _quantile_cdfs(model, inputs, levels, num_draws,
                                 (2 * seed, start * num_draws))
    else:
      below, at = _level_cdfs(model, inputs, levels)
    v = tf.random.stateless_uniform(levels.shape, (2 * seed + 1, start))
    out.append(tf.clip_by_value(below + v * at, 0.0, 1.0).numpy())
  return np.concatenate(out)


def summary(u, bins=10):
  """Figures of PIT values u (any shape) in [0, 1].

  Returns:
    dict: `variance_ratio`, var(u) * 12 (1 if uniform; above: over-confident
    conditionals, below: too wide); `tails`, the share of u in the outer
    tenth (u < 0.05 or u > 0.95; 0.1 if uniform); `beyond`, the share at 0
    or 1 (a level the model does not draw); `histogram`, the shares of
    `bins` equal bins (each 1 / bins if uniform).
  """
  u = np.asarray(u, np.float64).ravel()
  return dict(
      variance_ratio=float(12.0 * np.var(u)),
      tails=float(np.mean((u < 0.05) | (u > 0.95))),
      beyond=float(np.mean((u < _EDGE) | (u > 1.0 - _EDGE))),
      histogram=(np.histogram(u, bins, (0.0, 1.0))[0] / u.size).tolist())


def recalibrated_noise(u, noise):
  """Noise drawn from the PIT's law: the sampler's uniform noise remapped.

  Sampling with tau' = G^-1(tau), G the empirical law of the held-out PIT
  `u`, makes the conditionals' draws land where held-out data lands
  (Kuleshov et al. 2018's recalibration, pooled over sub-pixels): if the
  conditionals are over-confident, tau' is pushed to the tails.

  Args:
    u: PIT values (any shape) from `pit`.
    noise: float32 uniform noise in [0, 1] (any shape).

  Returns:
    float32 like `noise`, in [0, 1].
  """
  noise = np.asarray(noise)
  return tf.constant(np.quantile(np.asarray(u, np.float64).ravel(),
                                 noise.ravel()).reshape(noise.shape).astype(
                                     np.float32))
