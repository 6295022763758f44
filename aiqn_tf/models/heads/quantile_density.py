"""PixelIQN's quantile density: dQ/dtau of every sub-pixel, and what it implies.

dQ(tau)/dtau = 1 / p(Q(tau)) (the paper, section 3): one forward-mode pass
gives every sub-pixel's density given the sub-pixels before it, and where it
is not positive the quantile function crosses.
"""

import tensorflow as tf

from aiqn_tf.models.backbones import gated_pixelcnn
from aiqn_tf.models.layers import slicing


def quantile_density(model, images, tau, labels=None):
  """dQ/dtau of every sub-pixel of a PixelIQN sample, by forward-mode autodiff.

  For sub-pixel k this is d out_k / d tau_k with the earlier sub-pixels (the
  inputs) and the other taus held fixed: 1 / p(x_k | x_<k) in the model. Row i
  of the output depends on tau only through tau's row i (the vertical stack
  reaches it from rows above), so the rows are folded into the batch and one
  Jacobian-vector product per column and channel (W * C of them) gives all.

  Args:
    model: a PixelIQN.
    images: float32 [B, H, W, C] in [-1, 1], e.g. a sample.
    tau: float32 [B, H, W, C] in [0, 1], the tau the sample was drawn with.
    labels: int32 [B] for a class-conditional model, else None.

  Returns:
    float32 [B, H, W, C]: dQ/dtau in the image scale per unit of tau.
  """
  backbone = model.backbone
  if not backbone.use_tau:
    raise ValueError('quantile_density needs a PixelIQN (a model with tau).')
  if not isinstance(backbone, gated_pixelcnn.GatedPixelCNN):
    raise ValueError('quantile_density needs the gated backbone (its '
                     'vertical and horizontal stacks); this model has '
                     f'{type(backbone).__name__}.')
  height, width, channels = backbone.image_shape
  images = tf.convert_to_tensor(images, tf.float32)
  tau = tf.convert_to_tensor(tau, tf.float32)
  batch = tf.shape(images)[0]

  def fold(x):  # [B, H, W, D] -> [B * H, 1, W, D]
    return tf.reshape(x, [-1, 1, width, x.shape[-1]])

  v, v_above = images, []
  for block in backbone.blocks:
    pre, v = block.vertical(v, backbone.tau_features(tau), labels)
    v_above.append(fold(slicing.pad_top(pre, 1)[:, :-1]))
  row_labels = None if labels is None else tf.repeat(labels, height)
  x_rows, tau_rows = fold(images), fold(tau)

  def rows_out(tau_rows):
    h, skip = x_rows, 0.0
    for block, above in zip(backbone.blocks, v_above):
      h, s = block.horizontal(h, above, backbone.tau_features(tau_rows),
                              row_labels)
      skip += s
    return backbone.output_path(skip)

  columns = []
  for k in range(width * channels):
    tangent = tf.one_hot(k, width * channels)
    tangent = tf.broadcast_to(tf.reshape(tangent, [1, 1, width, channels]),
                              tf.shape(tau_rows))
    with tf.autodiff.ForwardAccumulator(tau_rows, tangent) as accumulator:
      out = rows_out(tau_rows)
    columns.append(tf.reshape(accumulator.jvp(out), [-1, width * channels])
                   [:, k])
  density = tf.stack(columns, axis=-1)
  return tf.reshape(density, [batch, height, width, channels])


def density_summary(dq):
  """Per-image implied log density and quantile-crossing share.

  Args:
    dq: float32 [B, H, W, C], from `quantile_density`.

  Returns:
    (log_density [B]: sum over sub-pixels with dQ/dtau > 0 of -log dQ/dtau,
     the log density of the sample in the [-1, 1] image scale; crossing [B]:
     the share of sub-pixels with dQ/dtau <= 0, where the quantile function
     is not increasing and the density is undefined).
  """
  positive = dq > 0
  safe = tf.where(positive, dq, tf.ones_like(dq))
  log_density = -tf.reduce_sum(tf.math.log(safe), axis=[1, 2, 3])
  crossing = 1.0 - tf.reduce_mean(tf.cast(positive, tf.float32), [1, 2, 3])
  return log_density, crossing
