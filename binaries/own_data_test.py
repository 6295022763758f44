"""Own images through the binaries: a folder, an npz, a tfds fixture, bad input.

The folder is written from scikit-image's bundled photos: two class
sub-folders of PNG and JPEG crops of several sizes, one grey image among the
colour ones, and one corrupt file.
"""

import json
import os
import shutil
import tempfile
import time

import numpy as np
from PIL import Image
import skimage.data
import tensorflow as tf

from aiqn_tf.testing import test_util

STAND_IN = os.path.join(test_util.TESTDATA, 'inception_stand_in')
TINY = ['--num_layers=1', '--filters=6', '--output_filters=6',
        '--kernel_size=3', '--batch_size=4', '--summary_every=1',
        '--num_samples=4']


def _write_folder(root):
  """Two classes of crops (PNG and JPEG, 20x20 to 26x26), a grey one, a corrupt one."""
  photos = {'cats': skimage.data.chelsea(), 'coffee': skimage.data.coffee()}
  rng = np.random.default_rng(0)
  for label, photo in photos.items():
    os.makedirs(os.path.join(root, label))
    for k in range(10):
      size = 20 + 2 * (k % 4)
      top, left = rng.integers(0, 200, 2)
      crop = Image.fromarray(photo[top:top + size, left:left + size])
      if label == 'cats' and k == 3:
        crop = crop.convert('L')  # One grey image among colour ones.
      fmt = 'PNG' if k % 2 else 'JPEG'
      crop.save(os.path.join(root, label, f'{k}.{fmt.lower()}'), fmt)
  with open(os.path.join(root, 'coffee', 'broken.png'), 'wb') as f:
    f.write(b'\x89PNG\r\n\x1a\n' + bytes(rng.integers(0, 256, 40,
                                                       dtype=np.uint8)))


