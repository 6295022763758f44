"""Datasets by name: `resolve` checks a dataset string, `load` reads it.

A dataset string is one of:

- a bundled set of real images that ships with a Python package, for CPUs and
  tests (see `bundled`): `digits` (8x8x1, 10 classes), `mnist` (28x28x1, 10
  classes), `photos` (32x32x3 patches), `faces` (25x25x1), and two sets of
  sequences, `spoken_digits` (16-bit audio, 4,096 samples at 8 kHz, 10
  classes) and `co2` (standardised windows of a weekly series, float);
- one of the paper's sets through tensorflow-datasets: `cifar10` (32x32x3, 10
  classes), `imagenet32` (tfds `downsampled_imagenet/32x32`, 32x32x3, no
  labels; its "validation" split serves as test), `celeba` (tfds `celeb_a`,
  centre-cropped 108x108 at (55, 35) and resized to 64x64x3 as in
  LynnHo/VAE-Tensorflow);
- `folder:PATH`: the PNG, JPEG, BMP and GIF files under PATH; class
  sub-folders give labels (see `folders`);
- `tfds:NAME[/CONFIG]`: any tensorflow-datasets image dataset (see
  `tfds_source`);
- `array:FILE.npz` or `array:FILE.npy`: uint8 images in a numpy file, with
  optional labels (see `arrays`);
- `wav:PATH`: the 16-bit WAV files under PATH, cut into clips of sound;
  class sub-folders give labels (see `wav_folders`).

Every image dataset yields dicts {"images": uint8 [H, W, C], "labels": int32
[]} ("labels" only for datasets with classes), H == W, C 1 or 3; an array of
sequences or vectors yields them under their own key (`arrays`, and
core/events.py for event spaces). Options
(`image_size`, `channels`, ...) convert the images: channels first (grey <->
RGB, alpha dropped), then the centre square resized to image_size (bilinear,
antialiased, rounded back to uint8).

```python
spec = datasets.resolve('folder:~/pets', image_size=32)  # Fast; DatasetError.
datasets.check_batch(spec, batch_size=32)
train = datasets.load(spec, 'train')
json.dumps(spec.to_dict())  # A run's config keeps the resolved dataset.
```
"""

import dataclasses
import difflib
import os

import numpy as np
import tensorflow as tf

from aiqn_tf.core import events
from aiqn_tf.data import arrays
from aiqn_tf.data import bundled
from aiqn_tf.data import errors
from aiqn_tf.data import readers
from aiqn_tf.data import specs
from aiqn_tf.data import tfds_source
from aiqn_tf.data import transforms

SPLITS = ('train', 'test')

# Re-exported: the names callers use.
DatasetSpec = specs.DatasetSpec
DatasetError = errors.DatasetError
DatasetNotPreparedError = errors.DatasetNotPreparedError
resize = transforms.resize
celeba_crop = transforms.celeba_crop
PHOTOS = bundled.PHOTOS


def _bundled_spec(name):
  shape, num_classes, sizes = bundled.BUNDLED[name]
  space, values, rate = bundled.SPACES.get(name, ('images', 'uint8', 0))
  return DatasetSpec(
      name, shape, num_classes, kind='bundled', split_sizes=dict(sizes),
      class_names=(tuple(str(i) for i in range(num_classes))
                   if num_classes else None), space=space, values=values,
      sample_rate=rate)


def _tfds_spec(name, shape, num_classes, tfds_name, label_key=None,
               test_split='test'):
  return DatasetSpec(name, shape, num_classes, kind='tfds', source=tfds_name,
                     image_key='image', label_key=label_key,
                     test_split=test_split, tfds_splits=('train', test_split))


# The named datasets, as stored; `resolve` adds the options and, for tfds
# ones, the split sizes and class names from the builder.
SPECS = {
    **{name: _bundled_spec(name) for name in bundled.BUNDLED},
    'cifar10': _tfds_spec('cifar10', (32, 32, 3), 10, 'cifar10',
                          label_key='label'),
    'imagenet32': _tfds_spec('imagenet32', (32, 32, 3), None,
                             'downsampled_imagenet/32x32',
                             test_split='validation'),
    'celeba': _tfds_spec('celeba', (64, 64, 3), None, 'celeb_a'),
}


