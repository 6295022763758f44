"""VAE-F, CQ and CQ-F: coverage and quality (Lucas et al. 2019; seed 002).

A VAE trained by maximum likelihood, the "coverage" loss: the encoder
q(z | x) = N(mean, diag var) (LynnHo's encoder stages, vae.py), the prior
N(0, I), and a decoder that is a factorised Gaussian over features y = f(x)
of an invertible flow f (coupling_flow.py), so that p(x | z) over pixels is
not factorised (their eqs. 6-8):

  p(x | z) = N(f(x); mu(z), diag sigma(z)^2) |det df/dx|.

`flow_steps` = 0 makes f the identity: a factorised Gaussian over pixels,
their VAE row. The likelihood is that of the dequantized image x + u, u
uniform over the 8-bit level's cell (2/255 wide on the [-1, 1] scale), and
the loss is the negative ELBO per dimension,

  L_C = (-log p(x + u | z) + KL(q(z | x) || N(0, I))) / D,  z ~ q(z | x),

whose bits per dimension (the part `bits_per_dim`) bound the model's
-log2 P(x) / D from above twice: the ELBO bounds log p(x + u) from below,
and the dequantization log P(x) = log E_u[p(x + u)] + D log(2/255) from
below (Jensen). `log_prob` tightens the first with K importance samples
(the IWAE bound of Burda et al. 2016), a lower bound on log P(x) whose
expectation rises to it as K grows.

The "quality" loss (`quality_weight` > 0, CQ and CQ-F): a DCGAN
discriminator D (dcgan_networks.py) between the data (real) and the model's
samples x~ = f^-1(mu(z) + sigma(z) eps), z and eps standard normal (fake);
the VAE adds quality_weight * -log(D(x~) / (1 - D(x~))), their L_Q.
Weighting L_C per dimension and L_Q per image at 1 is our choice.

Kinds: `vae_f` (flow, no quality), `cq` (quality, no flow), `cq_f` (both).
Samples take uniform noise [B, latent_dim + H W C]: the code z from the
first latent_dim values, the feature noise eps from the rest (`mean`
sampling ignores eps: f^-1(mu(z))).
"""

import dataclasses
import math

import keras
import tensorflow as tf

from aiqn_tf.core import config_fields
from aiqn_tf.core import images as image_lib
from aiqn_tf.models import base
from aiqn_tf.models import noise as noise_lib
from aiqn_tf.models import registry
from aiqn_tf.models.adversarial import adversarial_losses
from aiqn_tf.models.adversarial import dcgan_networks
from aiqn_tf.models.heads import likelihood
from aiqn_tf.models.latent import vae as vae_lib
from aiqn_tf.models.layers import coupling_flow

_setting = config_fields.setting
# sigma(z) = MIN_SCALE + softplus(.): well below the dequantization cell.
MIN_SCALE = 1e-3
CELL = 2.0 / 255.0  # An 8-bit level's width on the [-1, 1] scale.

_HELP = dict(
    latent_dim='Code size.',
    flow_steps='Affine couplings of the flow decoder (0: none, a factorised '
               'Gaussian over pixels).',
    flow_units='Channels of each coupling\'s network.',
    quality_weight='Weight of the adversarial quality loss (0: none, no '
                   'discriminator).',
    filters='Width of the image discriminator\'s first stage (doubling per '
            'stage).')


@dataclasses.dataclass
class VAEFConfig:
  """VAE-F's model section: the flow decoder, no quality loss."""
  latent_dim: int = _setting(32, _HELP['latent_dim'], minimum=1)
  flow_steps: int = _setting(4, _HELP['flow_steps'], minimum=0)
  flow_units: int = _setting(64, _HELP['flow_units'], minimum=1)
  quality_weight: float = _setting(0.0, _HELP['quality_weight'], minimum=0)
  filters: int = _setting(64, _HELP['filters'], minimum=1)


@dataclasses.dataclass
class CQConfig(VAEFConfig):
  """CQ's model section: the quality loss, no flow."""
  flow_steps: int = _setting(0, _HELP['flow_steps'], minimum=0)
  quality_weight: float = _setting(1.0, _HELP['quality_weight'], minimum=0)


