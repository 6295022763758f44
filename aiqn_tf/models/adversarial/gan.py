"""The GANs AIQN is set against: WGAN-GP and DCGAN.

`wgan_gp` (Gulrajani et al. 2017, "Improved Training of Wasserstein GANs"):
a critic without batch norm trained `critic_steps` (5) times per generator
step on f(G(z)) - f(x) + 10 (||grad f(x_hat)|| - 1)^2 at random interpolates
x_hat, the generator on -f(G(z)); their paper's Adam 1e-4, betas (0.5, 0.9)
(their CIFAR-10 code: (0, 0.9)) are the presets' (runs/presets.py).

`dcgan` (Radford et al. 2016): the discriminator with batch norm, the
non-saturating losses -log D(x) - log(1 - D(G(z))) and -log D(G(z)), one
discriminator step per generator step, Adam 2e-4 with beta_1 0.5.

Both use dcgan_networks' generator and discriminator, sized to the image
(8x8, 28x28, 32x32, 64x64); the code is z = Phi^-1(u) for uniform noise u
(adversarial.py).
"""

import dataclasses

import tensorflow as tf

from aiqn_tf.core import config_fields
from aiqn_tf.core import images as image_lib
from aiqn_tf.models.adversarial import adversarial
from aiqn_tf.models.adversarial import adversarial_losses as losses
from aiqn_tf.models import base
from aiqn_tf.models.adversarial import dcgan_networks
from aiqn_tf.models import registry

_setting = config_fields.setting


@dataclasses.dataclass
class WGANGPConfig:
  """WGAN-GP's model section: Gulrajani et al.'s CIFAR-10 DCGAN-style model."""
  latent_dim: int = _setting(128, 'Size of the generator\'s Gaussian code.',
                             minimum=1)
  filters: int = _setting(128, 'Width of the critic\'s first stage (doubling '
                          'per stage; the generator mirrors it).', minimum=1)
  critic_steps: int = _setting(5, 'Critic updates per generator update.',
                               minimum=1)
  penalty_weight: float = _setting(10.0, 'Weight lambda of the gradient '
                                   'penalty.', minimum=0)


@registry.register('wgan_gp')
class WGANGP(adversarial.AdversarialModel):
  """A DCGAN-style generator and a batch-norm-free critic; see the module doc.

  Args:
    image_shape: (S, S, C), S halving to a whole number >= 4 (8, 28, 32, ...).
    latent_dim, filters, critic_steps, penalty_weight: see WGANGPConfig.
  """

  Config = WGANGPConfig

  def __init__(self, image_shape, latent_dim=128, filters=128,
               critic_steps=5, penalty_weight=10.0, num_classes=None,
               **kwargs):
    super().__init__(image_shape, latent_dim, num_classes, **kwargs)
    self.hyperparameters.update(dict(filters=filters, critic_steps=critic_steps,
                                penalty_weight=penalty_weight))
    self.critic_steps, self.penalty_weight = critic_steps, penalty_weight
    self.generator = dcgan_networks.generator(self.image_shape, latent_dim,
                                              filters)
    self.critic = dcgan_networks.discriminator(self.image_shape, filters,
                                               batch_norm=False, name='critic')

  def call(self, images, training=False):
    """The critic's scores f(x) [B] of images [B, S, S, C] in [-1, 1]."""
    del training  # The critic has no batch norm (the gradient penalty).
    return self.critic(images)

  def critic_loss(self, batch, noise, training=True):
    """f(G(z)) - f(x) + lambda GP [B]; logs the Wasserstein estimate f(x) - f(G(z))."""
    real = image_lib.to_float(batch['images'])
    fake = tf.stop_gradient(self.generator(self.prior_codes(noise['tau']),
                                           training=training))
    real_scores, fake_scores = self.critic(real), self.critic(fake)
    penalty = losses.gradient_penalty(self.critic, real, fake, noise['mix'])
    loss = losses.wasserstein_critic_loss(real_scores, fake_scores)
    return loss + self.penalty_weight * penalty, dict(
        wasserstein=-loss, gradient_penalty=penalty)

  def generator_loss(self, batch, noise, training=True):
    """-f(G(z)) [B]."""
    del batch
    fake = self.generator(self.prior_codes(noise['tau']), training=training)
    return losses.wasserstein_generator_loss(self.critic(fake)), {}

  def players(self):
    return (base.Player('critic', self.critic_loss,
                        lambda: self.critic.trainable_variables,
                        self.critic_steps),
            base.Player('generator', self.generator_loss,
                        lambda: self.generator.trainable_variables))


@dataclasses.dataclass
class DCGANConfig:
  """DCGAN's model section: Radford et al.'s widths, a 100-dimensional code."""
  latent_dim: int = _setting(100, 'Size of the generator\'s Gaussian code.',
                             minimum=1)
  filters: int = _setting(64, 'Width of the discriminator\'s first stage '
                          '(doubling per stage; the generator mirrors it).',
                          minimum=1)


@registry.register('dcgan')
class DCGAN(adversarial.AdversarialModel):
  """DCGAN with the non-saturating loss; see the module doc.

  Args:
    image_shape: (S, S, C), S halving to a whole number >= 4 (8, 28, 32, ...).
    latent_dim, filters: see DCGANConfig.
  """

  Config = DCGANConfig

  def __init__(self, image_shape, latent_dim=100, filters=64,
               num_classes=None, **kwargs):
    super().__init__(image_shape, latent_dim, num_classes, **kwargs)
    self.hyperparameters.update(dict(filters=filters))
    self.generator = dcgan_networks.generator(self.image_shape, latent_dim,
                                              filters)
    self.discriminator = dcgan_networks.discriminator(self.image_shape,
                                                      filters)

  def call(self, images, training=False):
    """The discriminator's logits [B] of images [B, S, S, C] in [-1, 1]."""
    return self.discriminator(images, training=training)

  def discriminator_loss(self, batch, noise, training=True):
    """-log D(x) - log(1 - D(G(z))) [B]."""
    real = image_lib.to_float(batch['images'])
    fake = tf.stop_gradient(self.generator(self.prior_codes(noise['tau']),
                                           training=training))
    real_logits = self.discriminator(real, training=training)
    fake_logits = self.discriminator(fake, training=training)
    loss = losses.discriminator_loss(real_logits, fake_logits)
    return loss, dict(discriminator_real=tf.sigmoid(real_logits),
                      discriminator_fake=tf.sigmoid(fake_logits))

  def generator_loss(self, batch, noise, training=True):
    """-log D(G(z)) [B]."""
    del batch
    fake = self.generator(self.prior_codes(noise['tau']), training=training)
    return losses.non_saturating_loss(
        self.discriminator(fake, training=training)), {}

  def players(self):
    return (base.Player('discriminator', self.discriminator_loss,
                        lambda: self.discriminator.trainable_variables),
            base.Player('generator', self.generator_loss,
                        lambda: self.generator.trainable_variables))
