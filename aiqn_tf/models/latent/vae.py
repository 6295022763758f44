"""The CelebA VAE of LynnHo/VAE-Tensorflow (`conv_64`), ported to Keras.

Encoder: stages of [conv 5x5 stride 2 SAME (no bias) -> batch norm -> leaky
ReLU 0.2] with 64, 128, 256, 512 channels (64x64 -> 4x4), flatten, dense
layers for the mean and log-variance. Decoder: dense to 4*4*512 + ReLU,
reshape, [transposed conv 5x5 stride 2 (no bias) -> batch norm -> ReLU] with
256, 128, 64 channels, transposed conv to the image channels, tanh. Other
square sizes use log2(size / 4) stages (8x8 digits: one stage of 64).

Loss, as LynnHo: pixel mean squared error + kl_weight * KL, the KL averaged
over latent dimensions (both then averaged over the batch). Batch norm is
synchronized across replicas, so a batch's statistics do not depend on how
tf.distribute splits it. AIQN-VAE (paper appendix) lowers the KL
weight to 0.5 and the latent variance to 0.1, which we read as the variance of
the Gaussian prior N(0, 0.1 I) that the KL pulls the posterior towards (and
that the plain VAE samples from).
"""

import math

import keras
import tensorflow as tf

CHANNELS = (64, 128, 256, 512)


def num_stages(image_size):
  """Stride-2 stages from image_size down to 4; ValueError if not 4 * 2^k."""
  stages = math.log2(image_size / 4) if image_size >= 8 else 0
  if stages != int(stages) or not 1 <= stages <= len(CHANNELS):
    raise ValueError(f'The VAE takes square images of size 8, 16, 32 or 64, '
                     f'got {image_size}: set image_size to one of them.')
  return int(stages)


def conv_encoder(image_shape, name='encoder'):
  """LynnHo's encoder stages, flattened: images [B, S, S, C] -> features."""
  layers = keras.layers
  encoder = keras.Sequential(name=name)
  for width in CHANNELS[:num_stages(image_shape[0])]:
    encoder.add(layers.Conv2D(width, 5, 2, 'same', use_bias=False))
    encoder.add(layers.BatchNormalization(synchronized=True))
    encoder.add(layers.LeakyReLU(0.2))
  encoder.add(layers.Flatten())
  return encoder


def conv_decoder(image_shape, channels=None, activation='tanh',
                 name='decoder'):
  """LynnHo's decoder: codes [B, m] -> [B, S, S, channels].

  Args:
    image_shape: (S, S, C).
    channels: output channels (default C).
    activation: of the last layer (tanh: images in [-1, 1]; None: linear,
      for the parameters of a distribution).
  """
  layers = keras.layers
  widths = CHANNELS[:num_stages(image_shape[0])]
  decoder = keras.Sequential(name=name)
  decoder.add(layers.Dense(4 * 4 * widths[-1], activation='relu'))
  decoder.add(layers.Reshape((4, 4, widths[-1])))
  for width in reversed(widths[:-1]):
    decoder.add(layers.Conv2DTranspose(width, 5, 2, 'same', use_bias=False))
    decoder.add(layers.BatchNormalization(synchronized=True))
    decoder.add(layers.ReLU())
  decoder.add(layers.Conv2DTranspose(channels or image_shape[2], 5, 2, 'same',
                                     activation=activation))
  return decoder


@keras.saving.register_keras_serializable(package='aiqn_tf')
class ConvVAE(keras.Model):
  """LynnHo's conv VAE for square images in [-1, 1].

  Args:
    image_shape: (S, S, C), S in {8, 16, 32, 64}.
    latent_dim: size of z (the paper: 32).
  """

  def __init__(self, image_shape, latent_dim=32, **kwargs):
    super().__init__(**kwargs)
    self.image_shape = tuple(image_shape)
    self.latent_dim = latent_dim
    self.encoder = conv_encoder(self.image_shape)
    self.mean = keras.layers.Dense(latent_dim, name='mean')
    self.log_variance = keras.layers.Dense(latent_dim, name='log_variance')
    self.decoder = conv_decoder(self.image_shape)

  def encode(self, images, training=False):
    """images [B, S, S, C] in [-1, 1] -> (mean [B, m], log-variance [B, m])."""
    h = self.encoder(images, training=training)
    return self.mean(h), self.log_variance(h)

  def decode(self, z, training=False):
    """z [B, m] -> images [B, S, S, C] in [-1, 1]."""
    return self.decoder(z, training=training)

  def call(self, images, training=False, epsilon=None):
    """Reconstruction from a reparameterized code.

    Args:
      images: float32 [B, S, S, C] in [-1, 1].
      training: batch norm mode.
      epsilon: float32 [B, m] standard normal noise of z = mean + std *
        epsilon (drawn here if None; the trainer passes stateless noise).

    Returns:
      (reconstructions [B, S, S, C], mean [B, m], log-variance [B, m], z).
    """
    mean, log_variance = self.encode(images, training)
    if epsilon is None:
      epsilon = tf.random.normal(tf.shape(mean))
    z = mean + tf.exp(0.5 * log_variance) * epsilon
    return self.decode(z, training), mean, log_variance, z


def vae_losses(images, reconstructions, mean, log_variance,
               prior_variance=1.0):
  """Per-example (reconstruction MSE, KL(q || N(0, prior_variance I))).

  Args:
    images, reconstructions: float [B, S, S, C] in [-1, 1].
    mean, log_variance: float [B, m], the posterior q(z | x).
    prior_variance: float > 0.

  Returns:
    (mean squared error over pixels [B], KL averaged over dimensions [B]).
  """
  reconstruction = tf.reduce_mean(tf.square(images - reconstructions),
                                  axis=[1, 2, 3])
  variance = tf.exp(log_variance)
  kl = 0.5 * (variance / prior_variance + tf.square(mean) / prior_variance
              - 1.0 - log_variance + math.log(prior_variance))
  return reconstruction, tf.reduce_mean(kl, axis=-1)