@dataclasses.dataclass
class CQFConfig(VAEFConfig):
  """CQ-F's model section: the flow decoder and the quality loss."""
  quality_weight: float = _setting(1.0, _HELP['quality_weight'], minimum=0)


class _Decoder(keras.layers.Layer):
  """p(x | z): the decoder's Gaussian over f(x) and the flow f."""

  def __init__(self, image_shape, flow_steps, flow_units, **kwargs):
    super().__init__(**kwargs)
    self.image_shape = tuple(image_shape)
    self.network = vae_lib.conv_decoder(
        self.image_shape, channels=2 * self.image_shape[2], activation=None)
    self.flow = None
    if flow_steps:
      self.flow = coupling_flow.CouplingFlow(flow_steps, flow_units,
                                             name='flow')
      self.flow.build((None,) + self.image_shape)

  def parameters(self, z, training=False):
    """(mu, sigma) [B, S, S, C] of the Gaussian over features."""
    out = self.network(z, training=training)
    channels = self.image_shape[2]
    return out[..., :channels], MIN_SCALE + tf.nn.softplus(
        out[..., channels:])

  def log_prob(self, x, z, training=False):
    """log p(x | z) [B] in nats of continuous x [B, S, S, C]."""
    mean, scale = self.parameters(z, training)
    y, log_det = (self.flow.forward(x) if self.flow is not None
                  else (x, 0.0))
    log_normal = (-0.5 * tf.square((y - mean) / scale) - tf.math.log(scale)
                  - 0.5 * math.log(2 * math.pi))
    return tf.reduce_sum(log_normal, axis=[1, 2, 3]) + log_det

  def generate(self, z, epsilon=None, training=False):
    """x = f^-1(mu(z) + sigma(z) epsilon) [B, S, S, C]; None: f^-1(mu(z))."""
    mean, scale = self.parameters(z, training)
    y = mean if epsilon is None else mean + scale * epsilon
    return self.flow.inverse(y) if self.flow is not None else y

  def call(self, z, training=False):
    return self.generate(z, training=training)


