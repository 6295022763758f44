"""The losses of the adversarial models, per example, in TF2.

TF-GAN's losses are TF1 graph code (its `wasserstein_gradient_penalty`
refuses eager execution and its GANModel relies on variable scopes), so the
few the adversarial models need are written here; TF-GAN stays for the
evaluation. Every function returns float32 [B], one value per example, which
the trainer averages over the global batch.

Discriminators output logits l: D(x) = sigmoid(l), and -log D = softplus(-l),
-log(1 - D) = softplus(l).
"""

import tensorflow as tf


def wasserstein_critic_loss(real_scores, fake_scores):
  """f(fake) - f(real) [B]: the negated Wasserstein estimate (Arjovsky 2017).

  Args:
    real_scores, fake_scores: float32 [B], the critic on real images and on
      samples.
  """
  return fake_scores - real_scores


def wasserstein_generator_loss(fake_scores):
  """-f(G(z)) [B]."""
  return -fake_scores


def gradient_penalty(critic, real, fake, mix):
  """(||grad_x f(x_hat)||_2 - 1)^2 [B] at x_hat = mix real + (1 - mix) fake.

  Gulrajani et al. 2017, eq. 3: the penalty on random interpolates between
  real and generated images. The critic must treat examples independently
  (no batch norm), so that the gradient of the summed scores is each
  example's own.

  Args:
    critic: callable images [B, H, W, C] -> scores [B].
    real, fake: float32 [B, H, W, C].
    mix: float32 [B] in [0, 1], the interpolation weights.

  Returns:
    float32 [B]; differentiable in the critic's weights.
  """
  mix = tf.reshape(mix, [-1, 1, 1, 1])
  interpolates = mix * real + (1.0 - mix) * fake
  with tf.GradientTape() as tape:
    tape.watch(interpolates)
    scores = critic(interpolates)
  grads = tape.gradient(scores, interpolates)
  # The small constant keeps the norm's gradient finite at a zero gradient.
  norm = tf.sqrt(tf.reduce_sum(tf.square(grads), axis=[1, 2, 3]) + 1e-12)
  return tf.square(norm - 1.0)


def discriminator_loss(real_logits, fake_logits):
  """-log D(x) - log(1 - D(G(z))) [B] (Goodfellow et al. 2014).

  Args:
    real_logits: float32 [B], the discriminator on what it should call real.
    fake_logits: float32 [B], on what it should call fake.
  """
  return tf.nn.softplus(-real_logits) + tf.nn.softplus(fake_logits)


def non_saturating_loss(fake_logits):
  """-log D(G(z)) [B]: the generator's non-saturating loss (DCGAN)."""
  return tf.nn.softplus(-fake_logits)


def log_ratio_loss(fake_logits):
  """-log(D / (1 - D)) = -l [B]: alpha-GAN's density-ratio loss.

  Rosca et al. 2017 train the encoder and generator to raise the log density
  ratio that a classifier estimates, log D - log(1 - D), which for
  D = sigmoid(l) is the logit itself.
  """
  return -fake_logits
