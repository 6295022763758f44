"""The adversarial autoencoders AIQN-VAE is set against: AAE, alpha-GAN, VGH.

All use the project's VAE encoder and decoder (vae.ConvVAE, LynnHo's conv
VAE) with its Gaussian posterior, z = mean + std * epsilon, and replace the
VAE's KL term by a discriminator C between codes of the prior N(0, I) (real)
and the encoder's codes (fake): where AIQN-VAE learns the aggregate posterior
with quantile regression, these push the posterior towards the prior
adversarially. Samples decode prior codes; `reconstruct` decodes posterior
means.

`aae` (Makhzani et al. 2015, "Adversarial Autoencoders"), three players per
step as their reconstruction and regularisation phases:
  autoencoder: the pixel mean squared error (the VAE's), encoder and decoder;
  code_discriminator: -log C(z) - log(1 - C(z_hat));
  encoder: -log C(z_hat), the non-saturating loss.

`alpha_gan` (Rosca et al. 2017, "Variational Approaches for Auto-Encoding
Generative Adversarial Networks", Algorithm 1), four players in its order,
each network updated separately as its authors did:
  encoder: lambda |x - G(z_hat)|_1 - log(C(z_hat) / (1 - C(z_hat)));
  generator: lambda |x - G(z_hat)|_1 - log(D(x_rec) / (1 - D(x_rec)))
    - log(D(x_gen) / (1 - D(x_gen))), with x_rec = G(z_hat), x_gen = G(z);
  discriminator: -log D(x) - log(1 - D(x_rec)) - log(1 - D(x_gen));
  code_discriminator: -log C(z) - log(1 - C(z_hat)).
The first arXiv version's code-discriminator loss (eqs. 16-17) has the prior
and posterior terms the other way round, which the authors confirmed is a
typo (victor-shepardson/alpha-GAN); this follows the corrected form, in
which C calls the prior's codes real, so the encoder's log-ratio loss moves
its codes towards the prior. The L1 term is the mean over pixels (so lambda
does not depend on the image size); lambda = 10 is our choice.

Rosca, Lakshminarayanan & Mohamed 2018 ("Distribution Matching in
Variational Inference", Appendix F, Algorithm 5) name two Variational GAN
Hybrids. VGH++ is alpha-GAN: the same four players and losses (the image
discriminator calls data real, reconstructions and samples fake; their
lambda sweep 1, 5, 10, 50 covers ours), so `alpha_gan` serves as VGH++.
`vgh` is its variant whose image discriminator sees reconstructions only
(their eq. 8): -log D(x) - log(1 - D(x_rec)), and the generator's adversarial
loss is on reconstructions only; the rest is alpha-GAN's. Comparing the two
measures what matching in visible space on samples adds.
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
from aiqn_tf.models.latent import vae as vae_lib

_setting = config_fields.setting


class _AdversarialAutoencoder(adversarial.AdversarialModel):
  """A ConvVAE's encoder and decoder and a code discriminator."""

  can_reconstruct = True
  latent_methods = ('prior',)

  def __init__(self, image_shape, latent_dim, code_units, code_layers,
               num_classes=None, **kwargs):
    super().__init__(image_shape, latent_dim, num_classes, **kwargs)
    self.hyperparameters.update(dict(code_units=code_units,
                                code_layers=code_layers))
    self.vae = vae_lib.ConvVAE(self.image_shape, latent_dim, name='vae')
    self.code_discriminator = dcgan_networks.code_discriminator(
        latent_dim, code_units, code_layers)

  @property
  def generator(self):
    return self.vae.decoder

  def encoder_variables(self):
    vae = self.vae
    return (vae.encoder.trainable_variables + vae.mean.trainable_variables +
            vae.log_variance.trainable_variables)

  def training_noise(self, batch_size, seed):
    """tau, mix (adversarial.py) and the posterior's epsilon [B, m]."""
    noise = super().training_noise(batch_size, seed)
    noise['epsilon'] = tf.random.stateless_normal(
        (batch_size, self.latent_dim),
        tf.random.experimental.stateless_fold_in(seed, 2))
    return noise

  def call(self, images, training=False):
    mean, _ = self.vae.encode(images, training)
    self.code_discriminator(mean)
    return self.vae.decode(mean, training)

  def encode(self, images):
    """float32 [B, S, S, C] in [-1, 1] -> posterior (mean, log_variance) [B, m]."""
    return self.vae.encode(images)

  def codes(self, noise, method=None):
    """Prior codes [B, m] from uniform noise [B, m]."""
    self.check_method(method)
    return self.prior_codes(noise)

  def reconstruct(self, images):
    """float32 [B, S, S, C] in [-1, 1] -> decoded posterior means, same range."""
    return self.vae.decode(self.vae.encode(images)[0])

  def _codes(self, batch, noise, training):
    """(images, posterior codes z_hat, prior codes z) of a batch."""
    images = image_lib.to_float(batch['images'])
    mean, log_variance = self.vae.encode(images, training)
    posterior = mean + tf.exp(0.5 * log_variance) * noise['epsilon']
    return images, posterior, self.prior_codes(noise['tau'])

  def code_discriminator_loss(self, batch, noise, training=True):
    """-log C(z) - log(1 - C(z_hat)) [B]: the prior's codes are real."""
    _, posterior, prior = self._codes(batch, noise, training)
    prior_logits = self.code_discriminator(prior)
    posterior_logits = self.code_discriminator(tf.stop_gradient(posterior))
    return losses.discriminator_loss(prior_logits, posterior_logits), dict(
        code_discriminator_prior=tf.sigmoid(prior_logits),
        code_discriminator_posterior=tf.sigmoid(posterior_logits))