def _known():
  return (f'choose one of {", ".join(sorted(SPECS))}, or '
          f'{readers.prefixed_help()}')


def _check_options(image_size, channels, test_fraction):
  if not isinstance(image_size, (int, np.integer)) or image_size < 0 or (
      image_size == 1):
    raise DatasetError(f'image_size must be 0 (as stored) or >= 2, got '
                       f'{image_size!r}.')
  if channels not in (0, 1, 3):
    raise DatasetError(f'channels must be 0 (as stored), 1 (grey) or 3 '
                       f'(RGB), got {channels!r}.')
  if not 0 <= test_fraction < 1:
    raise DatasetError(f'test_fraction must be in [0, 1), got '
                       f'{test_fraction!r}.')


def resolve(name, *, image_size=0, channels=0, test_fraction=0.1,
            image_key=None, label_key=None, test_split=None, data_dir=None,
            download=False, raw_dir=None, sample_rate=0, clip_length=0,
            values=''):
  """Checks a dataset string and options; returns what the dataset yields.

  Fast (it reads file headers and tfds metadata, or decodes a folder's images
  once, not the whole dataset's pipeline), so call it before building a
  model: every problem it can see is raised here with what to do.

  Args:
    name: a dataset string: a key of SPECS, 'folder:PATH',
      'tfds:NAME[/CONFIG]' or 'array:FILE' (.npz / .npy).
    image_size: square size of the images yielded; 0: as stored, allowed
      unless a folder's (or tfds feature's) images vary in size. Images are
      centre-cropped to a square, then resized.
    channels: 1 (grey) or 3 (RGB); 0: as stored (a folder's first image's;
      grey + alpha counts as grey, RGBA as RGB).
    test_fraction: folders and arrays: the share of files (rows) in the test
      split, chosen by a hash of the file's relative path (row's index), in
      [0, 1).
    image_key: tfds: the Image feature to read, when there are several.
    label_key: tfds: the ClassLabel feature giving labels, when ambiguous.
    test_split: tfds: the split serving as test, when there is no 'test'.
    data_dir: tfds data directory (tfds' default when None).
    download: tfds: download and prepare a missing dataset (needs network).
    raw_dir: tfds: prepare a missing dataset from the raw files in this
      folder (`tfds_offline`).
    sample_rate: wav: resample to this rate (0: the files' own).
    clip_length: wav: samples per clip (0: a file a clip).
    values: '' (as stored), or 'mu_law': 16-bit sound yielded as WaveNet's
      256 mu-law codes (uint8, `events.mu_law_encode`), for heads of 256
      levels.

  Returns:
    DatasetSpec with image_shape (after the options), num_classes and
    split_sizes.

  Raises:
    DatasetError: for an unknown name, a missing path, a folder with no
      decodable images, images of several sizes without image_size, an
      unknown tfds name (naming the closest), several tfds image features
      without image_key or no test split without test_split, an array of the
      wrong dtype or rank, or a bad option.
    DatasetNotPreparedError: for a tfds dataset not in data_dir when neither
      download nor raw_dir is given.
  """
  _check_options(image_size, channels, test_fraction)
  if not isinstance(name, str) or not name:
    raise DatasetError(f'Dataset must be a non-empty string; {_known()}.')
  if not name.startswith('tfds:') and (image_key or label_key or test_split):
    raise DatasetError(
        'image_key, label_key and test_split apply to tfds:NAME datasets '
        f'only, not {name!r}.')
  reader = readers.for_name(name)
  if reader is not None:
    return _recode(reader.resolve(
        name, name[len(reader.prefix):], image_size=image_size,
        channels=channels, test_fraction=test_fraction, image_key=image_key,
        label_key=label_key, test_split=test_split, data_dir=data_dir,
        download=download, raw_dir=raw_dir, sample_rate=sample_rate,
        clip_length=clip_length), values)
  if sample_rate or clip_length:
    raise DatasetError('sample_rate and clip_length apply to wav:PATH '
                       f'datasets only, not {name!r}.')
  if name not in SPECS:
    hint = ''
    close = difflib.get_close_matches(name, SPECS, n=1)
    if name.lower().endswith(arrays.EXTENSIONS):
      hint = f' Did you mean array:{name}?'
    elif os.path.isdir(os.path.expanduser(name)):
      hint = f' Did you mean folder:{name}?'
    elif close:
      hint = f' Did you mean {close[0]!r}?'
    raise DatasetError(f'Unknown dataset {name!r}; {_known()}.{hint}')
  spec = SPECS[name]
  if spec.space != 'images':
    if image_size or channels:
      raise DatasetError(
          f'{name!r} holds {spec.event_space.describe()}; image_size and '
          'channels apply to images only: leave them 0.')
    return _recode(spec, values)
  height, _, stored_channels = spec.image_shape
  spec = dataclasses.replace(
      spec, image_shape=(image_size or height, image_size or height,
                         channels or stored_channels),
      image_size=image_size, channels=channels)
  if spec.kind == 'tfds':
    spec = tfds_source.complete(spec, data_dir, download, raw_dir)
  return _recode(spec, values)


