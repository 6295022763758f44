"""PixelIQN: an autoregressive implicit quantile network on a Gated PixelCNN.

The quantile head serves every event space its backbone serves and every
coding of the values (core/events.py): on continuous values its quantiles
are the sample, unclipped, and no discretisation enters the loss.
"""

import dataclasses

import tensorflow as tf

from aiqn_tf.core import config_fields
from aiqn_tf.models.backbones import backbone
from aiqn_tf.models.heads import likelihood
from aiqn_tf.models import losses
from aiqn_tf.models.heads import pixel_model
from aiqn_tf.models import registry


@dataclasses.dataclass
class PixelIQNConfig(pixel_model.PixelConfig):
  """PixelIQN's model section: the backbone, kappa and how tau enters."""
  kappa: float = config_fields.setting(
      0.002, 'Huber threshold of the quantile loss (the paper: 0.002).',
      above=0)
  tau_embedding: str = config_fields.setting(
      'linear', 'PixelIQN: how tau enters the blocks: linear (the paper) or '
      'cosine (IQN).', choices=backbone.TAU_EMBEDDINGS)
  tau_draws: int = config_fields.setting(
      1, 'PixelIQN: tau drawn per training image and step, its loss the mean '
      'over them (1: the paper; PixelCNN\'s cross-entropy scores all 256 '
      'levels of a sub-pixel, the quantile loss one tau).', minimum=1)


@registry.register('pixel_iqn')
class PixelIQN(pixel_model.PixelModel):
  """Maps (images, tau) to the quantile of each sub-pixel at its own tau.

  Called on {"images": float32 [B,H,W,C] in [-1,1], "tau": float32 [B,H,W,C]
  in [0,1]} (plus "labels": int32 [B] in [0, num_classes) when class-conditional),
  returns float32 [B,H,W,C]: Q(tau[b,i,j,c] | earlier sub-pixels) in the image
  scale (unbounded; clip to [-1,1] for images). Output (i,j,c) sees images at
  sub-pixels strictly before (i,j,c) in raster order with R < G < B, and tau up
  to and including (i,j,c).

  Args:
    image_shape, num_layers, filters, kernel_size, output_filters,
      num_classes: as `pixel_model.PixelModel`.
    kappa: Huber threshold of the training loss (the paper: 0.002), > 0.
    tau_embedding: 'linear' (the paper) or 'cosine' (IQN's), see
      gated_pixelcnn.GatedPixelCNN.
    tau_draws: tau maps drawn per training image and step, >= 1 (the
      paper: 1); each image's loss is the mean over its draws, so the cost
      of a step grows with them.
  """

  Config = PixelIQNConfig
  uses_tau = True
  can_invert = True
  estimates_likelihood = True

  def __init__(self, image_shape, num_layers=15, filters=128, kernel_size=5,
               output_filters=1024, num_classes=None, kappa=0.002,
               tau_embedding='linear', tau_draws=1, **kwargs):
    if not kappa > 0:
      raise ValueError(f'kappa must be > 0, got {kappa}.')
    if int(tau_draws) < 1:
      raise ValueError(f'tau_draws must be >= 1, got {tau_draws}.')
    super().__init__(image_shape, num_layers, filters, kernel_size,
                     output_filters, num_classes,
                     backbone_options=dict(tau_embedding=tau_embedding),
                     **kwargs)
    self.kappa = kappa
    self.hyperparameters['kappa'] = kappa
    self.hyperparameters['tau_embedding'] = tau_embedding
    self.tau_draws = int(tau_draws)
    if self.tau_draws > 1:  # Runs of the paper's single draw keep their keys.
      self.hyperparameters['tau_draws'] = self.tau_draws

  def training_noise(self, batch_size, seed):
    """tau [batch_size, H, W, C], or [batch_size, tau_draws, H, W, C]."""
    if self.tau_draws == 1:
      return super().training_noise(batch_size, seed)
    return {'tau': tf.random.stateless_uniform(
        (batch_size, self.tau_draws) + tuple(self.noise_shape), seed)}

  def per_example_loss(self, batch, noise, training=True):
    """The Huber quantile loss summed over sub-pixels (the paper), the mean
    over an image's tau draws."""
    del training
    tau = noise['tau']
    if self.tau_draws > 1:
      tau = tf.reshape(tau, [-1] + list(self.image_shape))
      batch = {k: tf.repeat(v, self.tau_draws, axis=0)
               for k, v in batch.items() if v is not None}
    inputs = self.model_inputs(batch, tau)
    elementwise = losses.quantile_huber_loss(inputs[self.space.key],
                                             self(inputs), tau, self.kappa)
    loss = tf.reduce_sum(elementwise,
                         axis=list(range(1, len(self.image_shape) + 1)))
    return tf.reduce_mean(tf.reshape(loss, [-1, self.tau_draws]), 1), {}

  def invert(self, images, labels=None, method=None):
    """tau whose sample gives `images` back (likelihood.invert).

    Returns:
      (tau float32 [B, H, W, C] in [0, 1], reachable bool [B, H, W, C]).
    """
    return likelihood.invert(self, images, labels, method)

  def log_prob(self, images, labels=None, num_samples=1, epsilon=0.0):
    """log P(x) in nats [B]: the sampler's importance-sampled inverse.

    A lower bound in expectation, tightening with num_samples; -inf where a
    level is out of Q's reach, unless epsilon > 0 smooths each sub-pixel's
    law with a uniform level (likelihood.log_prob).
    """
    return self.estimate_log_prob(images, labels, num_samples,
                                  epsilon=epsilon)[0]

  def estimate_log_prob(self, images, labels=None, num_samples=1, seed=0,
                        epsilon=0.0):
    """(log P(x) [B], diagnostics: the share of each image's unreachable
    and crossing sub-pixels): likelihood.log_prob's particle filter."""
    return likelihood.log_prob(self, images, labels, num_samples, seed=seed,
                               epsilon=epsilon)

  def sample_values(self, outputs, noise):
    """Sample values from backbone outputs: the quantiles, clipped to [-1, 1]
    where the values are discretised (events.EventSpace.clip).

    Args:
      outputs: float32 [..., C], the backbone's output at tau = noise.
      noise: float32 [..., C], the tau the outputs were computed at (unused:
        PixelIQN takes its noise as an input).

    Returns:
      float32 [..., C], in [-1, 1] unless the values are continuous.
    """
    del noise
    return self.space.clip(outputs)
