"""VEEGAN (Srivastava et al. 2017): a GAN with a reconstructor of its codes.

A generator G maps codes z ~ N(0, I) to images; a reconstructor F maps
images back to codes; a discriminator D judges (code, image) pairs: the
data's (F(x), x), x from the data, against the generator's (z, G(z)). Their
Algorithm 1, with D's classes as the project's other discriminators have
them (the data's side real; D's logit estimates log p(x, z) / q(x, z), the
negated logit of their D):

  discriminator: -log D(F(x), x) - log(1 - D(z, G(z)));
  generator (G and F together): -log(D / (1 - D)) at (z, G(z))
    + ||z - F(G(z))||^2.

The second term of the generator's loss, the autoencoder loss on the codes,
is what resists mode collapse: a G that drops a mode cannot give F back
the codes it sent there. F gets gradients from it alone (the adversarial
term does not depend on F), as in their Algorithm 1; F is deterministic,
with the squared l2 distance that Rosca et al. 2018 use for VEEGAN's code
reconstruction, unweighted as both papers have it.

The networks are DCGAN's (dcgan_networks.py): F is the generator transposed
(Rosca et al.'s encoders), D the discriminator's stages on the image with
the code joined before a hidden layer.
"""

import dataclasses

import numpy as np
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
class VEEGANConfig:
  """VEEGAN's model section: DCGAN's networks and a joint discriminator."""
  latent_dim: int = _setting(100, 'Size of the generator\'s Gaussian code.',
                             minimum=1)
  filters: int = _setting(64, 'Width of the joint discriminator\'s and the '
                          'reconstructor\'s first stage (doubling per stage; '
                          'the generator mirrors it).', minimum=1)
  joint_units: int = _setting(512, 'Units of the joint discriminator\'s '
                              'hidden layer over image features and code.',
                              minimum=1)


@registry.register('veegan')
class VEEGAN(adversarial.AdversarialModel):
  """Srivastava et al.'s VEEGAN; see the module docstring.

  Args:
    image_shape: (S, S, C), S halving to a whole number >= 4 (8, 28, 32, ...).
    latent_dim, filters, joint_units: see VEEGANConfig.
  """

  Config = VEEGANConfig
  can_reconstruct = True
  latent_methods = ('prior',)

  def __init__(self, image_shape, latent_dim=100, filters=64, joint_units=512,
               num_classes=None, **kwargs):
    super().__init__(image_shape, latent_dim, num_classes, **kwargs)
    self.hyperparameters.update(dict(filters=filters,
                                     joint_units=joint_units))
    self.generator = dcgan_networks.generator(self.image_shape, latent_dim,
                                              filters)
    self.reconstructor = dcgan_networks.encoder(self.image_shape, latent_dim,
                                                filters)
    self.discriminator = dcgan_networks.joint_discriminator(
        self.image_shape, latent_dim, filters, joint_units)

  def call(self, images, training=False):
    """D's logits [B] of the pairs (F(x), x) of images [B, S, S, C] in [-1, 1]."""
    return self.discriminator(
        [self.reconstructor(images, training=training), images],
        training=training)

  def encode(self, images):
    """float32 [B, S, S, C] in [-1, 1] -> (F(x), log-variance) [B, m].

    F is deterministic: its posterior is a point mass (log-variance -inf).
    """
    codes = self.reconstructor(images)
    return codes, tf.fill(tf.shape(codes), -np.inf)

  def codes(self, noise, method=None):
    """Prior codes [B, m] from uniform noise [B, m]."""
    self.check_method(method)
    return self.prior_codes(noise)

  def reconstruct(self, images):
    """float32 [B, S, S, C] in [-1, 1] -> G(F(x)), same range."""
    return self.generator(self.reconstructor(images))

  def _pairs(self, batch, noise, training):
    """(data codes F(x), images x, prior codes z, samples G(z))."""
    images = image_lib.to_float(batch['images'])
    prior = self.prior_codes(noise['tau'])
    return (self.reconstructor(images, training=training), images, prior,
            self.generator(prior, training=training))

  def discriminator_loss(self, batch, noise, training=True):
    """-log D(F(x), x) - log(1 - D(z, G(z))) [B]."""
    data_codes, images, prior, samples = (
        tf.stop_gradient(t) for t in self._pairs(batch, noise, training))
    discriminate = lambda z, x: self.discriminator([z, x], training=training)
    real = discriminate(data_codes, images)
    fake = discriminate(prior, samples)
    return losses.discriminator_loss(real, fake), dict(
        discriminator_real=tf.sigmoid(real),
        discriminator_fake=tf.sigmoid(fake))

  def generator_loss(self, batch, noise, training=True):
    """-log(D / (1 - D)) at (z, G(z)) + ||z - F(G(z))||^2 [B]."""
    prior = self.prior_codes(noise['tau'])
    samples = self.generator(prior, training=training)
    adversarial_part = losses.log_ratio_loss(
        self.discriminator([prior, samples], training=training))
    code_reconstruction = tf.reduce_sum(tf.square(
        prior - self.reconstructor(samples, training=training)), axis=1)
    del batch
    return adversarial_part + code_reconstruction, dict(
        code_reconstruction=code_reconstruction)

  def players(self):
    return (base.Player('discriminator', self.discriminator_loss,
                        lambda: self.discriminator.trainable_variables),
            base.Player('generator', self.generator_loss, lambda: (
                self.generator.trainable_variables +
                self.reconstructor.trainable_variables)))
