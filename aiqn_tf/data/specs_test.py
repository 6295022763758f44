"""DatasetSpec round trips through JSON."""

import json

import tensorflow as tf

from aiqn_tf.data import specs


class DatasetSpecTest(tf.test.TestCase):

  def test_json_round_trip(self):
    spec = specs.DatasetSpec(
        'tfds:x/y', (16, 16, 3), 2, kind='tfds', source='x/y',
        split_sizes={'train': 10, 'test': 2}, class_names=('a', 'b'),
        image_size=16, channels=3, image_key='image', label_key='label',
        test_split='validation', tfds_splits=('train', 'validation'))
    restored = specs.DatasetSpec.from_dict(json.loads(json.dumps(
        spec.to_dict())))
    self.assertEqual(restored, spec)
    self.assertIsInstance(restored.image_shape, tuple)
    self.assertEqual(restored.tfds_name, 'x/y')
    self.assertEqual(hash(restored), hash(spec))

  def test_defaults_and_unknown_fields(self):
    spec = specs.DatasetSpec.from_dict({'name': 'photos',
                                        'image_shape': [32, 32, 3]})
    self.assertEqual(spec.kind, 'bundled')
    self.assertIsNone(spec.tfds_name)
    self.assertIsNone(spec.split_sizes)
    with self.assertRaisesRegex(ValueError, r"\['colour'\]"):
      specs.DatasetSpec.from_dict({'name': 'a', 'image_shape': [1, 1, 1],
                                   'colour': 'red'})


if __name__ == '__main__':
  tf.test.main()
