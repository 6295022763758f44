"""Losses: the Huber quantile loss of PixelIQN and the softmax loss of PixelCNN."""

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


def bits_per_dim(nats):
  """Converts a mean negative log-likelihood per sub-pixel from nats to bits."""
  return nats / math.log(2.0)
