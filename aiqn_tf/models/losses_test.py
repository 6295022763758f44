"""The losses against their formulas and gradients."""

import math

import numpy as np
from scipy import special
import tensorflow as tf

from aiqn_tf.models import losses


def _reference(u, tau, kappa):
  """rho^kappa_tau(u) from the paper's formula, in float64 numpy."""
  indicator = (u < 0).astype(np.float64)
  huber = np.where(np.abs(u) <= kappa, 0.5 * u**2,
                   kappa * (np.abs(u) - 0.5 * kappa))
  return np.abs(tau - indicator) * huber / kappa


def _reference_grad_quantile(u, tau, kappa):
  """d rho / d quantile = -d rho / d u, with the indicator held constant."""
  indicator = (u < 0).astype(np.float64)
  d_huber = np.where(np.abs(u) <= kappa, u, kappa * np.sign(u))
  return -np.abs(tau - indicator) * d_huber / kappa


class QuantileHuberLossTest(tf.test.TestCase):

  def setUp(self):
    super().setUp()
    self.kappa = 0.1
    # Errors inside and outside [-kappa, kappa], on both sides of zero.
    self.u = np.array([-1.3, -0.25, -0.1, -0.04, 0.03, 0.1, 0.2, 0.9])
    self.tau = np.array([0.1, 0.9, 0.5, 0.3, 0.7, 0.05, 0.95, 0.5])
    self.targets = np.linspace(-0.8, 0.8, self.u.size)

  def _loss_and_grads(self, kappa):
    quantiles = tf.constant(self.targets - self.u)
    tau = tf.constant(self.tau)
    with tf.GradientTape(persistent=True) as tape:
      tape.watch([quantiles, tau])
      loss = losses.quantile_huber_loss(tf.constant(self.targets), quantiles,
                                        tau, kappa)
    return (loss.numpy(), tape.gradient(loss, quantiles).numpy(),
            tape.gradient(loss, tau).numpy())

  def test_matches_formula(self):
    loss, _, _ = self._loss_and_grads(self.kappa)
    self.assertAllClose(loss, _reference(self.u, self.tau, self.kappa))

  def test_gradient_matches_formula(self):
    _, d_quantiles, d_tau = self._loss_and_grads(self.kappa)
    self.assertAllClose(d_quantiles,
                        _reference_grad_quantile(self.u, self.tau, self.kappa))
    # The indicator carries no gradient: d/dtau |tau - 1{u<0}| only.
    huber = _reference(self.u, np.full_like(self.u, 1.0), self.kappa) + \
        _reference(self.u, np.zeros_like(self.u), self.kappa)
    self.assertAllClose(d_tau, np.sign(self.tau - (self.u < 0)) * huber)

  def test_gradient_outside_kappa_is_kappa_free(self):
    outside = np.abs(self.u) > 0.05
    _, small, _ = self._loss_and_grads(0.05)
    _, smaller, _ = self._loss_and_grads(0.001)
    self.assertAllClose(small[outside], smaller[outside])
    self.assertAllClose(np.abs(small[outside]),
                        np.abs(self.tau - (self.u < 0))[outside])

  def test_pinball_limit(self):
    loss, _, _ = self._loss_and_grads(1e-9)
    pinball = (self.tau - (self.u < 0)) * self.u
    self.assertAllClose(loss, pinball, atol=1e-8)

  def test_elementwise_shape(self):
    shape = (2, 4, 4, 3)
    loss = losses.quantile_huber_loss(tf.zeros(shape), tf.ones(shape),
                                      tf.fill(shape, 0.5))
    self.assertEqual(loss.shape, shape)

  def test_rejects_nonpositive_kappa(self):
    with self.assertRaisesRegex(ValueError, 'kappa'):
      losses.quantile_huber_loss(0.0, 0.0, 0.5, kappa=0.0)


class SoftmaxLossTest(tf.test.TestCase):

  def test_cross_entropy_and_bits(self):
    rng = np.random.default_rng(0)
    logits = rng.normal(size=(2, 3, 256))
    levels = rng.integers(0, 256, size=(2, 3))
    log_probs = logits - np.log(np.exp(logits).sum(-1, keepdims=True))
    expected = -np.take_along_axis(log_probs, levels[..., None], -1)[..., 0]
    nats = losses.softmax_cross_entropy(levels, tf.constant(logits))
    self.assertAllClose(nats, expected)
    self.assertAllClose(losses.bits_per_dim(nats), expected / math.log(2))
    # A uniform softmax costs exactly 8 bits per sub-pixel.
    self.assertAllClose(
        losses.bits_per_dim(losses.softmax_cross_entropy([7], tf.zeros((1, 256)))),
        [8.0])


