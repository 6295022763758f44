"""Optimizers and learning-rate schedules."""

import keras

# The paper's best CIFAR-10 PixelCNN schedule: the rate for 120K steps, 0.3x
# for 60K more, 0.1x after (1e-4, 3e-5, 1e-5).
PAPER_BOUNDARIES = (120_000, 180_000)
PAPER_FACTORS = (1.0, 0.3, 0.1)


def learning_rate(rate, schedule='constant'):
  """A float (schedule 'constant') or a Keras schedule ('paper')."""
  if schedule == 'constant':
    return rate
  if schedule == 'paper':
    return keras.optimizers.schedules.PiecewiseConstantDecay(
        list(PAPER_BOUNDARIES), [rate * f for f in PAPER_FACTORS])
  raise ValueError(f'lr_schedule must be constant or paper, got {schedule!r}.')


def rate_at(rate, step):
  """The value of `learning_rate(...)` at `step`, as a float."""
  return float(rate(step) if callable(rate) else rate)


def make_optimizer(name, rate, adam_beta1=0.9, adam_beta2=0.999):
  """Adam (with adam_beta1, adam_beta2) or RMSProp at `rate` (float or schedule)."""
  if name == 'adam':
    return keras.optimizers.Adam(rate, beta_1=adam_beta1, beta_2=adam_beta2)
  if name == 'rmsprop':
    return keras.optimizers.RMSprop(rate)
  raise ValueError(f'optimizer must be adam or rmsprop, got {name!r}.')
