"""AIQN-VAE (paper appendix): a VAE and a latent AIQN trained together.

The AIQN learns the aggregate posterior: it is trained with the quantile Huber
loss on the encoder's codes, one reparameterized sample z ~ q(z | x) per image
(the codes the decoder is trained on), with the gradient stopped so the AIQN
never shapes the encoder. Sampling: tau ~ U([0,1]^m) -> AIQN -> decoder.

The plain VAE (`VAE`) and AIQN-VAE share `VAEModel`: the ConvVAE, its loss,
reconstructions and its prior; AIQN-VAE adds the latent AIQN, its loss term
and sampler. Both turn uniform noise [B, m] into images: the prior's codes
are its Gaussian quantiles, z = sqrt(prior_variance) * Phi^-1(u), so the
same noise drives prior and AIQN samples and one serving signature fits
both.
"""

import dataclasses

import tensorflow as tf

from aiqn_tf.core import config_fields
from aiqn_tf.core import images as image_lib
from aiqn_tf.models import base
from aiqn_tf.models.latent import latent_aiqn
from aiqn_tf.models import losses
from aiqn_tf.models import noise as noise_lib
from aiqn_tf.models import registry
from aiqn_tf.models import sampling
from aiqn_tf.models.latent import vae as vae_lib

LATENT_SAMPLERS = ('aiqn', 'prior')
# Uniform noise is clipped to [EPS, 1 - EPS] before the Gaussian quantile.
EPS = 1e-6
_setting = config_fields.setting


@dataclasses.dataclass
class AIQNVAEConfig:
  """AIQN-VAE's model section: the paper's KL weight 0.5 and prior variance 0.1."""
  latent_dim: int = _setting(32, 'VAE code size (the paper: 32).', minimum=2)
  aiqn_layers: int = _setting(3, 'Hidden layers of the latent AIQN.',
                              minimum=1)
  aiqn_units: int = _setting(512, 'Units per hidden layer of the latent '
                             'AIQN.', minimum=1)
  head_units: int = _setting(16, 'Latent AIQN head units per latent '
                             'dimension.', minimum=1)
  kl_weight: float = _setting(0.5, 'Weight of the VAE\'s KL term (AIQN-VAE: '
                              '0.5, VAE: 1).', minimum=0)
  prior_variance: float = _setting(
      0.1, 'Variance of the VAE\'s Gaussian prior, the latent variance '
      '(AIQN-VAE: 0.1, VAE: 1).', above=0)
  kappa: float = _setting(0.002, 'Huber threshold of the AIQN\'s quantile '
                          'loss.', above=0)


