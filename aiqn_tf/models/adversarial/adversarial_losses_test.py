"""The adversarial losses against their formulas, the penalty by finite differences."""

import numpy as np
import tensorflow as tf

from aiqn_tf.models.adversarial import adversarial_losses as adv


class LossFormulaTest(tf.test.TestCase):

  def test_wasserstein_losses(self):
    real, fake = np.array([1.0, -2.0, 0.5]), np.array([0.3, 0.1, -4.0])
    self.assertAllClose(adv.wasserstein_critic_loss(real, fake), fake - real)
    self.assertAllClose(adv.wasserstein_generator_loss(fake), -fake)

  def test_discriminator_losses_against_log_sigmoid(self):
    rng = np.random.default_rng(0)
    real, fake = rng.normal(size=8) * 5, rng.normal(size=8) * 5
    d_real, d_fake = 1 / (1 + np.exp(-real)), 1 / (1 + np.exp(-fake))
    self.assertAllClose(adv.discriminator_loss(real, fake),
                        -np.log(d_real) - np.log(1 - d_fake), rtol=1e-5)
    self.assertAllClose(adv.non_saturating_loss(fake), -np.log(d_fake),
                        rtol=1e-5)
    self.assertAllClose(adv.log_ratio_loss(fake),
                        -(np.log(d_fake) - np.log(1 - d_fake)), rtol=1e-4)
    # Far out, where sigmoid saturates in float32, still finite.
    far = adv.discriminator_loss(tf.constant([200.0, -200.0]),
                                 tf.constant([-200.0, 200.0]))
    self.assertAllClose(far, [0.0, 400.0])


class GradientPenaltyTest(tf.test.TestCase):

  def _critic(self):
    # A nonlinear critic, independent across examples.
    rng = np.random.default_rng(1)
    w1 = tf.constant(rng.normal(size=(12, 5)), tf.float64)
    w2 = tf.constant(rng.normal(size=(5,)), tf.float64)
    return lambda x: tf.linalg.matvec(
        tf.tanh(tf.reshape(x, [-1, 12]) @ w1), w2)

  def test_against_finite_differences(self):
    critic = self._critic()
    rng = np.random.default_rng(2)
    real = rng.normal(size=(3, 2, 2, 3))
    fake = rng.normal(size=(3, 2, 2, 3))
    mix = np.array([0.0, 0.3, 1.0])
    penalty = adv.gradient_penalty(critic, tf.constant(real),
                                   tf.constant(fake), tf.constant(mix))
    h = 1e-6
    for i in range(3):
      x_hat = mix[i] * real[i] + (1 - mix[i]) * fake[i]
      grad = np.zeros(x_hat.size)
      for j in range(x_hat.size):
        step = np.zeros(x_hat.size)
        step[j] = h
        up, down = (x_hat.reshape(-1) + s * step for s in (1, -1))
        grad[j] = (float(critic(up.reshape(1, 2, 2, 3))[0]) -
                   float(critic(down.reshape(1, 2, 2, 3))[0])) / (2 * h)
      self.assertAllClose(penalty[i], (np.linalg.norm(grad) - 1) ** 2,
                          rtol=1e-6)

  def test_linear_critic_of_unit_slope_has_no_penalty(self):
    direction = np.zeros((1, 2, 2, 1))
    direction[0, 0, 0, 0] = 1.0
    critic = lambda x: tf.reduce_sum(x * direction, axis=[1, 2, 3])
    x = tf.random.normal([4, 2, 2, 1], dtype=tf.float64)
    half = tf.constant(np.full(4, 0.5))
    penalty = adv.gradient_penalty(critic, x, -x, half)
    self.assertAllClose(penalty, np.zeros(4), atol=1e-10)
    critic3 = lambda x: 3 * critic(x)
    self.assertAllClose(adv.gradient_penalty(critic3, x, -x, half),
                        np.full(4, 4.0))

  def test_penalty_trains_the_critic(self):
    # Its gradient in the critic's weights exists (a nested tape) and equals
    # the finite difference in a weight.
    w = tf.Variable(tf.constant([[2.0], [0.5]], tf.float64))
    critic = lambda x: tf.squeeze(tf.tanh(tf.reshape(x, [-1, 2]) @ w), -1)
    real = tf.constant([[[[1.0]], [[0.2]]]], tf.float64)  # [1, 2, 1, 1]
    fake = tf.zeros_like(real)
    mix = tf.constant([0.7], tf.float64)
    with tf.GradientTape() as tape:
      penalty = adv.gradient_penalty(critic, real, fake, mix)[0]
    grad = tape.gradient(penalty, w).numpy()
    h = 1e-6
    for index in ((0, 0), (1, 0)):
      values = []
      for sign in (1, -1):
        shifted = w.numpy().copy()
        shifted[index] += sign * h
        v = tf.Variable(shifted)
        shifted_critic = lambda x, v=v: tf.squeeze(
            tf.tanh(tf.reshape(x, [-1, 2]) @ v), -1)
        values.append(float(adv.gradient_penalty(shifted_critic, real, fake,
                                                 mix)[0]))
      self.assertAllClose(grad[index], (values[0] - values[1]) / (2 * h),
                          rtol=1e-5)


if __name__ == '__main__':
  tf.test.main()
