"""A CSV table of numbers as a dataset of vectors ('csv:FILE.csv').

The first row names the columns; every other row is one vector of floats,
one value per column. An empty cell or one that is not a number is refused
with its row and column (fill or drop it first). Row i is in the test split
by the hash of str(i), as the array files' rows (arrays.py).

The columns are standardised with the training rows' means and standard
deviations, which `resolve` puts in the DatasetSpec (`standardization`), so
they are saved with the run (config.json): models see values of about unit
scale, and `to_table` gives samples back in the table's own units, whatever
the file holds later. A constant column cannot be standardised and is
refused.
"""

import csv
import os

import numpy as np
import tensorflow as tf

from aiqn_tf.data import errors
from aiqn_tf.data import readers
from aiqn_tf.data import specs
from aiqn_tf.data import splits


def _read(path):
  """(column names, float64 [N, D]) of a CSV file; DatasetError on bad cells."""
  path = os.path.abspath(os.path.expanduser(path))
  if not os.path.isfile(path):
    raise errors.DatasetError(f'CSV file {path!r} does not exist.')
  with open(path, newline='') as f:
    rows = list(csv.reader(f))
  if len(rows) < 2:
    raise errors.DatasetError(
        f'{path!r} needs a header row naming the columns and at least one '
        'row of numbers.')
  names = [name.strip() for name in rows[0]]
  values = np.empty((len(rows) - 1, len(names)))
  for i, row in enumerate(rows[1:]):
    if len(row) != len(names):
      raise errors.DatasetError(
          f'{path!r}, line {i + 2}: {len(row)} cells for {len(names)} '
          'columns.')
    for j, cell in enumerate(row):
      try:
        values[i, j] = float(cell)
      except ValueError:
        values[i, j] = np.nan
      if not np.isfinite(values[i, j]):
        raise errors.DatasetError(
            f'{path!r}, line {i + 2}, column {names[j]!r}: {cell!r} is not a '
            'finite number (a missing value?); fill or drop it first.')
  return names, values


def resolve(name, path, test_fraction=0.1, image_size=0, channels=0,
            **options):
  """The DatasetSpec of a CSV file ('csv:FILE'): reads it once.

  Args:
    name: the dataset string.
    path: the file's path.
    test_fraction: share of the rows in the test split, in [0, 1).
    image_size, channels: must be 0 (image options).

  Returns:
    specs.DatasetSpec of kind 'csv', vectors of float values, with
    `standardization` {"columns", "mean", "std"} of the training rows.

  Raises:
    errors.DatasetError: on a missing file, bad cells, image options, fewer
      than 2 columns, or a constant column.
  """
  del options  # Other readers' options (readers.py).
  if image_size or channels:
    raise errors.DatasetError('image_size and channels convert images; a CSV '
                              'table holds vectors: leave them 0.')
  path = os.path.abspath(os.path.expanduser(path))
  names, values = _read(path)
  if len(names) < 2:
    raise errors.DatasetError(f'{path!r} has {len(names)} column; the models '
                              'of vectors need 2 or more.')
  keys = [str(i) for i in range(len(values))]
  train = values[splits.select(keys, 'train', test_fraction)]
  if not len(train):
    raise errors.DatasetError(f'{path!r}: no row is in the training split; '
                              'add rows or lower test_fraction.')
  std = train.std(axis=0)
  constant = [n for n, s in zip(names, std) if s == 0]
  if constant:
    raise errors.DatasetError(
        f'{path!r}: column(s) {constant} are constant in the training rows '
        'and cannot be standardised; drop them.')
  return specs.DatasetSpec(
      name=name, image_shape=(len(names),), kind='csv', source=path,
      split_sizes=splits.sizes(keys, test_fraction),
      test_fraction=test_fraction, space='vectors', values='float',
      standardization=dict(columns=names, mean=train.mean(axis=0).tolist(),
                           std=std.tolist()))


def load(spec, split, **options):
  """One split: tf.data.Dataset of {"vectors": float32 [D]}, standardised.

  Raises:
    errors.DatasetError: if the file's columns are not the run's any more.
  """
  del options  # Other readers' options (readers.py).
  names, values = _read(spec.source)
  table = spec.standardization
  if names != list(table['columns']):
    raise errors.DatasetError(
        f'{spec.source!r} now has the columns {names}; the run was made on '
        f'{list(table["columns"])}. Use a new --model_dir for the new table.')
  chosen = splits.select([str(i) for i in range(len(values))], split,
                         spec.test_fraction)
  standardised = (values[chosen] - table['mean']) / table['std']
  return tf.data.Dataset.from_tensor_slices(
      {'vectors': standardised.astype(np.float32)})


def to_table(vectors, spec):
  """Standardised vectors [N, D] -> (column names, float64 [N, D] in the
  table's units); other vector data as they are, named x0, x1, ..."""
  vectors = np.asarray(vectors, np.float64)
  table = getattr(spec, 'standardization', None)
  if not table:
    return [f'x{j}' for j in range(vectors.shape[1])], vectors
  return (list(table['columns']),
          vectors * np.asarray(table['std']) + np.asarray(table['mean']))


def write(path, vectors, spec):
  """Writes vectors [N, D] as a CSV file in the table's units (`to_table`)."""
  names, rows = to_table(vectors, spec)
  with tf.io.gfile.GFile(path, 'w') as f:
    writer = csv.writer(f)
    writer.writerow(names)
    writer.writerows([[repr(float(v)) for v in row] for row in rows])


readers.register(readers.Reader(
    'csv', 'csv:', resolve, load, 'csv:FILE.csv (a table of numbers, a '
    'header row naming the columns)'))
