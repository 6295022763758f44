"""What the adversarial models share: Gaussian codes in, images out, players.

The GANs (gan.py), VEEGAN (veegan.py) and the adversarial autoencoders
(adversarial_autoencoder.py) map a code z ~ N(0, I) [B, latent_dim] to an
image with a generator network. Like the VAE's prior, they take uniform noise
u in [0, 1] and use z = Phi^-1(u), so every latent model serves one contract:
`sample(tau [B, latent_dim] in [0, 1])`. They train as several players
(base.Player): a discriminator or critic and the networks it judges, each
with its own optimizer. The Polyak average covers the generator, which
samples use.
"""

import tensorflow as tf

from aiqn_tf.core import images as image_lib
from aiqn_tf.models import base
from aiqn_tf.models import noise as noise_lib


class AdversarialModel(base.GenerativeModel):
  """Base of the adversarial kinds.

  Subclasses set `self.generator` (codes [B, latent_dim] -> images in
  [-1, 1]) and implement `players`.

  Args:
    image_shape: (S, S, C).
    latent_dim: the code's size.
    num_classes: must be None (the adversarial kinds are unconditional).
  """

  sample_methods = ('prior',)
  prior_variance = 1.0  # Of the codes' N(0, I) (evaluate.latent_distances).

  def __init__(self, image_shape, latent_dim, num_classes=None, **kwargs):
    if num_classes is not None:
      raise ValueError('The adversarial models are not class-conditional; '
                       'set class_conditional to False.')
    if latent_dim < 1:
      raise ValueError(f'latent_dim must be >= 1, got {latent_dim}.')
    super().__init__(image_shape, None, **kwargs)
    self.latent_dim = latent_dim
    self.hyperparameters['latent_dim'] = latent_dim

  @classmethod
  def from_section(cls, section, image_shape, num_classes=None):
    del num_classes  # The sections have no class_conditional.
    return super().from_section(section, image_shape)

  def build(self, input_shape):
    self.generator(tf.zeros([1, self.latent_dim]))
    self.call(tf.zeros([1] + list(input_shape[1:])))

  def dummy_inputs(self, batch_size=1):
    return tf.zeros((batch_size,) + self.image_shape)

  @property
  def noise_shape(self):
    return (self.latent_dim,)

  def training_noise(self, batch_size, seed):
    """tau: uniform [B, latent_dim], the generator's noise; mix: uniform [B]."""
    return {'tau': tf.random.stateless_uniform((batch_size, self.latent_dim),
                                               seed),
            'mix': tf.random.stateless_uniform(
                (batch_size,),
                tf.random.experimental.stateless_fold_in(seed, 1))}

  def prior_codes(self, noise):
    """Uniform noise [B, m] in [0, 1] -> codes [B, m] of the prior N(0, I)."""
    return noise_lib.gaussian_quantiles(noise)

  def generate(self, noise, method=None, training=False):
    """Images [B, S, S, C] in [-1, 1] from uniform noise [B, latent_dim]."""
    self.check_method(method)
    return self.generator(self.prior_codes(noise), training=training)

  def sample(self, noise, method=None, labels=None, images=None,
             num_fixed=0):
    method = self.check_method(method)
    self.check_conditioning(labels, images, num_fixed)
    return self.generate(noise, method)

  def averaged_layer(self):
    """The generator: samples use its average; the rest is copied."""
    return self.generator

  def per_example_loss(self, batch, noise, training=True):
    """The first player's loss and every player's parts (held-out losses).

    Training goes through `players`; evaluations read this.
    """
    players = self.players()
    loss, parts = players[0].loss(batch, noise, training)
    for player in players[1:]:
      parts.update(player.loss(batch, noise, training)[1])
    return loss, parts

  def serving_signatures(self):
    """sample / serving_default: tau [B, latent_dim] in [0, 1] -> images;
    where the kind can reconstruct, reconstruct: uint8 images -> uint8
    reconstructions."""

    def sample(tau):
      tau = base.checked_input('tau', tau, (self.latent_dim,), 0, 1)
      return {'images': image_lib.to_uint8(self.generate(tau))}

    signatures = {'sample': tf.function(sample, input_signature=[
        base.batch_spec('tau', tf.float32, (self.latent_dim,))])}
    if self.can_reconstruct:
      signatures['reconstruct'] = self.reconstruct_signature()
    return signatures