class CoverageQualityVAE(base.GenerativeModel):
  """The coverage-and-quality VAE; see the module docstring.

  Args:
    image_shape: (S, S, C), S in {8, 16, 32, 64}.
    latent_dim, flow_steps, flow_units, quality_weight, filters: see
      VAEFConfig; flow_steps and quality_weight None take the kind's
      defaults (its Config's).
    num_classes: must be None (not class-conditional).
  """

  Config = VAEFConfig
  sample_methods = ('model', 'mean')
  can_reconstruct = True
  latent_methods = ('prior',)
  prior_variance = 1.0  # Of the codes' N(0, I) (evaluate.latent_distances).

  def __init__(self, image_shape, latent_dim=32, flow_steps=None,
               flow_units=64, quality_weight=None, filters=64,
               num_classes=None, **kwargs):
    defaults = self.Config()  # What the kinds differ in: None takes theirs.
    flow_steps = defaults.flow_steps if flow_steps is None else flow_steps
    quality_weight = (defaults.quality_weight if quality_weight is None
                      else quality_weight)
    if num_classes is not None:
      raise ValueError(f'{self.kind} is not class-conditional; set '
                       'class_conditional to False.')
    if latent_dim < 1 or flow_steps < 0 or quality_weight < 0:
      raise ValueError(f'latent_dim must be >= 1, flow_steps and '
                       f'quality_weight >= 0; got {latent_dim}, {flow_steps},'
                       f' {quality_weight}.')
    super().__init__(image_shape, None, **kwargs)
    self.latent_dim = latent_dim
    self.quality_weight = float(quality_weight)
    self.hyperparameters.update(dict(
        latent_dim=latent_dim, flow_steps=flow_steps, flow_units=flow_units,
        quality_weight=quality_weight, filters=filters))
    self.encoder = vae_lib.conv_encoder(self.image_shape)
    self.posterior = keras.layers.Dense(2 * latent_dim, name='posterior')
    self.decoder = _Decoder(self.image_shape, flow_steps, flow_units,
                            name='decoder')
    self.discriminator = (dcgan_networks.discriminator(self.image_shape,
                                                       filters)
                          if self.quality_weight else None)

  @property
  def num_dims(self):
    return int(math.prod(self.image_shape))

  @property
  def noise_shape(self):
    return (self.latent_dim + self.num_dims,)

  def dummy_inputs(self, batch_size=1):
    return tf.zeros((batch_size,) + self.image_shape)

  def call(self, images, training=False):
    """Reconstructions f^-1(mu(mean of q(z | x))) of images in [-1, 1]."""
    if self.discriminator is not None:
      self.discriminator(images, training=training)
    mean, _ = self.encode(images, training)
    self.decoder.log_prob(images, mean, training)
    return self.decoder(mean, training=training)

  def encode(self, images, training=False):
    """float32 [B, S, S, C] in [-1, 1] -> (mean, log-variance) [B, m]."""
    out = self.posterior(self.encoder(images, training=training))
    return out[:, :self.latent_dim], out[:, self.latent_dim:]

  def codes(self, noise, method=None):
    """Prior codes [B, m] from the first m values of uniform noise."""
    del method
    return noise_lib.gaussian_quantiles(noise[:, :self.latent_dim])

  def reconstruct(self, images):
    """float32 [B, S, S, C] in [-1, 1] -> f^-1(mu(posterior mean)), clipped."""
    return tf.clip_by_value(
        self.decoder.generate(self.encode(images)[0]), -1.0, 1.0)

  def _features_noise(self, noise):
    return tf.reshape(noise_lib.gaussian_quantiles(
        noise[:, self.latent_dim:]), (-1,) + self.image_shape)

  def generate(self, noise, method=None, training=False):
    """Unclipped samples [B, S, S, C] from uniform noise [B, m + D]."""
    method = self.check_method(method)
    epsilon = self._features_noise(noise) if method == 'model' else None
    return self.decoder.generate(self.codes(noise), epsilon, training)

  def sample(self, noise, method=None, labels=None, images=None,
             num_fixed=0):
    self.check_conditioning(labels, images, num_fixed)
    return tf.clip_by_value(self.generate(noise, method), -1.0, 1.0)

  # Training.

  def training_noise(self, batch_size, seed):
    """tau: uniform [B, m + D], the quality loss's samples; epsilon: normal
    [B, m], the posterior's; dequantize: uniform [B, S, S, C]."""
    fold = lambda i: tf.random.experimental.stateless_fold_in(seed, i)
    return {
        'tau': tf.random.stateless_uniform(
            (batch_size,) + self.noise_shape, seed),
        'epsilon': tf.random.stateless_normal(
            (batch_size, self.latent_dim), fold(1)),
        'dequantize': tf.random.stateless_uniform(
            (batch_size,) + self.image_shape, fold(2))}

  def dequantized(self, x, uniform):
    """Images on 8-bit levels (float32 in [-1, 1]) + uniform [0, 1) noise ->
    continuous values in their levels' cells, float32 [B, S, S, C]."""
    return x + (uniform - 0.5) * CELL

  def _elbo(self, x, epsilon, training):
    """(ELBO of log p(x) [B], KL [B]) with one posterior sample."""
    mean, log_variance = self.encode(x, training)
    z = mean + tf.exp(0.5 * log_variance) * epsilon
    kl = 0.5 * tf.reduce_sum(tf.exp(log_variance) + tf.square(mean) - 1.0 -
                             log_variance, axis=1)
    return self.decoder.log_prob(x, z, training) - kl, kl

  def coverage_loss(self, batch, noise, training=True):
    """L_C [B] (nats per dimension); parts: bits_per_dim, kl (nats)."""
    x = self.dequantized(image_lib.to_float(batch['images']),
                         noise['dequantize'])
    elbo, kl = self._elbo(x, noise['epsilon'], training)
    bits = likelihood.bits_per_dim(elbo + self.num_dims * math.log(CELL),
                                   self.image_shape)
    return -elbo / self.num_dims, dict(bits_per_dim=bits, kl=kl)

  def vae_loss(self, batch, noise, training=True):
    """L_C + quality_weight * L_Q [B], L_Q = -log(D / (1 - D)) at samples."""
    loss, parts = self.coverage_loss(batch, noise, training)
    samples = self.generate(noise['tau'], 'model', training)
    quality = adversarial_losses.log_ratio_loss(
        self.discriminator(samples, training=training))
    return loss + self.quality_weight * quality, dict(parts, quality=quality)

  def discriminator_loss(self, batch, noise, training=True):
    """-log D(x) - log(1 - D(x~)) [B]: data real, samples fake."""
    real = self.discriminator(image_lib.to_float(batch['images']),
                              training=training)
    fake = self.discriminator(tf.stop_gradient(
        self.generate(noise['tau'], 'model', training)), training=training)
    return adversarial_losses.discriminator_loss(real, fake), dict(
        discriminator_real=tf.sigmoid(real),
        discriminator_fake=tf.sigmoid(fake))

  def per_example_loss(self, batch, noise, training=True):
    """The VAE's loss and every player's parts."""
    if self.discriminator is None:
      return self.coverage_loss(batch, noise, training)
    loss, parts = self.vae_loss(batch, noise, training)
    return loss, dict(parts, **self.discriminator_loss(batch, noise,
                                                       training)[1])

  def players(self):
    if self.discriminator is None:
      return super().players()
    vae_variables = lambda: (self.encoder.trainable_variables +
                             self.posterior.trainable_variables +
                             self.decoder.trainable_variables)
    return (base.Player('vae', self.vae_loss, vae_variables),
            base.Player('discriminator', self.discriminator_loss,
                        lambda: self.discriminator.trainable_variables))

  def averaged_layer(self):
    """Every weight: the encoder's average with the decoder's, or the
    ELBO of the averaged model would pair an averaged decoder with the
    current encoder."""
    return self

  # Likelihood.

  def log_prob(self, images, labels=None, num_samples=1, seed=0):
    """A lower bound on log P(x) in nats [B] of 8-bit images.

    The IWAE bound with `num_samples` draws of (u, z): u the dequantization
    noise, z ~ q(z | x + u); its expectation rises to log P(x) as
    num_samples grows (1: the ELBO).

    Args:
      images: float32 [B, S, S, C] in [-1, 1] on 8-bit levels.
      labels: must be None.
      num_samples: K >= 1.
      seed: of the draws.
    """
    del labels
    batch = tf.shape(images)[0]
    x = tf.tile(images, [num_samples, 1, 1, 1])  # Draw-major: [K B, ...].
    x = self.dequantized(x, tf.random.stateless_uniform(tf.shape(x),
                                                        [seed, 0]))
    mean, log_variance = self.encode(x)
    epsilon = tf.random.stateless_normal(tf.shape(mean), [seed, 1])
    z = mean + tf.exp(0.5 * log_variance) * epsilon
    log_q = tf.reduce_sum(-0.5 * tf.square(epsilon) - 0.5 * log_variance,
                          axis=1)
    log_prior = tf.reduce_sum(-0.5 * tf.square(z), axis=1)
    terms = tf.reshape(self.decoder.log_prob(x, z) + log_prior - log_q,
                       [num_samples, batch])
    return (tf.reduce_logsumexp(terms, axis=0) - math.log(num_samples) +
            self.num_dims * math.log(CELL))

  def serving_signatures(self):
    """sample / serving_default: tau [B, m + D] in [0, 1] -> images;
    reconstruct: uint8 images -> uint8 reconstructions."""

    def sample(tau):
      tau = base.checked_input('tau', tau, self.noise_shape, 0, 1)
      return {'images': image_lib.to_uint8(self.sample(tau))}

    return {'sample': tf.function(sample, input_signature=[
        base.batch_spec('tau', tf.float32, self.noise_shape)]),
            'reconstruct': self.reconstruct_signature()}


@registry.register('vae_f')
class VAEF(CoverageQualityVAE):
  """VAE-F: the flow decoder trained for coverage alone."""

  Config = VAEFConfig


@registry.register('cq')
class CQ(CoverageQualityVAE):
  """CQ: a factorised Gaussian decoder, coverage and quality."""

  Config = CQConfig


@registry.register('cq_f')
class CQF(CoverageQualityVAE):
  """CQ-F: the flow decoder, coverage and quality."""

  Config = CQFConfig
