"""An independent Wasserstein critic between held-out images and samples.

Rosca, Lakshminarayanan & Mohamed 2018 (their appendix) train a fresh
WGAN-GP critic to tell test images from a model's samples and report its
Wasserstein estimate, E f(test) - E f(samples), on a second held-out part,
which neither the model nor the critic has seen. Unlike FID against training
images it compares the samples with data the model never trained on, so a
model that gives back its training images scores the gap between training
and test images rather than zero, and it needs no pretrained features.

Here: both sets are split in halves; the critic (dcgan_networks'
discriminator without batch norm) trains on the first halves with the
gradient penalty (Gulrajani et al. 2017) and is read on the second. The
estimate is about 0 when the samples are distributed as the test images and
grows as they move away; it has a positive bias of the critic's overfitting,
which the same settings give every model alike.
"""

import numpy as np
import tensorflow as tf

from aiqn_tf.core import images as image_lib
from aiqn_tf.models.adversarial import adversarial_losses
from aiqn_tf.models.adversarial import dcgan_networks

STEPS = 500  # The critic's updates in evaluations.


def wasserstein_estimate(test_images, samples, steps=STEPS, batch_size=64,
                         filters=16, learning_rate=1e-3, penalty_weight=10.0,
                         seed=0):
  """The independent critic's Wasserstein estimate; see the module docstring.

  Args:
    test_images, samples: uint8 [N, H, W, C] and [M, H, W, C], N, M >= 4,
      H = W a size dcgan_networks takes (8, 28, 32, 64, ...).
    steps: critic updates (Adam (0.5, 0.9), batches of batch_size each).
    batch_size, filters, learning_rate, penalty_weight: the critic's.
    seed: its initial weights, batches and interpolation weights.

  Returns:
    dict of floats: critic_wasserstein (on the second halves) and
    critic_wasserstein_train (on the halves it trained on).

  Raises:
    ValueError: for fewer than 4 images in a set or a size the critic does
      not take.
  """
  test_images, samples = np.asarray(test_images), np.asarray(samples)
  if min(len(test_images), len(samples)) < 4:
    raise ValueError('The independent critic needs at least 4 test images '
                     'and 4 samples.')
  dcgan_networks.num_stages(test_images.shape[1])
  rng = np.random.default_rng(seed)
  halves = lambda x: np.array_split(
      image_lib.to_float(x[rng.permutation(len(x))]).numpy(), 2)
  (real_train, real_eval), (fake_train, fake_eval) = (halves(test_images),
                                                      halves(samples))
  tf.random.set_seed(seed)
  critic = dcgan_networks.discriminator(test_images.shape[1:], filters,
                                        batch_norm=False,
                                        name='independent_critic')
  optimizer = tf.keras.optimizers.Adam(learning_rate, beta_1=0.5, beta_2=0.9)

  @tf.function
  def update(real, fake, mix):
    with tf.GradientTape() as tape:
      loss = tf.reduce_mean(
          adversarial_losses.wasserstein_critic_loss(critic(real),
                                                     critic(fake)) +
          penalty_weight * adversarial_losses.gradient_penalty(
              critic, real, fake, mix))
    optimizer.apply_gradients(zip(
        tape.gradient(loss, critic.trainable_variables),
        critic.trainable_variables))

  size = min(batch_size, len(real_train), len(fake_train))
  for _ in range(steps):
    update(real_train[rng.choice(len(real_train), size, replace=False)],
           fake_train[rng.choice(len(fake_train), size, replace=False)],
           rng.uniform(size=size).astype(np.float32))

  def estimate(real, fake):
    score = lambda x: np.mean(np.concatenate([
        critic(x[i:i + 256]).numpy() for i in range(0, len(x), 256)]))
    return float(score(real) - score(fake))

  return {'critic_wasserstein': estimate(real_eval, fake_eval),
          'critic_wasserstein_train': estimate(real_train, fake_train)}
