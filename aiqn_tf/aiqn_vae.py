"""AIQN-VAE (paper appendix): a VAE and a latent AIQN trained together.

The AIQN learns the aggregate posterior: it is trained with the quantile Huber
loss on the encoder's codes, one reparameterized sample z ~ q(z | x) per image
(the codes the decoder is trained on), with the gradient stopped so the AIQN
never shapes the encoder. Sampling: tau ~ U([0,1]^m) -> AIQN -> decoder.

The plain VAE is the same model without the AIQN (`use_aiqn=False`). Both
turn uniform noise [B, m] into images: the prior's codes are its Gaussian
quantiles, z = sqrt(prior_variance) * Phi^-1(u), so the same noise drives
prior and AIQN samples and one serving signature fits both.
"""

import keras
import tensorflow as tf

from aiqn_tf import latent_aiqn
from aiqn_tf import losses
from aiqn_tf import sampling
from aiqn_tf import vae as vae_lib

LATENT_SAMPLERS = ('aiqn', 'prior')
# Uniform noise is clipped to [EPS, 1 - EPS] before the Gaussian quantile.
EPS = 1e-6


class AIQNVAE(keras.Model):
  """A ConvVAE and (unless use_aiqn is False) a LatentAIQN on its codes.

  Args:
    image_shape: (S, S, C), S in {8, 16, 32, 64}.
    latent_dim: m (the paper: 32).
    hidden_units, head_units: the latent AIQN (the paper: three of 512).
    kl_weight: weight of the KL term (AIQN-VAE: 0.5; plain VAE: 1).
    prior_variance: variance of the Gaussian prior (AIQN-VAE: 0.1).
    kappa: Huber threshold of the AIQN's quantile loss.
    use_aiqn: False for the plain VAE.
  """

  def __init__(self, image_shape, latent_dim=32, hidden_units=(512,) * 3,
               head_units=16, kl_weight=0.5, prior_variance=0.1, kappa=0.002,
               use_aiqn=True, **kwargs):
    super().__init__(**kwargs)
    self.image_shape = tuple(image_shape)
    self.latent_dim = latent_dim
    self.vae = vae_lib.ConvVAE(image_shape, latent_dim, name='vae')
    self.aiqn = (latent_aiqn.LatentAIQN(latent_dim, hidden_units, head_units,
                                        name='latent_aiqn')
                 if use_aiqn else None)
    self.kl_weight = kl_weight
    self.prior_variance = prior_variance
    self.kappa = kappa

  def build(self, input_shape):
    # The parts build lazily: one call on zeros creates every weight.
    self.call(tf.zeros([1] + list(input_shape[1:])))

  def call(self, images, training=False):
    """Builds every part; returns reconstructions from the posterior means."""
    mean, _ = self.vae.encode(images, training)
    if self.aiqn is not None:
      self.aiqn({'z': mean, 'tau': tf.fill(tf.shape(mean), 0.5)})
    return self.vae.decode(mean, training)

  def compute_losses(self, images, tau, training=True, epsilon=None):
    """Per-example losses of a batch.

    Args:
      images: float32 [B, S, S, C] in [-1, 1].
      tau: float32 [B, m] in [0, 1] (unused without the AIQN).
      training: batch norm mode.
      epsilon: optional float32 [B, m] reparameterization noise.

    Returns:
      dict of float32 [B]: reconstruction, kl, quantile (0 without the AIQN),
      and total = reconstruction + kl_weight * kl + quantile.
    """
    reconstructions, mean, log_variance, z = self.vae(
        images, training=training, epsilon=epsilon)
    reconstruction, kl = vae_lib.vae_losses(
        images, reconstructions, mean, log_variance, self.prior_variance)
    if self.aiqn is None:
      quantile = tf.zeros_like(kl)
    else:
      codes = tf.stop_gradient(z)
      quantiles = self.aiqn({'z': codes, 'tau': tau})
      quantile = tf.reduce_sum(
          losses.quantile_huber_loss(codes, quantiles, tau, self.kappa), -1)
    return dict(reconstruction=reconstruction, kl=kl, quantile=quantile,
                total=reconstruction + self.kl_weight * kl + quantile)

  def prior_codes(self, noise):
    """Codes of the Gaussian prior: float32 [B, m] uniform noise -> z [B, m]."""
    noise = tf.clip_by_value(tf.convert_to_tensor(noise, tf.float32),
                             EPS, 1.0 - EPS)
    return self.prior_variance**0.5 * tf.math.ndtri(noise)

  def aiqn_codes(self, tau):
    """AIQN codes: tau float32 [B, m] in [0, 1] -> z [B, m], m AIQN passes."""
    if self.aiqn is None:
      raise ValueError('This is a plain VAE: it has no AIQN; sample its '
                       'prior instead.')
    return sampling.sequential(
        lambda z, t: self.aiqn({'z': z, 'tau': t}), tau)

  @property
  def default_latent_sampler(self):
    """'aiqn', or 'prior' for the plain VAE."""
    return 'prior' if self.aiqn is None else 'aiqn'

  def codes(self, noise, latent_sampler=None):
    """Codes from uniform noise [B, m] with latent_sampler 'aiqn' or 'prior'.

    None: `default_latent_sampler`.
    """
    latent_sampler = latent_sampler or self.default_latent_sampler
    if latent_sampler == 'aiqn':
      return self.aiqn_codes(noise)
    if latent_sampler == 'prior':
      return self.prior_codes(noise)
    raise ValueError(f'latent_sampler must be one of {LATENT_SAMPLERS}, got '
                     f'{latent_sampler!r}.')

  def generate(self, noise, latent_sampler=None):
    """Images from uniform noise.

    Args:
      noise: float32 [B, m] in [0, 1].
      latent_sampler: 'aiqn' or 'prior'; default: the AIQN if there is one.

    Returns:
      float32 [B, S, S, C] in [-1, 1].
    """
    return self.vae.decode(self.codes(noise, latent_sampler))

  def reconstruct(self, images):
    """float32 [B, S, S, C] in [-1, 1] -> decoded posterior means, same range."""
    return self.vae.decode(self.vae.encode(images)[0])
