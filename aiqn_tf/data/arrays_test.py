"""array:FILE datasets: .npz with and without labels, .npy, bad files."""

import os
import shutil
import tempfile

from absl.testing import parameterized
import numpy as np
import skimage.data
import tensorflow as tf

from aiqn_tf.data import datasets
from aiqn_tf.data import errors


def _images(count, size=10, channels=3):
  """`count` distinct uint8 [size, size, channels] crops of a real photo."""
  photo = skimage.data.astronaut()
  crops = np.stack([photo[3 * i:3 * i + size, 5 * i:5 * i + size]
                    for i in range(count)])
  return crops if channels == 3 else crops[..., :1]


class ArrayTest(tf.test.TestCase, parameterized.TestCase):

  def setUp(self):
    super().setUp()
    self.folder = tempfile.mkdtemp(prefix='arrays_test_')
    self.addCleanup(shutil.rmtree, self.folder, ignore_errors=True)

  def _path(self, name):
    return os.path.join(self.folder, name)

  def test_npz_with_labels(self):
    images = _images(60)
    labels = np.arange(60) % 4
    np.savez(self._path('a.npz'), images=images, labels=labels)
    spec = datasets.resolve(f'array:{self._path("a.npz")}', test_fraction=0.25)
    self.assertEqual(spec.kind, 'array')
    self.assertEqual(spec.image_shape, (10, 10, 3))
    self.assertEqual(spec.num_classes, 4)
    self.assertEqual(sum(spec.split_sizes.values()), 60)
    self.assertBetween(spec.split_sizes['test'], 5, 30)
    rows = {image.tobytes(): i for i, image in enumerate(images)}
    seen = []
    for split in datasets.SPLITS:
      arrays = datasets.as_arrays(spec, split)
      self.assertLen(arrays['images'], spec.split_sizes[split])
      self.assertEqual(arrays['labels'].dtype, np.int32)
      for image, label in zip(arrays['images'], arrays['labels']):
        self.assertEqual(label, labels[rows[image.tobytes()]])
        seen.append(rows[image.tobytes()])
    self.assertCountEqual(seen, range(60))  # Disjoint splits, all rows.

  def test_npz_without_labels_compressed(self):
    np.savez_compressed(self._path('a.npz'), images=_images(20))
    spec = datasets.resolve(f'array:{self._path("a.npz")}', image_size=8,
                            channels=1)
    self.assertIsNone(spec.num_classes)
    self.assertEqual(spec.image_shape, (8, 8, 1))
    arrays = datasets.as_arrays(spec, 'train')
    self.assertEqual(set(arrays), {'images'})
    self.assertEqual(arrays['images'].shape[1:], (8, 8, 1))

  def test_npy_grey_rank3_and_non_square(self):
    images = _images(12, size=14, channels=1)[:, :, 2:12, 0]  # [12, 14, 10].
    np.save(self._path('g.npy'), images)
    spec = datasets.resolve(f'array:{self._path("g.npy")}', test_fraction=0)
    self.assertEqual(spec.image_shape, (10, 10, 1))
    got = datasets.as_arrays(spec, 'train')['images']
    self.assertCountEqual([g.tobytes() for g in got],
                          [i[2:12, :, None].tobytes() for i in images])

  def test_split_is_stable_when_rows_are_appended(self):
    images = _images(80)
    np.savez(self._path('a.npz'), images=images[:50])
    test_before = datasets.as_arrays(f'array:{self._path("a.npz")}', 'test')
    np.savez(self._path('a.npz'), images=images)
    test_after = datasets.as_arrays(f'array:{self._path("a.npz")}', 'test')
    before = {image.tobytes() for image in test_before['images']}
    after = {image.tobytes() for image in test_after['images']}
    self.assertNotEmpty(before)
    self.assertTrue(before <= after)
    self.assertEqual({image.tobytes() for image in images[:50]} & after,
                     before)

  @parameterized.named_parameters(
      ('float', dict(images=np.zeros((4, 8, 8, 3), np.float32)),
       r'float32; they must be uint8.*np.round\(images \* 255\)'),
      ('rank2', dict(images=np.zeros((4, 8), np.uint8)),
       r'shape \(4, 8\); expected \[N, H, W\] or \[N, H, W, C\]'),
      ('five_channels', dict(images=np.zeros((4, 8, 8, 5), np.uint8)),
       r'C 1, 3 or 4'),
      ('empty', dict(images=np.zeros((0, 8, 8), np.uint8)), 'no images'),
      ('no_images', dict(x=np.zeros((4, 8, 8), np.uint8)),
       r'exactly one of the arrays "images", "sequences", "vectors" '
       r'\(it has \[\'x\'\]\)'),
      ('two_spaces', dict(images=np.zeros((4, 8, 8), np.uint8),
                          vectors=np.zeros((4, 3), np.float32)),
       'exactly one of the arrays'),
      ('sequences_rank4', dict(sequences=np.zeros((4, 8, 2, 1), np.float32)),
       r'expected \[N, T\] or \[N, T, C\]'),
      ('vectors_rank3', dict(vectors=np.zeros((4, 8, 2), np.float32)),
       r'expected \[N, D\]'),
      ('int32_vectors', dict(vectors=np.zeros((4, 3), np.int32)),
       'int32; use float .continuous values., int16'),
      ('short_labels', dict(images=np.zeros((4, 8, 8), np.uint8),
                            labels=np.zeros(3, np.int64)),
       r'int64 \(3,\); they must be integers of shape \(4,\)'),
      ('float_labels', dict(images=np.zeros((4, 8, 8), np.uint8),
                            labels=np.zeros(4, np.float32)),
       'must be integers'),
      ('negative_labels', dict(images=np.zeros((4, 8, 8), np.uint8),
                               labels=-np.ones(4, np.int32)),
       'must be >= 0'),
  )
  def test_bad_arrays(self, contents, message):
    np.savez(self._path('bad.npz'), **contents)
    with self.assertRaisesRegex(errors.DatasetError, message):
      datasets.resolve(f'array:{self._path("bad.npz")}')

  @parameterized.named_parameters(
      ('mono_float', 'sequences', np.float64, (30, 16), (16, 1), 'float'),
      ('stereo_pcm', 'sequences', np.int16, (30, 16, 2), (16, 2), 'int16'),
      ('vectors', 'vectors', np.float32, (30, 5), (5,), 'float'),
      ('vectors_8bit', 'vectors', np.uint8, (30, 5), (5,), 'uint8'))
  def test_sequences_and_vectors(self, key, dtype, shape, event_shape,
                                 values):
    rows = (np.random.default_rng(0).normal(size=shape) * 100).astype(dtype)
    labels = np.arange(shape[0]) % 3
    np.savez(self._path('e.npz'), labels=labels, **{key: rows})
    spec = datasets.resolve(f'array:{self._path("e.npz")}',
                            test_fraction=0.3)
    self.assertEqual((spec.space, spec.values, spec.image_shape,
                      spec.num_classes), (key, values, event_shape, 3))
    self.assertEqual(spec.event_space.describe(),
                     f'{key} [{", ".join(map(str, event_shape))}] of '
                     f'{values} values')
    stored = rows.reshape((shape[0],) + event_shape)
    by_bytes = {row.astype(spec.event_space.dtype).tobytes(): i
                for i, row in enumerate(stored)}
    seen = []
    for split in datasets.SPLITS:
      arrays = datasets.as_arrays(spec, split)
      self.assertEqual(set(arrays), {key, 'labels'})
      self.assertEqual(arrays[key].dtype, spec.event_space.dtype)
      for row, label in zip(arrays[key], arrays['labels']):
        seen.append(by_bytes[row.tobytes()])
        self.assertEqual(label, labels[seen[-1]])
    self.assertCountEqual(seen, range(shape[0]))
    with self.assertRaisesRegex(errors.DatasetError, 'leave them 0'):
      datasets.resolve(f'array:{self._path("e.npz")}', image_size=8)

  def test_non_finite_values_are_refused_with_their_rows(self):
    vectors = np.zeros((6, 2), np.float32)
    vectors[4, 1] = np.nan
    np.savez(self._path('nan.npz'), vectors=vectors)
    with self.assertRaisesRegex(errors.DatasetError,
                                r'vectors \[4\] hold NaN'):
      datasets.as_arrays(f'array:{self._path("nan.npz")}', 'train')

  def test_bad_paths(self):
    with self.assertRaisesRegex(errors.DatasetError, 'does not exist'):
      datasets.resolve(f'array:{self._path("none.npz")}')
    with self.assertRaisesRegex(errors.DatasetError, 'folder:'):
      datasets.resolve(f'array:{self.folder}')
    with open(self._path('a.txt'), 'w') as f:
      f.write('1 2 3')
    with self.assertRaisesRegex(errors.DatasetError, r'must end in \.npz'):
      datasets.resolve(f'array:{self._path("a.txt")}')
    with open(self._path('junk.npz'), 'w') as f:
      f.write('not a zip')
    with self.assertRaisesRegex(errors.DatasetError, 'Cannot read'):
      datasets.resolve(f'array:{self._path("junk.npz")}')


if __name__ == '__main__':
  tf.test.main()