@dataclasses.dataclass
class AAEConfig:
  """AAE's model section: the VAE's code size and an MLP code discriminator."""
  latent_dim: int = _setting(32, 'Code size (AIQN-VAE\'s: 32).', minimum=1)
  code_units: int = _setting(512, 'Units per hidden layer of the code '
                             'discriminator.', minimum=1)
  code_layers: int = _setting(2, 'Hidden layers of the code discriminator.',
                              minimum=1)


@registry.register('aae')
class AAE(_AdversarialAutoencoder):
  """Makhzani et al.'s adversarial autoencoder; see the module docstring.

  Args:
    image_shape: (S, S, C), S in {8, 16, 32, 64}.
    latent_dim, code_units, code_layers: see AAEConfig.
  """

  Config = AAEConfig

  def __init__(self, image_shape, latent_dim=32, code_units=512,
               code_layers=2, num_classes=None, **kwargs):
    super().__init__(image_shape, latent_dim, code_units, code_layers,
                     num_classes, **kwargs)

  def autoencoder_loss(self, batch, noise, training=True):
    """The pixel mean squared error of reconstructions from z_hat [B]."""
    images, posterior, _ = self._codes(batch, noise, training)
    reconstruction = tf.reduce_mean(tf.square(
        images - self.vae.decode(posterior, training)), axis=[1, 2, 3])
    return reconstruction, dict(reconstruction=reconstruction)

  def encoder_loss(self, batch, noise, training=True):
    """-log C(z_hat) [B]."""
    _, posterior, _ = self._codes(batch, noise, training)
    return losses.non_saturating_loss(self.code_discriminator(posterior)), {}

  def players(self):
    return (base.Player('autoencoder', self.autoencoder_loss,
                        lambda: self.vae.trainable_variables),
            base.Player('code_discriminator', self.code_discriminator_loss,
                        lambda: self.code_discriminator.trainable_variables),
            base.Player('encoder', self.encoder_loss, self.encoder_variables))


@dataclasses.dataclass
class AlphaGANConfig:
  """alpha-GAN's model section; the image discriminator is DCGAN's."""
  latent_dim: int = _setting(32, 'Code size (AIQN-VAE\'s: 32).', minimum=1)
  code_units: int = _setting(512, 'Units per hidden layer of the code '
                             'discriminator.', minimum=1)
  code_layers: int = _setting(2, 'Hidden layers of the code discriminator.',
                              minimum=1)
  filters: int = _setting(64, 'Width of the image discriminator\'s first '
                          'stage (doubling per stage).', minimum=1)
  reconstruction_weight: float = _setting(
      10.0, 'lambda, the weight of the L1 reconstruction (mean over pixels).',
      minimum=0)