class OwnDataTest(tf.test.TestCase):

  @classmethod
  def setUpClass(cls):
    super().setUpClass()
    cls.root = tempfile.mkdtemp()
    cls.folder = os.path.join(cls.root, 'photos')
    _write_folder(cls.folder)
    cls.model_dir = os.path.join(cls.root, 'run')
    code, cls.train_output = test_util.run_binary(
        'train', f'--dataset=folder:{cls.folder}', '--image_size=8',
        '--class_conditional', *TINY, '--train_steps=3', '--sample_every=3',
        f'--model_dir={cls.model_dir}')
    assert code == 0, cls.train_output

  @classmethod
  def tearDownClass(cls):
    shutil.rmtree(cls.root, ignore_errors=True)
    super().tearDownClass()

  def _npz(self, name, *args):
    path = os.path.join(self.root, name + '.npz')
    code, output = test_util.run_binary(
        'sample', f'--model_dir={self.model_dir}', f'--output={path}', *args)
    self.assertEqual(code, 0, output)
    with np.load(path) as f:
      return dict(f)

  def test_folder_trains_with_labels_and_skips_the_corrupt_file(self):
    self.assertIn('broken.png', self.train_output)
    with open(os.path.join(self.model_dir, 'config.json')) as f:
      data = json.load(f)['data']
    resolved = data['resolved']
    self.assertEqual(data['dataset'], f'folder:{self.folder}')
    self.assertEqual((resolved['kind'], resolved['num_classes'],
                      list(resolved['image_shape'])), ('folder', 2, [8, 8, 3]))
    self.assertEqual(resolved['class_names'], ['cats', 'coffee'])
    self.assertEqual(sum(resolved['split_sizes'].values()), 20)

  def test_sample_inpaint_evaluate_export(self):
    samples = self._npz('labels', '--labels=1', '--num_samples=3')
    self.assertEqual(samples['images'].shape, (3, 8, 8, 3))
    self.assertAllEqual(samples['labels'], [1, 1, 1])
    inpainted = self._npz('inpaint', '--inpaint', '--fixed_rows=4',
                          '--num_samples=2')
    self.assertAllEqual(inpainted['images'][:, :4],
                        inpainted['originals'][:, :4])
    code, output = test_util.run_binary(
        'evaluate', f'--model_dir={self.model_dir}', '--classifier=inception',
        f'--inception_path={STAND_IN}', '--num_samples=4',
        *test_util.QUICK_EVALUATE)
    self.assertEqual(code, 0, output)
    self.assertIn('FID', output)
    export_dir = os.path.join(self.root, 'export')
    code, output = test_util.run_binary(
        'export', f'--model_dir={self.model_dir}',
        f'--export_dir={export_dir}')
    self.assertEqual(code, 0, output)
    images = tf.saved_model.load(export_dir).signatures['serving_default'](
        tau=tf.fill((2, 8, 8, 3), 0.5), labels=tf.constant([0, 1]))['images']
    self.assertEqual(images.shape, (2, 8, 8, 3))

  def test_dataset_classifier_for_a_folder(self):
    code, output = test_util.run_binary(
        'evaluate', f'--model_dir={self.model_dir}', '--classifier=dataset',
        f'--classifier_path={self.root}/none', '--num_samples=4')
    self.assertNotEqual(code, 0)
    self.assertIn('binaries.train_classifier', output)
    path = os.path.join(self.root, 'classifier')
    code, output = test_util.run_binary(
        'train_classifier', f'--dataset=folder:{self.folder}',
        '--image_size=8', '--epochs=2', f'--output_dir={path}')
    self.assertEqual(code, 0, output)
    self.assertIn('test accuracy', output)
    code, output = test_util.run_binary(
        'evaluate', f'--model_dir={self.model_dir}', '--classifier=dataset',
        f'--classifier_path={path}', '--num_samples=4',
        *test_util.QUICK_EVALUATE)
    self.assertEqual(code, 0, output)
    self.assertIn('classifier test accuracy', output)

  def test_npz_and_tfds_fixture(self):
    npz = os.path.join(self.root, 'faces.npz')
    rng = np.random.default_rng(1)
    np.savez(npz, images=rng.integers(0, 256, (30, 6, 6), np.uint8),
             labels=np.arange(30) % 3)
    code, output = test_util.run_binary(
        'train', f'--dataset=array:{npz}', '--class_conditional', *TINY,
        '--train_steps=1', '--sample_every=0',
        f'--model_dir={self.root}/npz')
    self.assertEqual(code, 0, output)
    self.assertIn('Trained pixel_iqn on array:', output)
    code, output = test_util.run_binary(
        'train', '--dataset=tfds:cifar10', f'--data_dir={self.root}/tfds',
        f'--raw_dir={test_util.TESTDATA}/tfds/cifar10', *TINY,
        '--train_steps=1', '--sample_every=0',
        f'--model_dir={self.root}/tfds_run')
    self.assertEqual(code, 0, output)
    with open(os.path.join(self.root, 'tfds_run', 'config.json')) as f:
      resolved = json.load(f)['data']['resolved']
    self.assertEqual((resolved['kind'], resolved['num_classes']), ('tfds', 10))

  def test_bad_inputs_fail_fast_with_what_to_do(self):
    sizes = os.path.join(self.root, 'sizes')
    os.makedirs(sizes)
    for k, shape in enumerate(((10, 12, 3), (14, 12, 3))):
      Image.fromarray(np.zeros(shape, np.uint8)).save(f'{sizes}/{k}.png')
    empty = os.path.join(self.root, 'empty')
    os.makedirs(empty)
    floats = os.path.join(self.root, 'floats.npz')
    np.savez(floats, images=np.zeros((5, 8, 8), np.float32))
    few = os.path.join(self.root, 'few.npz')
    np.savez(few, images=np.zeros((5, 8, 8), np.uint8))
    for dataset, extra, message in (
        (f'folder:{self.root}/nope', [], 'does not exist'),
        (f'folder:{empty}', [], 'No image files'),
        (f'folder:{sizes}', [], '--image_size'),
        ('tfds:cifar11', [f'--data_dir={self.root}/tfds'], 'cifar10'),
        (f'array:{floats}', [], 'must be uint8'),
        (f'array:{few}', ['--batch_size=8', '--test_fraction=0.5'],
         'fewer than one batch'),
        (f'folder:{self.folder}', ['--image_size=8', '--channels=2'],
         '--channels'),
    ):
      model_dir = os.path.join(self.root, 'bad')
      start = time.time()
      code, output = test_util.run_binary(
          'train', f'--dataset={dataset}', f'--model_dir={model_dir}', *extra)
      self.assertNotEqual(code, 0, dataset)
      self.assertIn(message, output, dataset)
      self.assertLess(time.time() - start, 60)
      self.assertFalse(os.path.exists(model_dir))


if __name__ == '__main__':
  tf.test.main()
