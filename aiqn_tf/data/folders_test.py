"""folder:PATH datasets on a real folder written from bundled photos."""

import os
import shutil
import tempfile

from absl.testing import parameterized
import numpy as np
from PIL import Image
import skimage.data
import tensorflow as tf

from aiqn_tf.data import datasets
from aiqn_tf.data import errors
from aiqn_tf.data import folders
from aiqn_tf.data import splits

SIZE = 24  # Crops are SIZE x SIZE.


def _crops(photo, count, size=SIZE):
  """`count` uint8 [size, size, 3] crops along the diagonal of a photo."""
  small = tf.image.resize(photo, [160, 160 * photo.shape[1] // photo.shape[0]],
                          antialias=True)
  small = np.clip(np.round(small.numpy()), 0, 255).astype(np.uint8)
  step = (160 - size) // count
  return [small[i * step:i * step + size, i * step:i * step + size]
          for i in range(count)]


def _save(path, image, **kwargs):
  os.makedirs(os.path.dirname(path), exist_ok=True)
  Image.fromarray(image.squeeze()).save(path, **kwargs)


def _jpeg_bytes(image):
  return tf.io.encode_jpeg(image, quality=95).numpy()


def write_folder(root):
  """Writes a two-class folder of real crops; returns {path: (pixels, label)}.

  root/cats/: 5 PNG crops of skimage's chelsea, 1 BMP, 1 JPEG, 1 grey PNG
    (a crop of astronaut), 1 GIF.
  root/cups/: 6 PNG crops of coffee, 1 JPEG, a corrupt PNG (random bytes)
    and a truncated JPEG; a text file.
  A hidden folder root/.cache/ holds a PNG that must be ignored.
  The returned pixels are the exact decoded images (JPEG, GIF: as TF decodes
  them), keyed by path relative to root.
  """
  expected = {}
  cats = _crops(skimage.data.chelsea(), 8)
  cups = _crops(skimage.data.coffee(), 7)
  for i, crop in enumerate(cats[:5]):
    _save(os.path.join(root, 'cats', f'cat{i}.png'), crop)
    expected[f'cats/cat{i}.png'] = (crop, 0)
  _save(os.path.join(root, 'cats', 'cat5.bmp'), cats[5])
  expected['cats/cat5.bmp'] = (cats[5], 0)
  jpeg = _jpeg_bytes(cats[6])
  with open(os.path.join(root, 'cats', 'cat6.jpg'), 'wb') as f:
    f.write(jpeg)
  expected['cats/cat6.jpg'] = (tf.io.decode_jpeg(jpeg).numpy(), 0)
  grey = np.asarray(Image.fromarray(_crops(skimage.data.astronaut(), 1)[0])
                    .convert('L'))[..., None]
  _save(os.path.join(root, 'cats', 'grey.png'), grey)
  expected['cats/grey.png'] = (grey, 0)
  _save(os.path.join(root, 'cats', 'cat7.gif'), cats[7])
  with open(os.path.join(root, 'cats', 'cat7.gif'), 'rb') as f:
    expected['cats/cat7.gif'] = (tf.io.decode_gif(f.read())[0].numpy(), 0)
  for i, crop in enumerate(cups[:6]):
    _save(os.path.join(root, 'cups', f'cup{i}.png'), crop)
    expected[f'cups/cup{i}.png'] = (crop, 1)
  jpeg = _jpeg_bytes(cups[6])
  with open(os.path.join(root, 'cups', 'cup6.jpeg'), 'wb') as f:
    f.write(jpeg)
  expected['cups/cup6.jpeg'] = (tf.io.decode_jpeg(jpeg).numpy(), 1)
  with open(os.path.join(root, 'cups', 'corrupt.png'), 'wb') as f:
    f.write(np.random.default_rng(0).integers(0, 256, 500, np.uint8)
            .tobytes())
  with open(os.path.join(root, 'cups', 'truncated.jpg'), 'wb') as f:
    f.write(jpeg[:len(jpeg) * 2 // 3])
  with open(os.path.join(root, 'cups', 'notes.txt'), 'w') as f:
    f.write('not an image')
  _save(os.path.join(root, '.cache', 'hidden.png'), cups[0])
  return expected


def _find(image, expected):
  """The relative path whose pixels (as RGB) equal `image`."""
  for path, (pixels, _) in expected.items():
    if pixels.shape[-1] == 1:
      pixels = np.repeat(pixels, 3, axis=-1)
    if pixels.shape == image.shape and np.array_equal(pixels, image):
      return path
  raise AssertionError('image not in the folder')


class FolderTest(tf.test.TestCase, parameterized.TestCase):

  def setUp(self):
    super().setUp()
    self.root = tempfile.mkdtemp(prefix='folders_test_')
    self.addCleanup(shutil.rmtree, self.root, ignore_errors=True)

  def test_scan_labels_and_skipped_files(self):
    expected = write_folder(self.root)
    with self.assertLogs(logger='absl', level='WARNING') as logs:
      found = folders.scan(self.root)
    self.assertEqual(found.class_names, ('cats', 'cups'))
    self.assertEqual(set(found.files), set(expected))
    self.assertEqual(found.skipped, ('cups/corrupt.png', 'cups/truncated.jpg'))
    self.assertEqual([expected[f][1] for f in found.files], list(found.labels))
    log = '\n'.join(logs.output)
    self.assertIn('Skipping 2 of 18 image files', log)
    self.assertIn('cups/corrupt.png, cups/truncated.jpg', log)
    shapes = dict(zip(found.files, found.shapes))
    self.assertEqual(shapes['cats/grey.png'], (SIZE, SIZE, 1))
    self.assertEqual(shapes['cups/cup0.png'], (SIZE, SIZE, 3))

  def test_load_every_image_with_its_label(self):
    expected = write_folder(self.root)
    spec = datasets.resolve(f'folder:{self.root}')
    self.assertEqual(spec.kind, 'folder')
    self.assertEqual(spec.source, self.root)
    self.assertEqual(spec.image_shape, (SIZE, SIZE, 3))  # As cats/cat0.png.
    self.assertEqual(spec.num_classes, 2)
    self.assertEqual(sum(spec.split_sizes.values()), len(expected))
    seen = {}
    for split in datasets.SPLITS:
      arrays = datasets.as_arrays(spec, split)
      self.assertLen(arrays['images'], spec.split_sizes[split])
      self.assertEqual(arrays['images'].dtype, np.uint8)
      self.assertEqual(arrays['labels'].dtype, np.int32)
      for image, label in zip(arrays['images'], arrays['labels']):
        path = _find(image, expected)
        self.assertEqual(label, expected[path][1], path)
        self.assertEqual(
            splits.hash_unit(path) < spec.test_fraction, split == 'test')
        seen[path] = image
    self.assertEqual(set(seen), set(expected))
    # The grey image came out as RGB, three equal channels.
    grey = seen['cats/grey.png']
    self.assertAllEqual(grey, np.repeat(expected['cats/grey.png'][0], 3, -1))

  def test_channels_and_size(self):
    expected = write_folder(self.root)
    spec = datasets.resolve(f'folder:{self.root}', channels=1, image_size=12,
                            test_fraction=0.0)
    self.assertEqual(spec.image_shape, (12, 12, 1))
    self.assertEqual(spec.split_sizes, {'train': 16, 'test': 0})
    arrays = datasets.as_arrays(spec, 'train')
    self.assertEqual(arrays['images'].shape, (16, 12, 12, 1))
    self.assertEqual(datasets.as_arrays(spec, 'test')['images'].shape,
                     (0, 12, 12, 1))
    # A colour PNG: luma, rounded, then resized like the library's resize.
    rgb = expected['cups/cup0.png'][0].astype(np.float32)
    luma = np.round(rgb @ np.array([0.2989, 0.587, 0.114], np.float32))
    want = datasets.resize(luma[..., None].astype(np.uint8), 12).numpy()
    self.assertTrue(any(np.abs(want.astype(int) - image.astype(int)).max()
                        <= 1 for image in arrays['images']))

  def test_first_image_sets_channels(self):
    grey = np.asarray(Image.fromarray(_crops(skimage.data.coffee(), 1)[0])
                      .convert('L'))
    _save(os.path.join(self.root, 'a.png'), grey)
    _save(os.path.join(self.root, 'b.png'), _crops(skimage.data.chelsea(),
                                                   1)[0])
    spec = datasets.resolve(f'folder:{self.root}')
    self.assertEqual(spec.image_shape, (SIZE, SIZE, 1))
    self.assertIsNone(spec.num_classes)  # Images directly in the folder.
    self.assertNotIn('labels', datasets.as_arrays(spec, 'train'))

  def test_split_is_stable_when_files_are_added(self):
    crops = _crops(skimage.data.astronaut(), 30, size=8)
    for i, crop in enumerate(crops[:20]):
      _save(os.path.join(self.root, f'{i:02d}.png'), crop)
    before = datasets.resolve(f'folder:{self.root}', test_fraction=0.3)
    old_test = datasets.as_arrays(before, 'test')['images']
    old_train = datasets.as_arrays(before, 'train')['images']
    for i, crop in enumerate(crops[20:], start=20):
      _save(os.path.join(self.root, f'{i:02d}.png'), crop)
    after = datasets.resolve(f'folder:{self.root}', test_fraction=0.3)
    self.assertEqual(sum(after.split_sizes.values()), 30)
    new_test = {image.tobytes() for image in
                datasets.as_arrays(after, 'test')['images']}
    new_train = {image.tobytes() for image in
                 datasets.as_arrays(after, 'train')['images']}
    self.assertTrue({image.tobytes() for image in old_test} <= new_test)
    self.assertTrue({image.tobytes() for image in old_train} <= new_train)
    self.assertGreater(len(old_test), 0)
    self.assertGreater(after.split_sizes['test'], before.split_sizes['test'])

  def test_sizes_need_image_size_unless_all_equal(self):
    photo = skimage.data.coffee()
    _save(os.path.join(self.root, 'a.png'), photo[:20, :30])
    _save(os.path.join(self.root, 'b.png'), photo[20:40, 30:60])
    spec = datasets.resolve(f'folder:{self.root}')  # One non-square size.
    self.assertEqual(spec.image_shape, (20, 20, 3))
    images = datasets.as_arrays(spec, 'train', image_size=None)['images']
    crops = {photo[:20, 5:25].tobytes(), photo[20:40, 35:55].tobytes()}
    self.assertTrue({image.tobytes() for image in images} <= crops)
    _save(os.path.join(self.root, 'c.png'), photo[:16, :16])
    with self.assertRaisesRegex(errors.DatasetError,
                                r'2 different sizes.*image_size=S'):
      datasets.resolve(f'folder:{self.root}')
    spec = datasets.resolve(f'folder:{self.root}', image_size=16)
    self.assertEqual(spec.image_shape, (16, 16, 3))
    self.assertEqual(
        datasets.as_arrays(spec, 'train')['images'].shape[1:], (16, 16, 3))

  def test_file_damaged_after_scan_is_dropped(self):
    crops = _crops(skimage.data.chelsea(), 3)
    for i, crop in enumerate(crops):
      _save(os.path.join(self.root, f'{i}.png'), crop)
    spec = datasets.resolve(f'folder:{self.root}', test_fraction=0.0)
    # Same size and mtime: the scan's cache still takes it for good, so only
    # loading can find it out.
    path = os.path.join(self.root, '1.png')
    stat = os.stat(path)
    with open(path, 'r+b') as f:
      f.seek(stat.st_size // 2)
      f.write(bytes(stat.st_size - stat.st_size // 2))
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    images = datasets.as_arrays(spec, 'train')['images']
    self.assertLen(images, 2)

  def test_bad_folders(self):
    with self.assertRaisesRegex(errors.DatasetError, 'does not exist'):
      datasets.resolve(f'folder:{self.root}/nope')
    with self.assertRaisesRegex(errors.DatasetError,
                                r'No image files.*It is empty'):
      datasets.resolve(f'folder:{self.root}')
    with open(os.path.join(self.root, 'a.tif'), 'wb') as f:
      f.write(b'II*\0')
    with self.assertRaisesRegex(errors.DatasetError,
                                r'No image files.*\.png.*It holds 1 \.tif'):
      datasets.resolve(f'folder:{self.root}')
    with open(os.path.join(self.root, 'a.png'), 'wb') as f:
      f.write(b'\x89PNG not really')
    with self.assertRaisesRegex(errors.DatasetError,
                                r'None of the 1 image files.*a\.png'):
      datasets.resolve(f'folder:{self.root}')
    with self.assertRaisesRegex(errors.DatasetError, 'array:'):
      datasets.resolve(f'folder:{self.root}/a.png')

  def test_class_folders_changed_since_resolve(self):
    write_folder(self.root)
    spec = datasets.resolve(f'folder:{self.root}')
    _save(os.path.join(self.root, 'dogs', 'dog.png'),
          _crops(skimage.data.astronaut(), 1)[0])
    with self.assertRaisesRegex(errors.DatasetError,
                                r"changed.*'cats', 'cups', 'dogs'"):
      datasets.load(spec, 'train')


if __name__ == '__main__':
  tf.test.main()
