"""Mauna Loa CO2: a real time series that ships with statsmodels, in windows.

Keeling & Whorf's weekly atmospheric CO2 at Mauna Loa, March 1958 to
December 2001 (2,284 weeks, ppmv; public domain), read from the CSV file
statsmodels installs (`statsmodels/datasets/co2/co2.csv`) without importing
statsmodels. The 59 missing weeks are filled by linear interpolation
between their neighbours. A trend with a yearly cycle: the classic
forecasting example.

As sequences: windows of WINDOW weeks (two years, so each holds two cycles),
every STRIDE weeks. The split is by time: training windows lie wholly in
the first TRAIN_SHARE of the weeks and test windows wholly after it, so no
week is in both. Values are standardised by the training weeks' mean and
standard deviation (`scale()` gives them, to go back to ppmv): float32
[N, WINDOW, 1], continuous, no labels.
"""

import functools
import importlib.util
import os

import numpy as np

from aiqn_tf.data import errors

WINDOW = 104
STRIDE = 4
TRAIN_SHARE = 0.8


def csv_path():
  """statsmodels' co2.csv; DatasetError without statsmodels."""
  spec = importlib.util.find_spec('statsmodels')
  if spec is None:
    raise errors.DatasetError(
        'The co2 series ships with statsmodels: pip install statsmodels.')
  return os.path.join(spec.submodule_search_locations[0], 'datasets', 'co2',
                      'co2.csv')


@functools.lru_cache(maxsize=1)
def weekly():
  """float64 [2284]: the weekly series in ppmv, gaps interpolated."""
  table = np.genfromtxt(csv_path(), delimiter=',', skip_header=1)
  values = table[:, 1]
  known = np.flatnonzero(np.isfinite(values))
  return np.interp(np.arange(len(values)), known, values[known])


def _cut():
  return int(len(weekly()) * TRAIN_SHARE)


def scale():
  """(mean, standard deviation) in ppmv of the training weeks: value =
  mean + deviation * standardised value."""
  train = weekly()[:_cut()]
  return float(train.mean()), float(train.std())


def arrays(split):
  """One split: {"sequences": float32 [N, WINDOW, 1]} standardised windows.

  Args:
    split: 'train' or 'test'.
  """
  series, cut = weekly(), _cut()
  part = series[:cut] if split == 'train' else series[cut:]
  mean, deviation = scale()
  starts = range(0, len(part) - WINDOW + 1, STRIDE)
  windows = np.stack([part[s:s + WINDOW] for s in starts])
  return {'sequences': ((windows - mean) / deviation).astype(np.float32)[
      ..., None]}
