"""The noise every model is sampled from: uniform, seeded, optionally truncated."""

import numpy as np
import tensorflow as tf


def draw_noise(shape, seed, truncation=1.0):
  """Noise for sampling: U[0.5 - a/2, 0.5 + a/2] with a = truncation.

  a = 1 samples the model itself; a smaller a keeps tau (or a PixelCNN's
  uniform noise) near the median, trading diversity for fidelity.

  Args:
    shape: [B, H, W, C].
    seed: int or shape-[2] int tensor; the same seed gives the same noise.
    truncation: float a in (0, 1].

  Returns:
    float32 tensor of `shape` in [0.5 - a/2, 0.5 + a/2].
  """
  if not 0 < truncation <= 1:
    raise ValueError(f'truncation must be in (0, 1], got {truncation}.')
  seed = [0, seed] if isinstance(seed, int) else seed
  uniform = tf.random.stateless_uniform(shape, seed)
  return 0.5 + truncation * (uniform - 0.5)


def gaussian_quantiles(noise, eps=1e-6):
  """Uniform noise [...] in [0, 1] -> standard normal values Phi^-1(noise).

  How every latent-code model turns its uniform noise into Gaussian codes
  (the VAE's prior, the GANs' and AAE's generators), so that all serve one
  contract: uniform noise in. Clipped to [eps, 1 - eps] first: Phi^-1 is
  infinite at 0 and 1.
  """
  noise = tf.clip_by_value(tf.convert_to_tensor(noise, tf.float32), eps,
                           1.0 - eps)
  return tf.math.ndtri(noise)


def interpolate(start, end, num):
  """Noise between two noises [...] in [0, 1]: [num, ...], start to end.

  Through the Gaussian's quantiles: z = cos(pi t / 2) z_a + sin(pi t / 2)
  z_b with z = Phi^-1(noise) and t from 0 to 1, so every interpolant of two
  independent uniform noises is uniform again (a plain mix of two uniforms
  is not: it piles up at 0.5), as a sample's noise is.

  Args:
    start, end: float32 tensors of one shape, values in [0, 1] (clipped to
      [1e-6, 1 - 1e-6]: Phi^-1 is infinite at 0 and 1).
    num: int >= 2, the interpolants, start and end included.

  Returns:
    float32 [num, *start.shape] in (0, 1).
  """
  if num < 2:
    raise ValueError(f'num must be >= 2, got {num}.')
  z_a, z_b = gaussian_quantiles(start), gaussian_quantiles(end)
  angle = tf.reshape(tf.linspace(0.0, 1.0, num) * (np.pi / 2),
                     [num] + [1] * len(z_a.shape))
  z = tf.cos(angle) * z_a + tf.sin(angle) * z_b
  return 0.5 * tf.math.erfc(-z / np.sqrt(2.0))  # Phi(z).
