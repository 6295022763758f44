"""How far samples of vectors are from held-out rows: for tables and points.

- `energy_distance`: Szekely's energy distance between two samples of
  vectors, 2 E|X - Y| - E|X - X'| - E|Y - Y'| with Euclidean norms; zero
  exactly when the two distributions are equal (in the limit of the
  samples), and sensitive to every moment, so a model that drops modes or
  blurs them is seen.
- `quantile_errors`: per column, the mean absolute difference between the
  samples' and the reference's quantiles, in units of the reference
  column's standard deviation: which columns a model of a table gets wrong.
- `evaluate`: both for a model's samples against held-out rows, and the
  mode counts (modes.py) where the data's modes are known.

All on the model scale: a table's standardised columns.
"""

import numpy as np

from aiqn_tf.evaluation import evaluate as evaluate_lib
from aiqn_tf.evaluation import modes

QUANTILES = tuple(np.round(np.arange(0.05, 1.0, 0.05), 2))


def _pair(samples, reference):
  """float64 [N, D] and [M, D]; ValueError unless both are rows of one D."""
  x = np.asarray(samples, np.float64)
  y = np.asarray(reference, np.float64)
  if x.ndim != 2 or y.ndim != 2 or x.shape[1] != y.shape[1]:
    raise ValueError(f'samples [N, D] and reference [M, D] of one D, got '
                     f'{x.shape} and {y.shape}.')
  return x, y


def _mean_distance(a, b):
  """E|A - B| over all pairs (rows of a against rows of b)."""
  return float(np.mean(np.linalg.norm(a[:, None] - b[None], axis=-1)))


def energy_distance(samples, reference):
  """2 E|X - Y| - E|X - X'| - E|Y - Y'| of samples X and reference Y.

  Args:
    samples: float [N, D].
    reference: float [M, D] (held-out rows).

  Returns:
    float >= 0 (the V-statistic: pairs include each row with itself).
  """
  x, y = _pair(samples, reference)
  return (2 * _mean_distance(x, y) - _mean_distance(x, x) -
          _mean_distance(y, y))


def quantile_errors(samples, reference, quantiles=QUANTILES):
  """Per column: mean |q_samples - q_reference| / std of the reference.

  Args:
    samples: float [N, D].
    reference: float [M, D].
    quantiles: levels in (0, 1).

  Returns:
    float [D].
  """
  x, y = _pair(samples, reference)
  difference = np.abs(np.quantile(x, quantiles, axis=0) -
                      np.quantile(y, quantiles, axis=0))
  return difference.mean(axis=0) / y.std(axis=0)


def evaluate(model, test, num_samples=2500, seed=0, batch_size=256,
             mixture=None):
  """A model of vectors' samples against held-out rows.

  Args:
    model: a model of vectors (core/events.py), e.g. the Polyak average.
    test: float [M, D], held-out rows as stored (float: the model scale).
    num_samples: samples drawn (VEEGAN's benchmarks: 2,500).
    seed: of the samples' noise (and labels, for a class-conditional model).
    batch_size: samples per sampler call.
    mixture: optional data/mixtures.Mixture whose modes to count.

  Returns:
    dict: num_samples, num_test, energy_distance (and energy_distance_floor,
    between the test rows' halves), quantile_error (mean over columns) and
    quantile_error_max; with a mixture, modes, high_quality and
    modes_of (the mixture's number of modes).
  """
  space = model.space
  samples = space.to_float(evaluate_lib.draw_samples(
      model, num_samples, batch_size, seed=seed)).numpy()
  test = space.to_float(np.asarray(test)).numpy()
  half = len(test) // 2
  errors = quantile_errors(samples, test)
  results = {
      'num_samples': int(num_samples), 'num_test': len(test),
      'energy_distance': energy_distance(samples, test),
      'energy_distance_floor': energy_distance(test[:half], test[half:]),
      'quantile_error': float(errors.mean()),
      'quantile_error_max': float(errors.max())}
  if mixture is not None:
    results.update(modes.coverage(samples, mixture.centers, mixture.std),
                   modes_of=mixture.num_modes)
  return results
