"""Offline tfds preparation by the real builders from testdata/tfds/ files.

The expected values are read back from the raw fixture files themselves
(CIFAR binary records, PNGs in the ImageNet tars, JPEGs in the CelebA zip), so
each test checks what the real builder made of them.
"""

import io
import os
import shutil
import tarfile
import tempfile
import zipfile

import numpy as np
from PIL import Image
import tensorflow as tf
import tensorflow_datasets as tfds

from aiqn_tf.data import tfds_offline

_FIXTURES = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..',
                         'testdata', 'tfds')
# Column order of list_landmarks_align_celeba.txt.
_LANDMARKS = ('lefteye_x lefteye_y righteye_x righteye_y nose_x nose_y '
              'leftmouth_x leftmouth_y rightmouth_x rightmouth_y').split()


def _fixture_dir(name):
  return os.path.join(_FIXTURES, name)


def _cifar10_fixture():
  """Returns ({id: (label, uint8 [32, 32, 3])}, label names) from the tar.gz."""
  path = os.path.join(_fixture_dir('cifar10'), 'cifar-10-binary.tar.gz')
  with tarfile.open(path) as tar:
    def read(name):
      return tar.extractfile(f'cifar-10-batches-bin/{name}').read()
    names = [n for n in read('batches.meta.txt').decode().split('\n') if n]
    examples = {}
    for prefix, batches in (
        ('train_', [f'data_batch_{i}.bin' for i in range(1, 6)]),
        ('test_', ['test_batch.bin'])):
      records = np.concatenate([
          np.frombuffer(read(b), np.uint8).reshape(-1, 3073) for b in batches])
      for index, record in enumerate(records):
        image = record[1:].reshape(3, 32, 32).transpose(1, 2, 0)
        examples[f'{prefix}{index:05d}'] = (int(record[0]), image)
  return examples, names


def _imagenet32_fixture(split):
  """Returns the uint8 [32, 32, 3] images of train_32x32.tar or valid_..."""
  path = os.path.join(_fixture_dir('downsampled_imagenet/32x32'),
                      f'{split}_32x32.tar')
  with tarfile.open(path) as tar:
    return [np.asarray(Image.open(io.BytesIO(tar.extractfile(m).read())))
            for m in tar.getmembers() if m.isfile()]


def _celeb_a_fixture():
  """Returns {identity: (file name, partition, landmarks, JPEG bytes)}."""
  folder = _fixture_dir('celeb_a')

  def rows(name, skip):
    with open(os.path.join(folder, name)) as f:
      return {r[0]: [int(v) for v in r[1:]]
              for r in (line.split() for line in f.read().splitlines()[skip:])}

  partitions = rows('list_eval_partition.txt', 0)
  landmarks = rows('list_landmarks_align_celeba.txt', 2)
  with zipfile.ZipFile(os.path.join(folder, 'img_align_celeba.zip')) as z:
    jpegs = {os.path.basename(n): z.read(n)
             for n in z.namelist() if n.endswith('.jpg')}
  return {identity: (name, partitions[name][0], landmarks[name], jpegs[name])
          for name, (identity,) in rows('identity_CelebA.txt', 0).items()}


def _as_numpy(dataset):
  return list(tfds.as_numpy(dataset))


