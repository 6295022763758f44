"""AIQN-VAE (paper appendix): a VAE and a latent AIQN trained together.

The AIQN learns the aggregate posterior: it is trained with the quantile Huber
loss on the encoder's codes, one reparameterized sample z ~ q(z | x) per image
(the codes the decoder is trained on), with the gradient stopped so the AIQN
never shapes the encoder. Sampling: tau ~ U([0,1]^m) -> AIQN -> decoder.
"""

import keras
import tensorflow as tf

from aiqn_tf import latent_aiqn
from aiqn_tf import losses
from aiqn_tf import vae as vae_lib


class AIQNVAE(keras.Model):
  """A ConvVAE and a LatentAIQN on its codes.

  Args:
    image_shape: (S, S, C), S in {8, 16, 32, 64}.
    latent_dim: m (the paper: 32).
    hidden_units, head_units: the latent AIQN (the paper: three of 512).
    kl_weight: weight of the KL term (AIQN-VAE: 0.5; plain VAE: 1).
    prior_variance: variance of the Gaussian prior (AIQN-VAE: 0.1).
    kappa: Huber threshold of the AIQN's quantile loss.
  """

  def __init__(self, image_shape, latent_dim=32, hidden_units=(512,) * 3,
               head_units=16, kl_weight=0.5, prior_variance=0.1, kappa=0.002,
               **kwargs):
    super().__init__(**kwargs)
    self.vae = vae_lib.ConvVAE(image_shape, latent_dim, name='vae')
    self.aiqn = latent_aiqn.LatentAIQN(latent_dim, hidden_units, head_units,
                                       name='latent_aiqn')
    self.kl_weight = kl_weight
    self.prior_variance = prior_variance
    self.kappa = kappa

  def compute_losses(self, images, tau, training=True):
    """Losses of a batch.

    Args:
      images: float32 [B, S, S, C] in [-1, 1].
      tau: float32 [B, m] in [0, 1].
      training: batch norm mode.

    Returns:
      dict of scalars: reconstruction, kl, quantile, and total =
      reconstruction + kl_weight * kl + quantile.
    """
    reconstructions, mean, log_variance, z = self.vae(images,
                                                      training=training)
    reconstruction, kl = vae_lib.vae_losses(
        images, reconstructions, mean, log_variance, self.prior_variance)
    codes = tf.stop_gradient(z)
    quantiles = self.aiqn({'z': codes, 'tau': tau})
    quantile = tf.reduce_mean(tf.reduce_sum(
        losses.quantile_huber_loss(codes, quantiles, tau, self.kappa), -1))
    return dict(reconstruction=reconstruction, kl=kl, quantile=quantile,
                total=reconstruction + self.kl_weight * kl + quantile)
