"""How far samples of vectors are from held-out rows: for tables and points.

- `energy_distance`: Szekely's energy distance between two samples of
  vectors, 2 E|X - Y| - E|X - X'| - E|Y - Y'| with Euclidean norms; zero
  exactly when the two distributions are equal (in the limit of the
  samples), and sensitive to every moment, so a model that drops modes or
  blurs them is seen.
- `quantile_errors`: per column, the mean absolute difference between the
  samples' and the reference's quantiles, in units of the reference
  column's standard deviation: which columns a model of a table gets wrong.
"""

import numpy as np

QUANTILES = tuple(np.round(np.arange(0.05, 1.0, 0.05), 2))


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
  x = np.asarray(samples, np.float64)
  y = np.asarray(reference, np.float64)
  if x.ndim != 2 or y.ndim != 2 or x.shape[1] != y.shape[1]:
    raise ValueError(f'samples [N, D] and reference [M, D] of one D, got '
                     f'{x.shape} and {y.shape}.')
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
  x = np.asarray(samples, np.float64)
  y = np.asarray(reference, np.float64)
  if x.ndim != 2 or y.ndim != 2 or x.shape[1] != y.shape[1]:
    raise ValueError(f'samples [N, D] and reference [M, D] of one D, got '
                     f'{x.shape} and {y.shape}.')
  difference = np.abs(np.quantile(x, quantiles, axis=0) -
                      np.quantile(y, quantiles, axis=0))
  return difference.mean(axis=0) / y.std(axis=0)