class VAEModel(base.GenerativeModel):
  """A ConvVAE sampled through codes: what the VAE and AIQN-VAE share.

  Subclasses name their samplers (`sample_methods`, the prior's 'prior'
  among them), turn noise into codes (`codes`) and may add a loss term on
  the codes (`latent_loss`) and the layer the Polyak average covers.

  Args:
    image_shape: (S, S, C), S in {8, 16, 32, 64}.
    latent_dim: m (the paper: 32), >= 2.
    kl_weight: weight of the KL term (AIQN-VAE: 0.5; plain VAE: 1), >= 0.
    prior_variance: variance of the Gaussian prior (AIQN-VAE: 0.1), > 0.
    num_classes: must be None (not class-conditional).
  """

  can_reconstruct = True
  sample_methods = ('prior',)

  def __init__(self, image_shape, latent_dim=32, kl_weight=1.0,
               prior_variance=1.0, num_classes=None, **kwargs):
    if num_classes is not None:
      raise ValueError(f'{self.kind} is not class-conditional; set '
                       'class_conditional to False.')
    if latent_dim < 2:
      raise ValueError(f'latent_dim must be >= 2, got {latent_dim}.')
    if not kl_weight >= 0:
      raise ValueError(f'kl_weight must be >= 0, got {kl_weight}.')
    if not prior_variance > 0:
      raise ValueError(f'prior_variance must be > 0, got {prior_variance}.')
    super().__init__(image_shape, None, **kwargs)
    self.hyperparameters = dict(
        image_shape=self.image_shape, latent_dim=latent_dim,
        kl_weight=kl_weight, prior_variance=prior_variance)
    self.latent_dim = latent_dim
    self.vae = vae_lib.ConvVAE(image_shape, latent_dim, name='vae')
    self.kl_weight = kl_weight
    self.prior_variance = prior_variance

  @property
  def latent_methods(self):
    return self.sample_methods

  def build(self, input_shape):
    # The parts build lazily: one call on zeros creates every weight.
    self.call(tf.zeros([1] + list(input_shape[1:])))

  def dummy_inputs(self, batch_size=1):
    return tf.zeros((batch_size,) + self.image_shape)

  @property
  def noise_shape(self):
    return (self.latent_dim,)

  def training_noise(self, batch_size, seed):
    """tau for a latent model and the reparameterization noise epsilon."""
    shape = (batch_size, self.latent_dim)
    return {'tau': tf.random.stateless_uniform(shape, seed),
            'epsilon': tf.random.stateless_normal(
                shape, tf.random.experimental.stateless_fold_in(seed, 1))}

  def per_example_loss(self, batch, noise, training=True):
    """The VAE's loss (+ a latent model's); logs the three parts."""
    parts = self.compute_losses(image_lib.to_float(batch['images']),
                                noise['tau'], training, noise['epsilon'])
    return parts.pop('total'), parts

  def averaged_layer(self):
    """None: the VAE's weights are copied, not averaged."""
    return None

  def sample(self, noise, method=None, labels=None, images=None,
             num_fixed=0):
    method = self.check_method(method)
    self.check_conditioning(labels, images, num_fixed)
    return self.generate(noise, method)

  def encode(self, images):
    """float32 [B, S, S, C] in [-1, 1] -> posterior (mean, log_variance) [B, m]."""
    return self.vae.encode(images)

  def serving_signatures(self):
    """sample / serving_default, prior and reconstruct; see serving/export.py."""

    def sampler(method):
      def sample(tau):
        tau = base.checked_input('tau', tau, (self.latent_dim,), 0, 1)
        return {'images': image_lib.to_uint8(self.generate(tau, method))}
      return tf.function(sample, input_signature=[
          base.batch_spec('tau', tf.float32, (self.latent_dim,))])

    return {'sample': sampler(None), 'prior': sampler('prior'),
            'reconstruct': self.reconstruct_signature()}

  def call(self, images, training=False):
    """Builds every part; returns reconstructions from the posterior means."""
    mean, _ = self.vae.encode(images, training)
    self.latent_loss(mean, tf.fill(tf.shape(mean), 0.5))
    return self.vae.decode(mean, training)

  def latent_loss(self, codes, tau):
    """A latent model's loss [B] on the encoder's codes [B, m] (none: 0)."""
    del tau
    return tf.zeros_like(codes[:, 0])

  def compute_losses(self, images, tau, training=True, epsilon=None):
    """Per-example losses of a batch.

    Args:
      images: float32 [B, S, S, C] in [-1, 1].
      tau: float32 [B, m] in [0, 1] (for a latent model's loss).
      training: batch norm mode.
      epsilon: optional float32 [B, m] reparameterization noise.

    Returns:
      dict of float32 [B]: reconstruction, kl, quantile (the latent model's
      loss; 0 without one), and total = reconstruction + kl_weight * kl +
      quantile.
    """
    reconstructions, mean, log_variance, z = self.vae(
        images, training=training, epsilon=epsilon)
    reconstruction, kl = vae_lib.vae_losses(
        images, reconstructions, mean, log_variance, self.prior_variance)
    quantile = self.latent_loss(tf.stop_gradient(z), tau)
    return dict(reconstruction=reconstruction, kl=kl, quantile=quantile,
                total=reconstruction + self.kl_weight * kl + quantile)

  def prior_codes(self, noise):
    """Codes of the Gaussian prior: float32 [B, m] uniform noise -> z [B, m]."""
    return self.prior_variance**0.5 * noise_lib.gaussian_quantiles(noise, EPS)

  def codes(self, noise, method=None):
    """Codes [B, m] from uniform noise [B, m] (the prior's here)."""
    self.check_method(method)
    return self.prior_codes(noise)

  def generate(self, noise, method=None):
    """Images from uniform noise.

    Args:
      noise: float32 [B, m] in [0, 1].
      method: one of `sample_methods` (None: the first).

    Returns:
      float32 [B, S, S, C] in [-1, 1].
    """
    return self.vae.decode(self.codes(noise, method))

  def reconstruct(self, images):
    """float32 [B, S, S, C] in [-1, 1] -> decoded posterior means, same range."""
    return self.vae.decode(self.vae.encode(images)[0])


