"""Data readers: every source through the registry, a plugin's included."""

import dataclasses

import numpy as np
import tensorflow as tf

from aiqn_tf.data import datasets
from aiqn_tf.data import errors
from aiqn_tf.data import readers
from aiqn_tf.data import specs


def _resolve(name, rest, test_fraction=0.1, **options):
  del options
  steps = int(rest)
  return specs.DatasetSpec(name, (steps, 1), kind='test_ramps', source=rest,
                           split_sizes=dict(train=8, test=2),
                           test_fraction=test_fraction, space='sequences',
                           values='float')


def _load(spec, split, **options):
  del options
  count = spec.split_sizes[split]
  ramps = np.arange(count, dtype=np.float32)[:, None, None] * np.linspace(
      0, 1, spec.image_shape[0], dtype=np.float32)[None, :, None]
  return tf.data.Dataset.from_tensor_slices({'sequences': ramps})


readers.register(readers.Reader('test_ramps', 'test_ramps:', _resolve, _load,
                                'test_ramps:STEPS (ramps)'))


class ReadersTest(tf.test.TestCase):

  def test_builtin_sources_are_registered_readers(self):
    self.assertContainsSubset({'array', 'bundled', 'folder', 'tfds'},
                              readers.REGISTRY.names())
    self.assertEqual(readers.for_name('folder:/x').kind, 'folder')
    self.assertIsNone(readers.for_name('digits'))

  def test_a_plugin_reader_resolves_and_loads_through_datasets(self):
    spec = datasets.resolve('test_ramps:5')
    self.assertEqual((spec.kind, spec.event_space.describe()),
                     ('test_ramps', 'sequences [5, 1] of float values'))
    arrays = datasets.as_arrays(spec, 'train')
    self.assertEqual(arrays['sequences'].shape, (8, 5, 1))
    self.assertAllClose(arrays['sequences'][3, :, 0], 3 * np.linspace(0, 1, 5))
    self.assertIn('test_ramps:STEPS (ramps)',
                  str(self._error(lambda: datasets.resolve('nothing'))))
    # A run whose reader is gone says which one it needs.
    gone = dataclasses.replace(spec, kind='not_registered')
    self.assertIn("the 'not_registered' data reader, which is not registered",
                  str(self._error(lambda: datasets.load(gone, 'train'))))

  def test_register_refuses_what_is_not_a_reader(self):
    with self.assertRaisesRegex(TypeError, 'must be a readers.Reader'):
      readers.REGISTRY.register('bad')(object())
    with self.assertRaisesRegex(TypeError, 'ends in ":"'):
      readers.register(readers.Reader('bad', 'bad', _resolve, _load))
    self.assertNotIn('bad', readers.REGISTRY.names())

  def _error(self, f):
    with self.assertRaises(errors.DatasetError) as raised:
      f()
    return raised.exception


if __name__ == '__main__':
  tf.test.main()
