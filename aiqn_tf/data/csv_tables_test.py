"""CSV tables as vectors: standardised by the training rows, given back in
their units, bad cells refused with where they are."""

import csv
import json
import os
import shutil
import tempfile

import numpy as np
import tensorflow as tf

from aiqn_tf.data import csv_tables
from aiqn_tf.data import datasets
from aiqn_tf.data import errors
from aiqn_tf.data import specs


def _write(path, header, rows):
  with open(path, 'w', newline='') as f:
    writer = csv.writer(f)
    writer.writerow(header)
    writer.writerows(rows)
  return path


class CsvTablesTest(tf.test.TestCase):

  def setUp(self):
    super().setUp()
    self.root = tempfile.mkdtemp()
    self.addCleanup(shutil.rmtree, self.root, ignore_errors=True)
    rng = np.random.default_rng(0)
    self.values = np.stack([rng.normal(13.0, 0.8, 60),
                            rng.normal(100.0, 14.0, 60)], axis=1)
    self.path = _write(os.path.join(self.root, 'wine.csv'),
                       ['alcohol', 'magnesium'], self.values.tolist())

  def _split(self, spec, split):
    return np.stack([e['vectors'] for e in
                     datasets.load(spec, split).as_numpy_iterator()])

  def test_standardised_by_the_training_rows_and_given_back(self):
    spec = datasets.resolve(f'csv:{self.path}')
    self.assertEqual((spec.image_shape, spec.space, spec.values),
                     ((2,), 'vectors', 'float'))
    train, test = self._split(spec, 'train'), self._split(spec, 'test')
    self.assertLen(train, spec.split_sizes['train'])
    self.assertLen(test, spec.split_sizes['test'])
    self.assertGreater(len(test), 0)
    self.assertAllClose(train.mean(0), [0.0, 0.0], atol=1e-5)
    self.assertAllClose(train.std(0), [1.0, 1.0], atol=1e-5)
    # Back in the table's units: the file's rows, test rows included.
    names, rows = csv_tables.to_table(np.concatenate([train, test]), spec)
    self.assertEqual(names, ['alcohol', 'magnesium'])
    self.assertAllClose(np.sort(rows, axis=0), np.sort(self.values, axis=0),
                        rtol=1e-5)

  def test_the_standardisation_is_saved_with_the_run(self):
    spec = datasets.resolve(f'csv:{self.path}')
    again = specs.DatasetSpec.from_dict(json.loads(json.dumps(
        spec.to_dict())))
    self.assertEqual(again, spec)
    self.assertEqual(again.standardization, spec.standardization)
    # A later file with other values: standardised in the run's units.
    _write(self.path, ['alcohol', 'magnesium'], (self.values * 2).tolist())
    table = spec.standardization
    self.assertAllClose(
        self._split(again, 'train'),
        (2 * self.values[_train_rows(spec)] - table['mean']) / table['std'],
        rtol=1e-5)
    _write(self.path, ['alcohol', 'ash'], self.values.tolist())
    with self.assertRaisesRegex(errors.DatasetError, 'new --model_dir'):
      datasets.load(spec, 'train')

  def test_write_gives_rows_in_the_table_units(self):
    spec = datasets.resolve(f'csv:{self.path}')
    out = os.path.join(self.root, 'samples.csv')
    csv_tables.write(out, np.array([[0.0, 0.0], [1.0, -1.0]]), spec)
    with open(out) as f:
      rows = list(csv.reader(f))
    mean, std = spec.standardization['mean'], spec.standardization['std']
    self.assertEqual(rows[0], ['alcohol', 'magnesium'])
    self.assertAllClose(np.array(rows[1:], float),
                        [mean, [mean[0] + std[0], mean[1] - std[1]]])

  def test_bad_tables_are_refused_with_where_and_what_to_do(self):
    cases = (
        (['a', 'b'], [[1, 2], [3, '']], "line 3, column 'b'.*fill or drop"),
        (['a', 'b'], [[1, 2], [3, 'x']], "line 3, column 'b'"),
        (['a', 'b'], [[1, 2], [3]], 'line 3: 1 cells for 2 columns'),
        (['a', 'b'], [[1, 5], [1, 6], [1, 7]], r"\['a'\] are constant"),
        (['a'], [[1], [2]], '2 or more'),
        (['a', 'b'], [], 'header row'),
    )
    for i, (header, rows, message) in enumerate(cases):
      path = _write(os.path.join(self.root, f'bad{i}.csv'), header, rows)
      with self.assertRaisesRegex(errors.DatasetError, message):
        datasets.resolve(f'csv:{path}')
    with self.assertRaisesRegex(errors.DatasetError, 'does not exist'):
      datasets.resolve(f'csv:{os.path.join(self.root, "none.csv")}')
    with self.assertRaisesRegex(errors.DatasetError, 'leave them 0'):
      csv_tables.resolve('csv:x', self.path, image_size=8)


def _train_rows(spec):
  from aiqn_tf.data import splits  # pylint: disable=g-import-not-at-top
  return splits.select([str(i) for i in range(60)], 'train',
                       spec.test_fraction)


if __name__ == '__main__':
  tf.test.main()