def _recode(spec, values):
  """The spec yielding `values` ('' as stored); only int16 -> mu_law."""
  if not values or values == spec.values:
    return spec
  if (values, spec.values) != ('mu_law', 'int16'):
    raise DatasetError(
        f'values={values!r}: only 16-bit sound is recoded, to mu_law; '
        f'{spec.name!r} holds {spec.event_space.describe()}.')
  return dataclasses.replace(spec, values=values)


def get_spec(name):
  """The DatasetSpec of a dataset string, as stored (no options applied).

  For the names in SPECS this is SPECS[name], without touching tfds (cheap
  enough to call often); other strings are `resolve`d with default options.

  Raises:
    DatasetError: as `resolve`.
  """
  if isinstance(name, DatasetSpec):
    return name
  if isinstance(name, str) and name in SPECS:
    return SPECS[name]
  return resolve(name)


def check_batch(spec, batch_size):
  """Raises DatasetError if the train split is smaller than one batch.

  Args:
    spec: DatasetSpec (or a dataset string, resolved with defaults).
    batch_size: int, the global batch size.

  Raises:
    DatasetError: if spec.split_sizes says the train split has fewer than
      batch_size images (no check when the size is not known).
  """
  spec = get_spec(spec)
  train = (spec.split_sizes or {}).get('train')
  if train is not None and train < batch_size:
    raise DatasetError(
        f'Dataset {spec.name!r} has {train} training images, fewer than one '
        f'batch of {batch_size}: lower batch_size or add images.')


