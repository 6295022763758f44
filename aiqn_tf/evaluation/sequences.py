"""Held-out scores of models of sequences: bits per sample and CRPS.

- `bits_per_sample`: -log2 P(x) per time step and channel of held-out 16-bit
  sound, on its 65,536 levels: the one discretisation every head of sound
  can be put on. The PixelCNN++ mixture models those levels directly; the
  softmax over mu-law codes (WaveNet's) gives each code's probability
  evenly to the 16-bit values it codes, P16(v) = P(code(v)) / n(code(v)),
  n(c) the number of 16-bit values whose code is c, so that densities on
  different grids compare (as bits/dim on 8-bit images do).
- `crps`: the continuous ranked probability score of a quantile model's
  one-step predictions, teacher-forced (each step's law given the true
  past): CRPS(F, y) = 2 int_0^1 rho_tau(y - F^-1(tau)) dtau (Gneiting &
  Raftery 2007; Gneiting & Ranjan 2011), estimated without bias by the
  pinball loss at uniform tau, averaged over steps and channels, in the
  model scale (16-bit sound: 1 is full scale). Lower is better; for a point
  forecast it is the absolute error.
"""

import functools

import numpy as np
import tensorflow as tf

from aiqn_tf.core import events


@functools.lru_cache(maxsize=1)
def mu_law_widths():
  """int64 [256]: how many 16-bit values each mu-law code codes."""
  values = np.arange(-32768, 32768, dtype=np.float64) / 32768.0
  return np.bincount(events.mu_law_encode(values).numpy(), minlength=256)


def _batches(examples, batch_size):
  count = len(examples['sequences'])
  for start in range(0, count, batch_size):
    yield {k: v[start:start + batch_size] for k, v in examples.items()}


def bits_per_sample(model, examples, batch_size=16):
  """Mean -log2 P of held-out 16-bit samples, per step and channel.

  Args:
    model: a model of sound with levels: the PixelCNN++ mixture on int16
      values, or the softmax (PixelCNN) on mu-law codes.
    examples: {"sequences": int16 [N, T, C] as the data stores 16-bit sound
      (", labels": int32 [N] for a class-conditional model)}.
    batch_size: examples per call.

  Returns:
    float: bits per sample on the 16-bit grid.

  Raises:
    ValueError: for a model without levels (PixelIQN: its likelihood on
      sequences is not built) or other values than int16 / mu_law.
  """
  space = model.space
  if not hasattr(model, 'negative_log_likelihood') or space.values not in (
      'int16', 'mu_law'):
    raise ValueError(
        f'bits per 16-bit sample need a head with levels over int16 values '
        f'or mu-law codes (the PixelCNN++ mixture, the softmax); this model '
        f'is {type(model).__name__} on {space.describe()}.')
  widths = tf.constant(np.log(mu_law_widths()), tf.float32)

  @tf.function(reduce_retracing=True)
  def nats(batch):
    pcm = batch['sequences']
    if space.values == 'mu_law':
      stored = events.pcm_to_mu_law(pcm)
    else:
      stored = pcm
    inputs = model.model_inputs(dict(batch, sequences=stored))
    levels = space.levels(stored)
    per_step = model.negative_log_likelihood(levels, model(inputs))
    if space.values == 'mu_law':
      per_step += tf.gather(widths, levels)
    return tf.reduce_sum(per_step)

  total = sum(float(nats(batch)) for batch in _batches(examples, batch_size))
  size = np.prod(examples['sequences'].shape)
  return total / size / np.log(2.0)


def crps(model, examples, draws=8, batch_size=16, seed=0):
  """Held-out CRPS of a quantile model's teacher-forced one-step laws.

  Args:
    model: a model with tau (PixelIQN) on sequences.
    examples: {"sequences": [N, T, C] as the data stores them (", labels")}.
    draws: tau draws per example (the estimate's variance falls as 1/draws).
    batch_size: examples per call.
    seed: of the tau draws.

  Returns:
    float: the mean CRPS per step and channel, in the model scale.
  """
  if not model.uses_tau:
    raise ValueError(f'CRPS is scored here from quantiles at tau; '
                     f'{type(model).__name__} has no tau.')
  space = model.space

  @tf.function(reduce_retracing=True)
  def pinball(batch, seed):
    shape = tf.shape(batch['sequences'])
    tau = tf.random.stateless_uniform(shape, seed)
    inputs = model.model_inputs(batch, tau)
    error = inputs[space.key] - model(inputs)
    return tf.reduce_sum((tau - tf.cast(error < 0, tf.float32)) * error)

  total = 0.0
  for index, batch in enumerate(_batches(examples, batch_size)):
    for draw in range(draws):
      total += float(pinball(batch, tf.constant([seed, index * draws +
                                                 draw])))
  size = np.prod(examples['sequences'].shape)
  return 2.0 * total / draws / size


def evaluate(model, examples, draws=8, seed=0, batch_size=16):
  """Every held-out score `model` has, on the same examples.

  Args:
    model: a model of sequences.
    examples: {"sequences": [N, T, C] (", labels")}: 16-bit sound as int16
      (for a model of mu-law codes too: it is coded here), or the values
      the model's space stores.
    draws, seed: of the CRPS estimate.
    batch_size: examples per call.

  Returns:
    {"num_test": N, "test_bits_per_sample": ... (heads with levels, on
     16-bit sound), "test_crps": ... (models with tau)}.

  Raises:
    ValueError: when the model has neither score for these examples.
  """
  space = model.space
  pcm = examples['sequences'].dtype == np.int16
  results = {'num_test': len(examples['sequences'])}
  if (hasattr(model, 'negative_log_likelihood') and pcm and
      space.values in ('int16', 'mu_law')):
    results['test_bits_per_sample'] = bits_per_sample(model, examples,
                                                      batch_size)
  if model.uses_tau:
    if pcm and space.values == 'mu_law':
      examples = dict(examples, sequences=events.pcm_to_mu_law(
          examples['sequences']).numpy())
    results['test_crps'] = crps(model, examples, draws, batch_size, seed)
  if len(results) == 1:
    raise ValueError(
        f'{type(model).__name__} on {space.describe()} has no held-out score '
        'here: bits per sample need a head with levels on 16-bit sound, '
        'CRPS a model with tau.')
  return results
