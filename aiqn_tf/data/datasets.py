"""Datasets: bundled real images for CPUs and the paper's sets through tfds.

Every dataset yields dicts {"images": uint8 [H, W, C], "labels": int32 []}
("labels" only for datasets that have class labels).

- digits: sklearn's 1,797 handwritten digits, 8x8x1 (0-16 scaled to 0-255),
  10 classes; a fixed split of 1,497 train / 300 test images.
- photos: 32x32x3 patches cut from colour photos bundled with scikit-image and
  scikit-learn, at three scales; the photos (not the patches) are split between
  train and test, so test patches come from photos never trained on.
- faces: the 100 face images of scikit-image's LFW subset (`lfw_subset`),
  25x25x1 grey; a fixed split of 80 train / 20 test (the VAE takes them
  resized, e.g. to 32x32).
- cifar10: tfds `cifar10`, 32x32x3, 10 classes.
- imagenet32: tfds `downsampled_imagenet/32x32`, 32x32x3, no labels (the tfds
  builder has none); its "validation" split serves as test.
- celeba: tfds `celeb_a`, centre-cropped 108x108 at (55, 35) and resized to
  64x64x3 as in LynnHo/VAE-Tensorflow.

`load(..., image_size=S)` resizes any of them to SxS (bilinear, antialiased,
rounded back to uint8), for models that need another size.
"""

import dataclasses
import functools
import os

import numpy as np
import tensorflow as tf

SPLITS = ('train', 'test')


@dataclasses.dataclass(frozen=True)
class DatasetSpec:
  """What a dataset yields and where it comes from."""
  name: str
  image_shape: tuple
  num_classes: object  # int or None.
  tfds_name: object = None  # None for bundled datasets.
  tfds_splits: tuple = ('train', 'test')  # tfds names of our train, test.


SPECS = {
    'digits': DatasetSpec('digits', (8, 8, 1), 10),
    'photos': DatasetSpec('photos', (32, 32, 3), None),
    'faces': DatasetSpec('faces', (25, 25, 1), None),
    'cifar10': DatasetSpec('cifar10', (32, 32, 3), 10, 'cifar10'),
    'imagenet32': DatasetSpec('imagenet32', (32, 32, 3), None,
                              'downsampled_imagenet/32x32',
                              ('train', 'validation')),
    'celeba': DatasetSpec('celeba', (64, 64, 3), None, 'celeb_a'),
}

# Colour photos that ship inside scikit-image / scikit-learn and load offline.
PHOTOS_TRAIN = ('astronaut', 'coffee', 'rocket', 'hubble_deep_field',
                'immunohistochemistry', 'china.jpg')
PHOTOS_TEST = ('chelsea', 'flower.jpg')
PHOTO_SCALES = (64, 128, 192)  # Shorter side, in pixels, before cutting.
PATCH_STRIDE = 16