@registry.register('aiqn_vae')
class AIQNVAE(VAEModel):
  """A ConvVAE and a LatentAIQN on its codes (the paper's appendix).

  Args:
    image_shape, latent_dim, kl_weight, prior_variance: as VAEModel.
    hidden_units, head_units: the latent AIQN (the paper: three of 512).
    kappa: Huber threshold of the AIQN's quantile loss, > 0.
    use_aiqn: True, as the first releases' .keras files hold it (the plain
      VAE is the kind 'vae' now; see CHANGELOG).
  """

  Config = AIQNVAEConfig
  sample_methods = LATENT_SAMPLERS  # 'aiqn' (the default), 'prior'.

  def __init__(self, image_shape, latent_dim=32, hidden_units=(512,) * 3,
               head_units=16, kl_weight=0.5, prior_variance=0.1, kappa=0.002,
               use_aiqn=True, **kwargs):
    if not use_aiqn:
      raise ValueError('AIQN-VAE without its AIQN is the plain VAE: use the '
                       "kind 'vae' (aiqn_vae.VAE).")
    if not kappa > 0:
      raise ValueError(f'kappa must be > 0, got {kappa}.')
    super().__init__(image_shape, latent_dim, kl_weight, prior_variance,
                     **kwargs)
    self.hyperparameters.update(dict(hidden_units=tuple(hidden_units),
                                     head_units=head_units, kappa=kappa))
    self.aiqn = latent_aiqn.LatentAIQN(latent_dim, hidden_units, head_units,
                                       name='latent_aiqn')
    self.kappa = kappa

  @classmethod
  def from_section(cls, section, image_shape, num_classes=None):
    del num_classes  # Its section has no class_conditional.
    fields = dataclasses.asdict(section)
    layers, units = fields.pop('aiqn_layers'), fields.pop('aiqn_units')
    if layers < 1 or units < 1:
      raise ValueError(f'aiqn_layers and aiqn_units must be >= 1, got '
                       f'{layers} and {units}.')
    return cls(image_shape, hidden_units=(units,) * layers, **fields)

  def averaged_layer(self):
    """The AIQN only, as in the paper (the VAE's weights are copied)."""
    return self.aiqn

  def latent_loss(self, codes, tau):
    """The AIQN's quantile Huber loss on the codes, summed over dimensions."""
    quantiles = self.aiqn({'z': codes, 'tau': tau})
    return tf.reduce_sum(
        losses.quantile_huber_loss(codes, quantiles, tau, self.kappa), -1)

  def aiqn_codes(self, tau):
    """AIQN codes: tau float32 [B, m] in [0, 1] -> z [B, m], m AIQN passes."""
    return sampling.sequential(
        lambda z, t: self.aiqn({'z': z, 'tau': t}), tau)

  def codes(self, noise, method=None):
    """Codes [B, m] from uniform noise [B, m] through method 'aiqn' or
    'prior' (None: 'aiqn')."""
    if self.check_method(method) == 'aiqn':
      return self.aiqn_codes(noise)
    return self.prior_codes(noise)


@dataclasses.dataclass
class VAEConfig:
  """The plain VAE's model section: LynnHo's KL weight 1 and prior variance 1."""
  latent_dim: int = _setting(32, 'VAE code size (the paper: 32).', minimum=2)
  kl_weight: float = _setting(1.0, 'Weight of the VAE\'s KL term (AIQN-VAE: '
                              '0.5, VAE: 1).', minimum=0)
  prior_variance: float = _setting(
      1.0, 'Variance of the VAE\'s Gaussian prior, the latent variance '
      '(AIQN-VAE: 0.1, VAE: 1).', above=0)


@registry.register('vae')
class VAE(VAEModel):
  """The plain VAE, sampled from its Gaussian prior.

  Args:
    image_shape, latent_dim, kl_weight, prior_variance: as VAEModel.
    use_aiqn, hidden_units, head_units, kappa: ignored; the first releases'
      .keras files of the VAE hold them (CHANGELOG; dropped in 1.0.0).
  """

  Config = VAEConfig

  def __init__(self, image_shape, latent_dim=32, kl_weight=1.0,
               prior_variance=1.0, **kwargs):
    for name in ('use_aiqn', 'hidden_units', 'head_units', 'kappa'):
      kwargs.pop(name, None)
    super().__init__(image_shape, latent_dim, kl_weight, prior_variance,
                     **kwargs)

  @classmethod
  def from_section(cls, section, image_shape, num_classes=None):
    del num_classes
    return cls(image_shape, **dataclasses.asdict(section))

  def check_method(self, method):
    if method == 'aiqn':
      raise ValueError('A plain VAE has no latent AIQN, so no AIQN codes: '
                       "sample its prior ('prior') instead.")
    return super().check_method(method)