class DiscretizedLogisticMixtureTest(tf.test.TestCase):

  def _params(self, shape, seed=0):
    rng = np.random.default_rng(seed)
    # Log-scales from very sharp (below the -7 floor) to very flat, means
    # also beyond [-1, 1]: the edge bins and both tails.
    return (rng.normal(size=shape), rng.uniform(-1.5, 1.5, shape),
            rng.uniform(-9.0, 2.0, shape))

  def test_sums_to_one_over_the_levels(self):
    logits, means, log_scales = self._params((50, 5))
    log_p = losses.discretized_logistic_mixture_log_prob(
        tf.range(256)[:, None], *(tf.constant(p[None], tf.float32)
                                  for p in (logits, means, log_scales)))
    self.assertEqual(log_p.shape, (256, 50))
    self.assertAllClose(tf.reduce_sum(tf.exp(log_p), 0), np.ones(50),
                        atol=1e-5)

  def test_matches_direct_evaluation(self):
    logits, means, log_scales = self._params((300, 3), seed=1)
    levels = np.random.default_rng(2).integers(0, 256, 300)
    levels[:20], levels[20:40] = 0, 255
    x = 2 * levels[:, None] / 255 - 1
    scale = np.exp(np.maximum(log_scales, losses.MIN_LOG_SCALE))
    cdf = lambda v: special.expit((v - means) / scale)
    upper = np.where(levels[:, None] == 255, 1.0, cdf(x + 1 / 255))
    lower = np.where(levels[:, None] == 0, 0.0, cdf(x - 1 / 255))
    weights = np.exp(logits) / np.exp(logits).sum(-1, keepdims=True)
    expected = (weights * (upper - lower)).sum(-1)
    log_p = losses.discretized_logistic_mixture_log_prob(
        levels, *(tf.constant(p, tf.float32)
                  for p in (logits, means, log_scales)))
    self.assertAllClose(np.exp(log_p), expected, atol=1e-6, rtol=1e-4)

  def test_the_cdf_sums_the_levels_below_a_bin_edge(self):
    logits, means, log_scales = self._params((20, 4), seed=3)
    params = [tf.constant(p, tf.float32) for p in (logits, means, log_scales)]
    log_p = losses.discretized_logistic_mixture_log_prob(
        tf.range(256)[:, None], *(p[None] for p in params))
    below = np.cumsum(np.exp(log_p.numpy()), axis=0)  # P(level <= l).
    for level in (0, 17, 128, 254):
      edge = tf.fill([20], 2 * level / 255 - 1 + 1 / 255)
      self.assertAllClose(losses.logistic_mixture_cdf(edge, *params),
                          below[level], atol=1e-5)
    # A 16-bit step: the same law on finer bins.
    step = 1 / 32768
    log_p = losses.discretized_logistic_mixture_log_prob(
        tf.range(65536)[:, None], *(p[None] for p in params),
        num_levels=65536, step=step)
    total = np.exp(log_p.numpy().astype(np.float64)).sum(0)
    self.assertAllClose(total, np.ones(20), atol=1e-4)
    below = np.exp(log_p.numpy().astype(np.float64))[:40000].sum(0)
    edge = tf.fill([20], 39999 * step - 1 + step / 2)
    self.assertAllClose(losses.logistic_mixture_cdf(edge, *params), below,
                        atol=1e-4)

  def test_gradients_finite_in_the_tails(self):
    # A level far from a sharp component, and a very flat component.
    params = [tf.Variable(v, dtype=tf.float32) for v in (
        [[0.0, 0.0]], [[-1.0, 0.3]], [[-7.0, 6.0]])]
    with tf.GradientTape() as tape:
      log_p = losses.discretized_logistic_mixture_log_prob([255], *params)
    self.assertTrue(np.isfinite(log_p.numpy()).all())
    for grad in tape.gradient(log_p, params):
      self.assertTrue(np.isfinite(grad.numpy()).all())


if __name__ == '__main__':
  tf.test.main()