@registry.register('alpha_gan')
class AlphaGAN(_AdversarialAutoencoder):
  """Rosca et al.'s alpha-GAN; see the module docstring.

  Args:
    image_shape: (S, S, C), S in {8, 16, 32, 64}.
    latent_dim, code_units, code_layers, filters, reconstruction_weight: see
      AlphaGANConfig.
  """

  Config = AlphaGANConfig
  # VGH++ (the module docstring): the image discriminator also judges
  # samples of the prior.
  discriminates_samples = True

  def __init__(self, image_shape, latent_dim=32, code_units=512,
               code_layers=2, filters=64, reconstruction_weight=10.0,
               num_classes=None, **kwargs):
    super().__init__(image_shape, latent_dim, code_units, code_layers,
                     num_classes, **kwargs)
    self.hyperparameters.update(dict(filters=filters,
                                reconstruction_weight=reconstruction_weight))
    self.reconstruction_weight = reconstruction_weight
    self.discriminator = dcgan_networks.discriminator(self.image_shape,
                                                      filters)

  def call(self, images, training=False):
    reconstructions = super().call(images, training)
    self.discriminator(reconstructions)
    return reconstructions

  def _l1(self, images, reconstructions):
    return self.reconstruction_weight * tf.reduce_mean(
        tf.abs(images - reconstructions), axis=[1, 2, 3])

  def encoder_loss(self, batch, noise, training=True):
    """lambda L1 - log(C(z_hat) / (1 - C(z_hat))) [B]."""
    images, posterior, _ = self._codes(batch, noise, training)
    reconstruction = self._l1(images, self.vae.decode(posterior, training))
    return reconstruction + losses.log_ratio_loss(
        self.code_discriminator(posterior)), dict(
            reconstruction=reconstruction)

  def _generated(self, batch, noise, training):
    """(images, reconstructions, samples: None where not discriminated)."""
    images, posterior, prior = self._codes(batch, noise, training)
    posterior = tf.stop_gradient(posterior)
    return (images, self.vae.decode(posterior, training),
            self.vae.decode(prior, training) if self.discriminates_samples
            else None)

  def generator_loss(self, batch, noise, training=True):
    """lambda L1 - log(D / (1 - D)) of reconstructions and of samples [B]
    (VGH: of reconstructions only)."""
    images, reconstructions, samples = self._generated(batch, noise, training)
    discriminate = lambda x: self.discriminator(x, training=training)
    loss = (self._l1(images, reconstructions) +
            losses.log_ratio_loss(discriminate(reconstructions)))
    if self.discriminates_samples:
      loss += losses.log_ratio_loss(discriminate(samples))
    return loss, {}

  def discriminator_loss(self, batch, noise, training=True):
    """-log D(x) - log(1 - D(x_rec)) - log(1 - D(x_gen)) [B] (VGH: without
    the last term)."""
    images, reconstructions, samples = self._generated(batch, noise, training)
    discriminate = lambda x: self.discriminator(tf.stop_gradient(x),
                                                training=training)
    real = discriminate(images)
    loss = losses.discriminator_loss(real, discriminate(reconstructions))
    if self.discriminates_samples:
      loss += tf.nn.softplus(discriminate(samples))
    return loss, dict(discriminator_real=tf.sigmoid(real))

  def players(self):
    return (base.Player('encoder', self.encoder_loss, self.encoder_variables),
            base.Player('generator', self.generator_loss,
                        lambda: self.vae.decoder.trainable_variables),
            base.Player('discriminator', self.discriminator_loss,
                        lambda: self.discriminator.trainable_variables),
            base.Player('code_discriminator', self.code_discriminator_loss,
                        lambda: self.code_discriminator.trainable_variables))


@registry.register('vgh')
class VGH(AlphaGAN):
  """Rosca et al. 2018's VGH: alpha-GAN (= VGH++) whose image discriminator
  and generator's adversarial loss see reconstructions only (eq. 8).

  Args: as AlphaGAN's (the same model section).
  """

  discriminates_samples = False
