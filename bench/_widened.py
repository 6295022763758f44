"""PixelIQN's samples with its quantiles widened or narrowed about the median.

The coverage study's one-factor test of the quantiles' range (bench/coverage.py).
"""

import tensorflow as tf

from aiqn_tf.models import sampling


def widened_sample(model, tau, spread):
  """PixelIQN's fast sample with every quantile widened about its median.

  Args:
    model: a PixelIQN on the gated backbone.
    tau: float32 [B, H, W, C] in [0, 1].
    spread: float32 scalar s: y = clip(Q(1/2) + s (Q(tau) - Q(1/2))).

  Returns:
    float32 [B, H, W, C] in [-1, 1].
  """
  backbone = model.backbone
  half = tf.fill([tau.shape[0], 1], 0.5)

  def pixel_fn(cache, context, x_row, i, j, c, state):
    median = backbone.sampling_candidates(cache, context, x_row, i, j, c,
                                          half)[:, 0, 0]
    outputs, cache = backbone.sampling_pixel(cache, context, x_row, i, j, c)
    median = tf.reshape(median, [-1, 1, 1, 1])
    values = tf.clip_by_value(median + spread * (outputs - median), -1.0, 1.0)
    return values, cache, context, state, None

  images, _ = sampling.cached(backbone, model.sample_values, tau, tau,
                              pixel_fn=pixel_fn)
  return images
