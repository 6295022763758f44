"""Each dataset's shapes and ranges; tfds ones through the real builders.

Also the entry point's checks: resolve, get_spec, check_batch, errors. The
folder, array and generic tfds sources have their own tests beside them.
"""

import json
import os
import shutil
import tempfile
import time

from absl.testing import parameterized
import numpy as np
import skimage.data
import tensorflow as tf

from aiqn_tf.core import events
from aiqn_tf.data import datasets
from aiqn_tf.data import specs

TESTDATA = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..',
                        'testdata', 'tfds')


class BundledTest(tf.test.TestCase, parameterized.TestCase):

  def test_digits(self):
    train = datasets.as_arrays('digits', 'train')
    test = datasets.as_arrays('digits', 'test')
    self.assertEqual(train['images'].shape, (1497, 8, 8, 1))
    self.assertEqual(test['images'].shape, (300, 8, 8, 1))
    for split in (train, test):
      self.assertEqual(split['images'].dtype, np.uint8)
      self.assertEqual(split['images'].max(), 255)
      self.assertEqual(set(np.unique(split['labels'])), set(range(10)))
    # 0..16 scaled to 0..255: 17 levels only.
    self.assertLen(np.unique(train['images']), 17)

  def test_photos_split_by_region(self):
    from aiqn_tf.data import bundled  # pylint: disable=g-import-not-at-top
    train = datasets.as_arrays('photos', 'train')['images']
    test = datasets.as_arrays('photos', 'test')['images']
    self.assertEqual(train.shape[1:], (32, 32, 3))
    self.assertEqual(test.shape[1:], (32, 32, 3))
    self.assertGreater(len(train), 1000)
    self.assertGreater(len(test), 300)
    self.assertGreater(train.std(), 30)  # Real photos, not blank.
    # Both splits are drawn from every photo: the test split is a held-out
    # region of each, not other photos.
    for split in ('train', 'test'):
      photos = bundled.sources('photos', split) // len(bundled.PHOTO_SCALES)
      self.assertAllEqual(np.unique(photos), range(len(datasets.PHOTOS)))
    # No test pixel is in a training patch: the test patches of a photo at a
    # scale lie beyond every training patch along its longer side.
    photo = bundled.load_photo('astronaut')
    short = bundled.PHOTO_SCALES[-1]
    small = tf.cast(tf.round(tf.image.resize(
        photo, [short, short], method='area', antialias=True)), tf.uint8)
    for split, columns in (('train', range(0, short * 3 // 4)),
                           ('test', range(short * 3 // 4, short))):
      patches, scales = bundled._photo_patches('astronaut', split)  # pylint: disable=protected-access
      region = small.numpy()[:, columns.start:columns.stop]
      keys = {region[i:i + 32, j:j + 32].tobytes()
              for i in range(len(region) - 31)
              for j in range(region.shape[1] - 31)}
      self.assertTrue(all(p.tobytes() in keys for p in
                          patches[scales == len(bundled.PHOTO_SCALES) - 1]))

  def test_photos_first_patches_come_from_every_photo(self):
    # Evaluations take a split's first N images as their reference.
    from aiqn_tf.data import bundled  # pylint: disable=g-import-not-at-top
    for split in ('train', 'test'):
      first = bundled.sources('photos', split)[:300] // len(
          bundled.PHOTO_SCALES)
      counts = np.bincount(first, minlength=len(datasets.PHOTOS))
      self.assertGreater(counts.min(), 10, f'{split}: {counts}')
      # The patches of `sources` are those of the split, in its order.
      images = datasets.as_arrays('photos', split, limit=300)['images']
      for index in (0, 299):
        photo, scale = divmod(int(bundled.sources('photos', split)[index]),
                              len(bundled.PHOTO_SCALES))
        patches, scales = bundled._photo_patches(datasets.PHOTOS[photo], split)  # pylint: disable=protected-access
        self.assertIn(images[index].tobytes(),
                      {p.tobytes() for p in patches[scales == scale]})

  def test_faces(self):
    train = datasets.as_arrays('faces', 'train')['images']
    test = datasets.as_arrays('faces', 'test')['images']
    self.assertEqual(train.shape, (80, 25, 25, 1))
    self.assertEqual(test.shape, (20, 25, 25, 1))
    self.assertEqual(train.dtype, np.uint8)
    self.assertGreater(train.std(), 20)

  def test_spoken_digits_are_16_bit_sound(self):
    spec = datasets.resolve('spoken_digits')
    self.assertEqual(spec.event_space.describe(),
                     'sequences [4096, 1] of int16 values at 8000 Hz')
    self.assertEqual((spec.num_classes, spec.split_sizes),
                     (10, {'train': 800, 'test': 160}))
    batch = next(iter(datasets.input_pipeline(
        datasets.load(spec, 'train'), global_batch_size=4, shuffle_buffer=10,
        seed=0, keep_labels=True)))
    self.assertEqual((batch['sequences'].dtype, batch['sequences'].shape),
                     (tf.int16, (4, 4096, 1)))
    self.assertEqual(datasets.SPECS['spoken_digits'],
                     specs.DatasetSpec.from_dict(json.loads(json.dumps(
                         spec.to_dict()))))
    with self.assertRaisesRegex(datasets.DatasetError,
                                'image_size and channels apply to images'):
      datasets.resolve('spoken_digits', image_size=32)

  def test_16_bit_sound_recoded_as_mu_law(self):
    pcm = datasets.as_arrays('spoken_digits', 'test', limit=8)['sequences']
    spec = datasets.resolve('spoken_digits', values='mu_law')
    self.assertEqual(spec.event_space.describe(),
                     'sequences [4096, 1] of mu_law values at 8000 Hz')
    codes = datasets.as_arrays(spec, 'test', limit=8)['sequences']
    self.assertEqual(codes.dtype, np.uint8)
    self.assertAllEqual(codes, events.mu_law_encode(pcm / 32768.0))
    # The codes decode to the waveform within mu-law's quantisation.
    self.assertAllClose(spec.event_space.to_waveform(codes), pcm / 32768.0,
                        atol=0.03)
    with self.assertRaisesRegex(datasets.DatasetError,
                                'only 16-bit sound is recoded'):
      datasets.resolve('digits', values='mu_law')

  def test_resize(self):
    native = datasets.as_arrays('faces', 'test')['images']
    resized = datasets.as_arrays('faces', 'test', image_size=32)['images']
    self.assertEqual(resized.shape, (20, 32, 32, 1))
    self.assertEqual(resized.dtype, np.uint8)
    # The same pictures: their means agree to within rounding.
    self.assertAllClose(resized.mean((1, 2, 3)), native.mean((1, 2, 3)),
                        atol=2.0)
    same = datasets.as_arrays('digits', 'test', image_size=8)['images']
    self.assertAllEqual(same, datasets.as_arrays('digits', 'test')['images'])

  def test_pipeline_batches_and_drops_labels(self):
    make = lambda seed: datasets.input_pipeline(
        datasets.load('digits', 'train'), global_batch_size=8,
        shuffle_buffer=100, seed=seed, keep_labels=False)
    first = next(iter(make(3)))
    self.assertEqual(set(first), {'images'})
    self.assertEqual(first['images'].shape, (8, 8, 8, 1))
    # The order is a function of the seed.
    self.assertAllEqual(first['images'], next(iter(make(3)))['images'])
    self.assertNotAllEqual(first['images'], next(iter(make(4)))['images'])

  def test_bad_name_and_split(self):
    with self.assertRaisesRegex(ValueError, 'celeba, cifar10'):
      datasets.load('svhn', 'train')
    with self.assertRaisesRegex(ValueError, 'split'):
      datasets.load('digits', 'validation')

  def test_mnist(self):
    train = datasets.as_arrays('mnist', 'train')
    test = datasets.as_arrays('mnist', 'test')
    self.assertEqual(train['images'].shape, (4000, 28, 28, 1))
    self.assertEqual(test['images'].shape, (1000, 28, 28, 1))
    self.assertEqual(train['images'].dtype, np.uint8)
    self.assertGreater(len(np.unique(train['images'])), 200)
    self.assertAllEqual(np.bincount(train['labels']), [400] * 10)
    self.assertAllEqual(np.bincount(test['labels']), [100] * 10)
    self.assertEqual(datasets.get_spec('mnist').num_classes, 10)


class ResolveTest(tf.test.TestCase, parameterized.TestCase):

  def setUp(self):
    super().setUp()
    self.folder = tempfile.mkdtemp(prefix='datasets_test_')
    self.addCleanup(shutil.rmtree, self.folder, ignore_errors=True)

  def _write_pngs(self, count, size=12):
    photo = skimage.data.coffee()
    for i in range(count):
      png = tf.io.encode_png(photo[i * 5:i * 5 + size, :size]).numpy()
      with open(os.path.join(self.folder, f'{i}.png'), 'wb') as f:
        f.write(png)

  def test_named_specs_with_options(self):
    spec = datasets.resolve('faces', image_size=32, channels=3)
    self.assertEqual(spec.image_shape, (32, 32, 3))
    self.assertEqual((spec.kind, spec.image_size, spec.channels),
                     ('bundled', 32, 3))
    self.assertEqual(spec.split_sizes, {'train': 80, 'test': 20})
    arrays = datasets.as_arrays(spec, 'test')
    self.assertEqual(arrays['images'].shape, (20, 32, 32, 3))
    # Named datasets as stored, without tfds.
    self.assertEqual(datasets.get_spec('cifar10').image_shape, (32, 32, 3))
    self.assertEqual(datasets.get_spec('imagenet32').tfds_splits,
                     ('train', 'validation'))
    self.assertEqual(datasets.resolve('digits'), datasets.SPECS['digits'])

  def test_load_accepts_a_spec_and_image_size(self):
    spec = datasets.resolve('digits')
    self.assertAllEqual(datasets.as_arrays(spec, 'test')['images'],
                        datasets.as_arrays('digits', 'test')['images'])
    self.assertEqual(
        datasets.as_arrays(spec, 'test', image_size=16)['images'].shape,
        (300, 16, 16, 1))

  def test_resolved_folder_survives_json(self):
    self._write_pngs(6)
    spec = datasets.resolve(f'folder:{self.folder}', test_fraction=0.5)
    restored = datasets.DatasetSpec.from_dict(
        json.loads(json.dumps(spec.to_dict())))
    self.assertEqual(restored, spec)
    self.assertAllEqual(datasets.as_arrays(restored, 'train')['images'],
                        datasets.as_arrays(spec, 'train')['images'])
    self.assertEqual(datasets.get_spec(f'folder:{self.folder}').image_shape,
                     (12, 12, 3))

  def test_check_batch(self):
    datasets.check_batch(datasets.resolve('faces'), 80)
    with self.assertRaisesRegex(
        datasets.DatasetError,
        "'faces' has 80 training images, fewer than one batch of 81: lower "
        'batch_size or add images'):
      datasets.check_batch('faces', 81)
    self._write_pngs(3)
    spec = datasets.resolve(f'folder:{self.folder}', test_fraction=0)
    with self.assertRaisesRegex(datasets.DatasetError, '3 training images'):
      datasets.check_batch(spec, 32)
    datasets.check_batch('cifar10', 10**9)  # Size unknown: no check.

  @parameterized.named_parameters(
      ('unknown', 'svhn', {},
       r"Unknown dataset 'svhn'; choose one of celeba, cifar10, co2, digits, "
       r'faces, grid, imagenet32, mnist, photos, ring, spoken_digits, or '
       r'array:FILE.npz.*csv:FILE.csv.*folder:PATH .*tfds:NAME\[/CONFIG\]'),
      ('typo', 'mnsit', {}, "Did you mean 'mnist'"),
      ('array_without_prefix', 'images.npz', {}, 'Did you mean array:'),
      ('empty', '', {}, 'non-empty string'),
      ('channels', 'digits', {'channels': 2}, 'channels must be 0'),
      ('image_size', 'digits', {'image_size': 1}, 'image_size must be 0'),
      ('test_fraction', 'digits', {'test_fraction': 1.0},
       r'test_fraction must be in \[0, 1\)'),
      ('tfds_option', 'digits', {'test_split': 'validation'},
       'tfds:NAME datasets only'),
      ('missing_folder', 'folder:/no/such/folder', {}, 'does not exist'),
      ('missing_array', 'array:/no/such.npz', {}, 'does not exist'),
  )
  def test_bad_input(self, name, options, message):
    with self.assertRaisesRegex(datasets.DatasetError, message):
      datasets.resolve(name, **options)

  def test_folder_without_prefix_hint(self):
    with self.assertRaisesRegex(datasets.DatasetError,
                                f'Did you mean folder:{self.folder}'):
      datasets.resolve(self.folder)


class TfdsTest(tf.test.TestCase, parameterized.TestCase):

  def setUp(self):
    super().setUp()
    self.data_dir = tempfile.mkdtemp()
    self.addCleanup(shutil.rmtree, self.data_dir, ignore_errors=True)

  @parameterized.parameters(
      ('cifar10', 'cifar10', (32, 32, 3), 10, 'train', 10),
      ('cifar10', 'cifar10', (32, 32, 3), 10, 'test', 3),
      ('imagenet32', 'downsampled_imagenet/32x32', (32, 32, 3), None, 'test',
       3),
      ('celeba', 'celeb_a', (64, 64, 3), None, 'train', 3),
  )
  def test_real_builder_on_fixture(self, name, tfds_name, shape, num_classes,
                                   split, count):
    spec = datasets.get_spec(name)
    self.assertEqual(spec.image_shape, shape)
    arrays = datasets.as_arrays(name, split, data_dir=self.data_dir,
                                raw_dir=os.path.join(TESTDATA, tfds_name))
    self.assertEqual(arrays['images'].shape, (count,) + shape)
    self.assertEqual(arrays['images'].dtype, np.uint8)
    if num_classes:
      self.assertTrue(np.all((arrays['labels'] >= 0) &
                             (arrays['labels'] < num_classes)))
    else:
      self.assertNotIn('labels', arrays)
    # Once prepared, it loads from data_dir alone.
    again = datasets.as_arrays(name, split, data_dir=self.data_dir)
    self.assertAllEqual(again['images'], arrays['images'])
    resolved = datasets.resolve(name, data_dir=self.data_dir)
    self.assertEqual(resolved.split_sizes[split], count)
    self.assertEqual(resolved.source, tfds_name)
    if num_classes:
      self.assertLen(resolved.class_names, num_classes)

  def test_celeba_crop_matches_lynnho(self):
    full = np.random.default_rng(0).integers(0, 256, (218, 178, 3), np.uint8)
    crop = full[55:163, 35:143].astype(np.float32)
    expected = tf.image.resize(crop, [64, 64])
    got = datasets.celeba_crop(full)
    self.assertEqual(got.dtype, tf.uint8)
    self.assertAllClose(got, np.clip(np.round(expected), 0, 255), atol=0)

  def test_missing_dataset_fails_fast_with_advice(self):
    start = time.time()
    with self.assertRaisesRegex(datasets.DatasetNotPreparedError,
                                '--download.*--raw_dir.*tfds build'):
      datasets.load('cifar10', 'train', data_dir=self.data_dir)
    with self.assertRaisesRegex(datasets.DatasetNotPreparedError,
                                "'celeba' \\(tfds 'celeb_a'\\)"):
      datasets.resolve('celeba', data_dir=self.data_dir)
    self.assertLess(time.time() - start, 20)


if __name__ == '__main__':
  tf.test.main()
