"""Losses: PixelIQN's Huber quantile loss, PixelCNN's softmax loss and
PixelCNN++'s discretized logistic mixture likelihood."""

import math

import tensorflow as tf


def quantile_huber_loss(targets, quantiles, tau, kappa=0.002):
  """Element-wise Huber quantile loss rho^kappa_tau(targets - quantiles).

  With u = targets - quantiles (paper eq. 2, as in QR-DQN and IQN):

    rho^kappa_tau(u) = |tau - 1{u < 0}| * L_kappa(u) / kappa,
    L_kappa(u) = u^2 / 2             if |u| <= kappa,
                 kappa (|u| - kappa/2) otherwise.

  The division by kappa is intentional: outside [-kappa, kappa] the gradient
  magnitude is |tau - 1{u < 0}| whatever kappa is, and as kappa -> 0 the loss
  tends to the pinball loss (tau - 1{u < 0}) u. The indicator carries no
  gradient.

  Args:
    targets: float tensor, the observed values (e.g. images in [-1, 1]).
    quantiles: float tensor of the same shape, the network's Q(tau).
    tau: float tensor of the same shape, quantile levels in [0, 1].
    kappa: float > 0, the Huber threshold in the targets' scale.

  Returns:
    float tensor of the inputs' shape: the loss of each element, unreduced.

  Raises:
    ValueError: if kappa is not positive.
  """
  if not kappa > 0:
    raise ValueError(f'kappa must be > 0, got {kappa}; use a small value such '
                     'as 1e-6 for the plain quantile (pinball) loss.')
  u = targets - quantiles
  abs_u = tf.abs(u)
  huber = tf.where(abs_u <= kappa, 0.5 * tf.square(u),
                   kappa * (abs_u - 0.5 * kappa))
  indicator = tf.stop_gradient(tf.cast(u < 0.0, u.dtype))
  return tf.abs(tau - indicator) * huber / kappa


def softmax_cross_entropy(levels, logits):
  """Element-wise negative log-likelihood of integer levels under logits.

  Args:
    levels: integer tensor [...] of levels in [0, num_levels).
    logits: float tensor [..., num_levels].

  Returns:
    float32 tensor [...]: -log softmax(logits)[level], in nats.
  """
  return tf.nn.sparse_softmax_cross_entropy_with_logits(
      labels=tf.cast(levels, tf.int32), logits=logits)


# PixelCNN++'s floor on the logistic log-scales (openai/pixel-cnn's -7).
MIN_LOG_SCALE = -7.0


def _log1mexp(d):
  """log(1 - exp(-d)) for d > 0, accurate at both ends (Maechler, 2012)."""
  # Each branch sees only its own range: the other's -inf would make the
  # gradient through tf.where NaN.
  small = tf.minimum(d, math.log(2.0))
  large = tf.maximum(d, math.log(2.0))
  return tf.where(d < math.log(2.0), tf.math.log(-tf.math.expm1(-small)),
                  tf.math.log1p(-tf.exp(-large)))


def discretized_logistic_mixture_log_prob(levels, logits, means, log_scales,
                                          num_levels=256, step=None):
  """log P(level) under PixelCNN++'s discretized mixture of logistics.

  Level l in [0, num_levels) is the value x = l step - 1 of the model scale
  (step 2 / (num_levels - 1) by default: 8-bit images' [-1, 1]; 16-bit
  audio's is 1 / 32768), and owns the bin [x - d, x + d] with d = step / 2;
  level 0's bin extends to -inf and the last level's to +inf, so the
  probabilities of the levels sum to exactly 1 (Salimans et al., 2017,
  eq. 2). Each component's bin mass sigmoid(a) - sigmoid(b) is computed
  as sigmoid(a) sigmoid(-b) (1 - exp(b - a)) in logs, accurate in both tails
  without PixelCNN++'s density fallback.

  Args:
    levels: integer tensor [...] of levels in [0, num_levels), broadcastable
      against the parameters' leading axes.
    logits: float32 [..., K], the mixture's unnormalized log-weights.
    means: float32 [..., K], the components' locations in the [-1, 1] scale.
    log_scales: float32 [..., K], clipped below at MIN_LOG_SCALE.
    num_levels: number of levels (256 for 8-bit images).
    step: the model-scale distance between levels (None: 2 / (num_levels -
      1)).

  Returns:
    float32 [...] (the broadcast leading shape): log P(level), in nats.
  """
  levels = tf.cast(levels, tf.float32)[..., None]
  if step is None:
    half_bin = 1.0 / (num_levels - 1)
    x = 2.0 * levels / (num_levels - 1) - 1.0
  else:
    half_bin = step / 2.0
    x = levels * step - 1.0
  inv_scale = tf.exp(-tf.maximum(log_scales, MIN_LOG_SCALE))
  upper = inv_scale * (x - means + half_bin)
  lower = inv_scale * (x - means - half_bin)
  inner = (tf.math.log_sigmoid(upper) + tf.math.log_sigmoid(-lower) +
           _log1mexp(2.0 * half_bin * inv_scale))
  component = tf.where(levels <= 0, tf.math.log_sigmoid(upper),
                       tf.where(levels >= num_levels - 1,
                                tf.math.log_sigmoid(-lower), inner))
  return tf.reduce_logsumexp(tf.nn.log_softmax(logits) + component, axis=-1)


def logistic_mixture_log_density(x, logits, means, log_scales):
  """log p(x) of continuous values under a mixture of logistics, in nats.

  p(x) = sum_k pi_k sigmoid'((x - mu_k) / s_k) / s_k, with the logistic
  density's log -z - log s - 2 softplus(-z) at z = (x - mu) / s.

  Args:
    x: float32 [...], broadcastable against the parameters' leading axes.
    logits, means, log_scales: float32 [..., K], as
      `discretized_logistic_mixture_log_prob`'s.

  Returns:
    float32 [...]: log p(x).
  """
  log_scales = tf.maximum(log_scales, MIN_LOG_SCALE)
  z = (x[..., None] - means) * tf.exp(-log_scales)
  component = -z - log_scales - 2.0 * tf.nn.softplus(-z)
  return tf.reduce_logsumexp(tf.nn.log_softmax(logits) + component, axis=-1)


def logistic_mixture_cdf(x, logits, means, log_scales):
  """P(value <= x) under a mixture of logistics (PixelCNN++'s, undiscretised).

  Args:
    x: float32 [...], broadcastable against the parameters' leading axes.
    logits, means, log_scales: float32 [..., K], as
      `discretized_logistic_mixture_log_prob`'s.

  Returns:
    float32 [...]: the mixture's CDF at x, in [0, 1].
  """
  inv_scale = tf.exp(-tf.maximum(log_scales, MIN_LOG_SCALE))
  return tf.reduce_sum(tf.nn.softmax(logits) * tf.sigmoid(
      inv_scale * (x[..., None] - means)), -1)


def bits_per_dim(nats):
  """Converts a mean negative log-likelihood per sub-pixel from nats to bits."""
  return nats / math.log(2.0)