class TfdsOfflineTest(tf.test.TestCase):

  def _new_tempdir(self):
    # Not self.create_tempdir(): it needs parsed absl flags, which pytest lacks.
    path = tempfile.mkdtemp(prefix='tfds_offline_test_')
    self.addCleanup(shutil.rmtree, path, ignore_errors=True)
    return path

  def test_cifar10(self):
    data_dir = self._new_tempdir()
    builder = tfds_offline.prepare('cifar10', data_dir,
                                   _fixture_dir('cifar10'))
    self.assertEqual(builder.info.features['label'].names[:2],
                     ['airplane', 'automobile'])
    examples, names = _cifar10_fixture()
    self.assertEqual(builder.info.features['label'].names, names)

    splits = tfds.load('cifar10', data_dir=data_dir, download=False)
    self.assertCountEqual(splits, ['train', 'test'])
    seen = set()
    for split, count in (('train', 10), ('test', 3)):
      loaded = _as_numpy(splits[split])
      self.assertLen(loaded, count)
      self.assertEqual(builder.info.splits[split].num_examples, count)
      for example in loaded:
        key = example['id'].decode()
        label, image = examples[key]
        self.assertEqual(example['image'].dtype, np.uint8)
        self.assertEqual(example['image'].shape, (32, 32, 3))
        self.assertBetween(example['label'], 0, 9)
        self.assertEqual(example['label'], label)
        self.assertAllEqual(example['image'], image)
        seen.add(key)
    self.assertEqual(seen, set(examples))

  def test_downsampled_imagenet_32x32(self):
    name = 'downsampled_imagenet/32x32'
    data_dir = self._new_tempdir()
    tfds_offline.prepare(name, data_dir, _fixture_dir(name))

    splits = tfds.load(name, data_dir=data_dir, download=False)
    self.assertCountEqual(splits, ['train', 'validation'])
    for split, raw_split, count in (('train', 'train', 4),
                                    ('validation', 'valid', 3)):
      expected = _imagenet32_fixture(raw_split)
      self.assertLen(expected, count)
      loaded = [e['image'] for e in _as_numpy(splits[split])]
      self.assertLen(loaded, count)
      for image in loaded:
        self.assertEqual(image.dtype, np.uint8)
        self.assertEqual(image.shape, (32, 32, 3))
      # PNGs are lossless and tfds keeps their bytes: the same images exactly.
      sort_key = lambda image: image.tobytes()
      self.assertAllEqual(np.stack(sorted(loaded, key=sort_key)),
                          np.stack(sorted(expected, key=sort_key)))

  def test_celeb_a(self):
    data_dir = self._new_tempdir()
    tfds_offline.prepare('celeb_a', data_dir, _fixture_dir('celeb_a'))
    fixture = _celeb_a_fixture()

    splits = tfds.load('celeb_a', data_dir=data_dir, download=False)
    self.assertCountEqual(splits, ['train', 'validation', 'test'])
    for split, partition, count in (('train', 0, 3), ('validation', 1, 2),
                                    ('test', 2, 1)):
      loaded = _as_numpy(splits[split])
      self.assertLen(loaded, count)
      for example in loaded:
        name, expected_partition, landmarks, jpeg = fixture[
            example['identity']['Identity_No']]
        self.assertEqual(expected_partition, partition, name)
        self.assertEqual(example['image'].dtype, np.uint8)
        self.assertEqual(example['image'].shape, (218, 178, 3))
        self.assertEqual([example['landmarks'][k] for k in _LANDMARKS],
                         landmarks)
        # tfds stores the JPEG bytes as they are: TF decodes them to the same
        # pixels. PIL, another decoder (accurate IDCT where TF's default is
        # the fast one), agrees to a few levels.
        self.assertAllEqual(example['image'], tf.io.decode_jpeg(jpeg))
        pil_image = np.asarray(Image.open(io.BytesIO(jpeg)), np.int32)
        diff = np.abs(example['image'].astype(np.int32) - pil_image)
        self.assertLess(diff.mean(), 2.0, name)
        self.assertLessEqual(diff.max(), 4, name)
        self.assertLen(example['attributes'], 40)

  def test_builder_from_directory(self):
    name = 'downsampled_imagenet/32x32'
    data_dir = self._new_tempdir()
    builder = tfds_offline.prepare(name, data_dir, _fixture_dir(name))
    # A prepared dataset is reused: no raw files needed the second time.
    again = tfds_offline.prepare(name, data_dir, self._new_tempdir())
    self.assertEqual(again.data_dir, builder.data_dir)
    restored = tfds.builder_from_directory(os.fspath(builder.data_dir))
    self.assertEqual(restored.info.splits['validation'].num_examples, 3)
    images = _as_numpy(restored.as_dataset(split='validation'))
    self.assertLen(images, 3)
    self.assertEqual(images[0]['image'].shape, (32, 32, 3))

  def test_raw_files_match_tfds_registry(self):
    for name, files in tfds_offline.RAW_FILES.items():
      url_infos = tfds.builder_cls(name.split('/')[0]).url_infos
      for file_name, url in files.items():
        self.assertEqual(url_infos[url].filename, file_name)

  def test_missing_raw_file(self):
    raw_dir = self._new_tempdir()
    for name in os.listdir(_fixture_dir('celeb_a')):
      if name != 'list_attr_celeba.txt':
        shutil.copy(os.path.join(_fixture_dir('celeb_a'), name), raw_dir)
    data_dir = self._new_tempdir()
    with self.assertRaisesRegex(
        FileNotFoundError,
        r'list_attr_celeba\.txt.*id=0B7EVK8r0v71pblRyaVFSWGxPY0U'):
      tfds_offline.prepare('celeb_a', data_dir, raw_dir)
    self.assertFalse(os.path.exists(os.path.join(data_dir, 'celeb_a', '2.1.0')))

  def test_missing_raw_files_all_named(self):
    with self.assertRaises(FileNotFoundError) as raised:
      tfds_offline.prepare('downsampled_imagenet/32x32', self._new_tempdir(),
                           self._new_tempdir())
    for name, url in tfds_offline.RAW_FILES[
        'downsampled_imagenet/32x32'].items():
      self.assertIn(f'{name}  (stands for {url})', str(raised.exception))

  def test_missing_raw_file_of_other_dataset(self):
    # cifar100 is not in RAW_FILES: the download manager reports the file
    # name tfds registers for the URL the builder asks for.
    with self.assertRaisesRegex(
        FileNotFoundError,
        r'cifar-100-binary\.tar\.gz.*https://www\.cs\.toronto\.edu/~kriz/'):
      tfds_offline.prepare('cifar100', self._new_tempdir(),
                           self._new_tempdir())

  def test_verify_checksums_rejects_fixtures(self):
    with self.assertRaisesRegex(
        tfds.download.download_manager.NonMatchingChecksumError, 'sha256'):
      tfds_offline.prepare('cifar10', self._new_tempdir(),
                           _fixture_dir('cifar10'), verify_checksums=True)


if __name__ == '__main__':
  tf.test.main()