def load(name_or_spec, split, data_dir=None, download=False, raw_dir=None,
         shuffle_seed=None, image_size=None):
  """Loads one split of a dataset as a tf.data.Dataset of single examples.

  Args:
    name_or_spec: a dataset string (resolved here with image_size) or a
      DatasetSpec from `resolve`.
    split: 'train' or 'test'.
    data_dir: tfds data directory (tfds' default when None).
    download: let tfds download and prepare a missing dataset (needs network).
    raw_dir: a folder holding the dataset's raw downloads (see
      `tfds_offline.RAW_FILES`): a missing tfds dataset is prepared from it.
    shuffle_seed: if set, shuffle tfds' files in this reproducible order (for
      training: all workers of a multi-worker run see the same order).
    image_size: if set (and not 0), images are resized to this square size
      (for a DatasetSpec: overrides its image_size).

  Returns:
    tf.data.Dataset of {"images": uint8 [H,W,C], "labels": int32 []}, [H, W,
    C] = the spec's image_shape (H = W = image_size if given). A folder's
    files that fail to decode are dropped (`folders`).

  Raises:
    DatasetError: on an unknown name or split, or as `resolve`.
    DatasetNotPreparedError: when a tfds dataset is missing and neither
      download nor raw_dir is given.
  """
  if split not in SPLITS:
    raise DatasetError(f'split must be one of {SPLITS}, got {split!r}.')
  if isinstance(name_or_spec, DatasetSpec):
    spec = name_or_spec
    if image_size and image_size != spec.image_shape[0]:
      spec = dataclasses.replace(
          spec, image_size=image_size,
          image_shape=(image_size, image_size, spec.image_shape[2]))
  else:
    spec = resolve(name_or_spec, image_size=image_size or 0,
                   data_dir=data_dir, download=download, raw_dir=raw_dir)
  try:
    reader = readers.REGISTRY.get(spec.kind)
  except ValueError as e:
    raise DatasetError(f'{spec.name!r} is read by the {spec.kind!r} data '
                       f'reader, which is not registered: {e}') from e
  dataset = reader.load(spec, split, data_dir=data_dir, download=download,
                        raw_dir=raw_dir, shuffle_seed=shuffle_seed)
  shape = tuple(spec.image_shape)
  key = spec.event_space.key
  if spec.values == 'mu_law' and dataset.element_spec[key].dtype == tf.int16:
    dataset = dataset.map(lambda example: dict(example, **{
        key: events.pcm_to_mu_law(example[key])}))
  if spec.space == 'images' and tuple(
      dataset.element_spec['images'].shape) != shape:
    dataset = dataset.map(
        lambda example: dict(example,
                             images=transforms.fit(example['images'], shape)),
        num_parallel_calls=tf.data.AUTOTUNE)
  return dataset


def as_arrays(name_or_spec, split, limit=None, **kwargs):
  """A split (its first `limit` examples if set) as numpy arrays.

  Args:
    name_or_spec, split: as `load`.
    limit: int or None.
    **kwargs: passed to `load`.

  Returns:
    {"images": uint8 [N,H,W,C] (, "labels": int32 [N])}; N may be 0.
  """
  dataset = load(name_or_spec, split, **kwargs)
  if limit is not None:
    dataset = dataset.take(limit)
  batches = list(dataset.batch(4096).as_numpy_iterator())
  if not batches:
    return {k: np.zeros((0,) + tuple(v.shape), v.dtype.as_numpy_dtype)
            for k, v in dataset.element_spec.items()}
  return {k: np.concatenate([b[k] for b in batches]) for k in batches[0]}


def sources(name_or_spec, split):
  """Which source image each example of a split was cut from, or None.

  Args:
    name_or_spec: a dataset string or DatasetSpec.
    split: 'train' or 'test'.

  Returns:
    int32 [N] in the order of `as_arrays(name_or_spec, split)` for the
    bundled photos (photo and scale, bundled.sources); None for every other
    dataset.
  """
  spec = get_spec(name_or_spec)
  return bundled.sources(spec.name, split) if spec.kind == 'bundled' else None


def split_loader(name_or_spec, **kwargs):
  """callable(split, limit) -> `as_arrays(name_or_spec, split, limit, ...)`.

  What evaluations take to read held-out and training images (the trainer,
  the evaluate binary and the benchmarks alike).

  Args:
    name_or_spec: as `load`.
    **kwargs: passed to `load` (data_dir, raw_dir, ...).
  """
  return lambda split, limit=None: as_arrays(name_or_spec, split,
                                             limit=limit, **kwargs)


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
    tf.data.Dataset of {KEY: [B, *event shape] (, "labels": int32 [B])}, KEY
    the events' ("images": uint8 [B, H, W, C], see `load`).
  """
  if not keep_labels:
    dataset = dataset.map(lambda example: {
        key: value for key, value in example.items() if key != 'labels'})
  return (dataset.shuffle(shuffle_buffer, seed=seed)
          .repeat()
          .batch(global_batch_size, drop_remainder=True)
          .prefetch(tf.data.AUTOTUNE))