CELEBA_CROP = 108
CELEBA_OFFSETS = ((218 - 108) // 2, (178 - 108) // 2)


class DatasetNotPreparedError(FileNotFoundError):
  """A tfds dataset is not in data_dir and downloading was not asked for."""


def get_spec(name):
  """The DatasetSpec of `name`; ValueError listing the known names otherwise."""
  if name not in SPECS:
    raise ValueError(f'Unknown dataset {name!r}; choose one of '
                     f'{", ".join(sorted(SPECS))}.')
  return SPECS[name]


def load(name, split, data_dir=None, download=False, raw_dir=None,
         shuffle_seed=None, image_size=None):
  """Loads one split of a dataset as a tf.data.Dataset of single examples.

  Args:
    name: a key of SPECS.
    split: 'train' or 'test'.
    data_dir: tfds data directory (tfds' default when None).
    download: let tfds download and prepare a missing dataset (needs network).
    raw_dir: a folder holding the dataset's raw downloads (see
      `tfds_offline.RAW_FILES`): a missing tfds dataset is prepared from it.
    shuffle_seed: if set, shuffle tfds' files in this reproducible order (for
      training: all workers of a multi-worker run see the same order).
    image_size: if set (and not 0), images are resized to this square size.

  Returns:
    tf.data.Dataset of {"images": uint8 [H,W,C], "labels": int32 []}, H = W =
    image_size if given.

  Raises:
    ValueError: on an unknown name or split.
    DatasetNotPreparedError: when a tfds dataset is missing and neither
      download nor raw_dir is given.
  """
  spec = get_spec(name)
  if split not in SPLITS:
    raise ValueError(f'split must be one of {SPLITS}, got {split!r}.')
  if spec.tfds_name is None:
    arrays = {'digits': _digits, 'photos': _photos, 'faces': _faces}[name](
        split)
    dataset = tf.data.Dataset.from_tensor_slices(arrays)
  else:
    dataset = _load_tfds(spec, split, data_dir, download, raw_dir,
                         shuffle_seed)
  if image_size and image_size != spec.image_shape[0]:
    dataset = dataset.map(
        lambda example: dict(example, images=resize(example['images'],
                                                    image_size)),
        num_parallel_calls=tf.data.AUTOTUNE)
  return dataset


def resize(images, size):
  """uint8 [..., H, W, C] -> uint8 [..., size, size, C], bilinear, antialiased."""
  resized = tf.image.resize(tf.cast(images, tf.float32), [size, size],
                            antialias=True)
  return tf.cast(tf.clip_by_value(tf.round(resized), 0, 255), tf.uint8)


def as_arrays(name, split, limit=None, **kwargs):
  """A split (its first `limit` examples if set) as numpy arrays.

  Returns:
    {"images": uint8 [N,H,W,C] (, "labels": int32 [N])}.
  """
  dataset = load(name, split, **kwargs)
  if limit is not None:
    dataset = dataset.take(limit)
  dataset = dataset.batch(4096)
  batches = list(dataset.as_numpy_iterator())
  return {k: np.concatenate([b[k] for b in batches]) for k in batches[0]}


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


def _faces(split):
  import skimage.data  # pylint: disable=g-import-not-at-top
  faces = skimage.data.lfw_subset()[:100]  # The other 100 are not faces.
  images = np.round(faces * 255.0).astype(np.uint8)[..., None]
  return {'images': images[:80] if split == 'train' else images[80:]}


def _load_photo(name):
  if name.endswith('.jpg'):
    from sklearn import datasets as sk_datasets  # pylint: disable=g-import-not-at-top
    bunch = sk_datasets.load_sample_images()
    return bunch.images[bunch.filenames.index(
        next(f for f in bunch.filenames if f.endswith(name)))]
  import skimage.data  # pylint: disable=g-import-not-at-top
  return getattr(skimage.data, name)()[..., :3]


@functools.lru_cache(maxsize=None)
def _photos(split):
  patches = []
  for photo_name in PHOTOS_TRAIN if split == 'train' else PHOTOS_TEST:
    photo = _load_photo(photo_name)
    for short_side in PHOTO_SCALES:
      scale = short_side / min(photo.shape[:2])
      size = [int(round(d * scale)) for d in photo.shape[:2]]
      small = tf.image.resize(photo, size, method='area', antialias=True)
      small = tf.cast(tf.clip_by_value(tf.round(small), 0, 255), tf.uint8)
      windows = tf.image.extract_patches(
          small[None], [1, 32, 32, 1], [1, PATCH_STRIDE, PATCH_STRIDE, 1],
          [1, 1, 1, 1], 'VALID')
      patches.append(tf.reshape(windows, [-1, 32, 32, 3]).numpy())
  return {'images': np.concatenate(patches)}


def _load_tfds(spec, split, data_dir, download, raw_dir, shuffle_seed):
  import tensorflow_datasets as tfds  # pylint: disable=g-import-not-at-top
  builder = tfds.builder(spec.tfds_name, data_dir=data_dir)
  if not builder.is_prepared():
    if raw_dir:
      from aiqn_tf.data import tfds_offline  # pylint: disable=g-import-not-at-top
      builder = tfds_offline.prepare(spec.tfds_name, data_dir, raw_dir)
    elif download:
      builder.download_and_prepare()
    else:
      raise DatasetNotPreparedError(
          f'Dataset {spec.name!r} (tfds {spec.tfds_name!r}) is not prepared '
          f'in {os.path.dirname(os.path.dirname(builder.data_dir))}. Either '
          'pass --download (needs network access), or --raw_dir pointing at '
          'its raw downloads, or prepare it on a machine with network access '
          f'(`tfds build {spec.tfds_name} --data_dir=DIR`) and pass '
          '--data_dir=DIR.')
  tfds_split = spec.tfds_splits[SPLITS.index(split)]
  dataset = builder.as_dataset(
      split=tfds_split, shuffle_files=shuffle_seed is not None,
      read_config=tfds.ReadConfig(shuffle_seed=shuffle_seed))
  has_labels = spec.num_classes is not None
  crop = spec.name == 'celeba'

  def convert(example):
    images = example['image']
    if crop:
      images = celeba_crop(images)
    out = {'images': images}
    if has_labels:
      out['labels'] = tf.cast(example['label'], tf.int32)
    return out

  return dataset.map(convert, num_parallel_calls=tf.data.AUTOTUNE)


def celeba_crop(images, size=64):
  """CelebA [..., 218, 178, 3] uint8 -> centre 108x108 crop resized to size^2.

  As LynnHo/VAE-Tensorflow: crop at offsets (55, 35), bilinear resize; rounded
  back to uint8.
  """
  top, left = CELEBA_OFFSETS
  crop = images[..., top:top + CELEBA_CROP, left:left + CELEBA_CROP, :]
  resized = tf.image.resize(tf.cast(crop, tf.float32), [size, size])
  return tf.cast(tf.clip_by_value(tf.round(resized), 0, 255), tf.uint8)


def input_pipeline(dataset, global_batch_size, shuffle_buffer, seed,
                   keep_labels):
  """The one training input pipeline: shuffle, repeat, batch, prefetch.

  Args:
    dataset: tf.data.Dataset of examples from `load`.
    global_batch_size: int, batch over all replicas (the trainer gives each
      replica its slice; every worker reads the same global batches).
    shuffle_buffer: int, elements in the shuffle buffer.
    seed: int, shuffle seed (the order is reproducible, and the iterator's
      position is checkpointed by the trainer).
    keep_labels: keep "labels" (class-conditional models) or drop them.

  Returns:
    tf.data.Dataset of {"images": uint8 [B,H,W,C] (, "labels": int32 [B])}.
  """
  if not keep_labels:
    dataset = dataset.map(lambda example: {'images': example['images']})
  return (dataset.shuffle(shuffle_buffer, seed=seed)
          .repeat()
          .batch(global_batch_size, drop_remainder=True)
          .prefetch(tf.data.AUTOTUNE))
