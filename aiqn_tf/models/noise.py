"""The noise every model is sampled from: uniform, seeded, optionally truncated."""

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
