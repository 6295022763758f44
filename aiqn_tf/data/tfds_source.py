"""Any tensorflow-datasets image dataset ('tfds:NAME[/CONFIG]').

`resolve` reads the builder's info: its image feature (the one tfds Image
feature; `image_key` picks one of several), its label (the one ClassLabel
feature, else the supervised label; `label_key` picks one) and its splits
('train', and 'test' or `test_split`). The paper's datasets (cifar10,
imagenet32, celeba in `datasets.SPECS`) load through here too.

A dataset not prepared in data_dir is prepared from raw files (`raw_dir`,
see `tfds_offline`) or downloaded (`download`), or else refused with
`errors.DatasetNotPreparedError` saying how to get it.
"""

import dataclasses
import difflib
import os

import numpy as np
import tensorflow as tf

from aiqn_tf.data import errors
from aiqn_tf.data import readers
from aiqn_tf.data import specs
from aiqn_tf.data import transforms

SPLITS = ('train', 'test')


def _tfds():
  import tensorflow_datasets as tfds  # pylint: disable=g-import-not-at-top
  return tfds


def make_builder(tfds_name, data_dir=None):
  """tfds.builder(tfds_name), prepared or not.

  Raises:
    errors.DatasetError: if no such dataset (naming the closest registered
      ones) or config exists.
  """
  tfds = _tfds()
  if not tfds_name:
    raise errors.DatasetError('Give a tfds dataset name: tfds:NAME[/CONFIG].')
  try:
    return tfds.builder(tfds_name, data_dir=data_dir)
  except tfds.core.DatasetNotFoundError:
    base = tfds_name.split('/')[0].split(':')[0]
    close = difflib.get_close_matches(
        base, tfds.list_builders(with_community_datasets=False), n=5)
    hint = (f'closest registered names: {", ".join(close)}' if close else
            'no registered name is close')
    raise errors.DatasetError(
        f'No tfds dataset named {base!r}; {hint} (tfds.list_builders() lists '
        'them all).') from None
  except ValueError as e:
    first_lines = ' '.join(str(e).splitlines()[:3])
    raise errors.DatasetError(
        f'Cannot make tfds dataset {tfds_name!r}: {first_lines}') from e


def not_prepared_error(name, builder):
  """The DatasetNotPreparedError for an unprepared builder, with advice."""
  tfds_name = builder.info.full_name.rsplit('/', 1)[0]
  root = os.path.dirname(os.path.dirname(os.fspath(builder.data_dir)))
  if '/' in tfds_name:  # name/config/version: one more level.
    root = os.path.dirname(root)
  return errors.DatasetNotPreparedError(
      f'Dataset {name!r} (tfds {tfds_name!r}) is not prepared in {root}. '
      'Either pass --download (needs network access), or --raw_dir pointing '
      'at its raw downloads, or prepare it on a machine with network access '
      f'(`tfds build {tfds_name} --data_dir=DIR`) and pass --data_dir=DIR.')


def prepare(name, tfds_name, builder, data_dir, download, raw_dir):
  """Returns `builder` prepared: as it is, from raw_dir, or downloaded.

  Raises:
    errors.DatasetNotPreparedError: if unprepared and neither download nor
      raw_dir is given.
  """
  if builder.is_prepared():
    return builder
  if raw_dir:
    from aiqn_tf.data import tfds_offline  # pylint: disable=g-import-not-at-top
    return tfds_offline.prepare(tfds_name,
                                data_dir or _tfds().core.constants.DATA_DIR,
                                raw_dir)
  if download:
    builder.download_and_prepare()
    return builder
  raise not_prepared_error(name, builder)


def _features_of(features, kind):
  """Sorted names of the top-level features of one kind (none if not a dict)."""
  if not isinstance(features, _tfds().features.FeaturesDict):
    return []
  return sorted(k for k, f in features.items() if isinstance(f, kind))


def _image_key(tfds_name, features, image_key):
  images = _features_of(features, _tfds().features.Image)
  if image_key is not None:
    if image_key not in images:
      raise errors.DatasetError(
          f'tfds {tfds_name!r} has no image feature {image_key!r}; its image '
          f'features: {images or "none"}.')
    return image_key
  if not images:
    names = (sorted(features.keys()) if hasattr(features, 'keys') else
             type(features).__name__)
    raise errors.DatasetError(
        f'tfds {tfds_name!r} has no image feature (its features: {names}); '
        'only image datasets can be used.')
  if len(images) > 1:
    raise errors.DatasetError(
        f'tfds {tfds_name!r} has {len(images)} image features, '
        f'{", ".join(images)}: pass image_key (e.g. --image_key={images[0]}) '
        'to say which to model.')
  return images[0]


def _label_key(tfds_name, info, label_key):
  labels = _features_of(info.features, _tfds().features.ClassLabel)
  if label_key is not None:
    if label_key not in labels:
      raise errors.DatasetError(
          f'tfds {tfds_name!r} has no ClassLabel feature {label_key!r}; its '
          f'ClassLabel features: {labels or "none"}.')
    return label_key
  if len(labels) <= 1:
    return labels[0] if labels else None
  supervised = info.supervised_keys
  if supervised and isinstance(supervised[-1], str) and (
      supervised[-1] in labels):
    return supervised[-1]
  if 'label' in labels:
    return 'label'
  raise errors.DatasetError(
      f'tfds {tfds_name!r} has {len(labels)} ClassLabel features, '
      f'{", ".join(labels)}: pass label_key to say which are the classes.')


def _test_split(tfds_name, info, test_split):
  names = sorted(info.splits.keys())
  if 'train' not in names:
    raise errors.DatasetError(
        f'tfds {tfds_name!r} has no "train" split (its splits: '
        f'{", ".join(names)}).')
  if test_split is not None:
    if test_split not in names or test_split == 'train':
      raise errors.DatasetError(
          f'test_split {test_split!r} is not a split of tfds {tfds_name!r} '
          f'other than train; its splits: {", ".join(names)}.')
    return test_split
  if 'test' in names:
    return 'test'
  others = [n for n in names if n != 'train']
  suggestion = ('validation' if 'validation' in others else
                others[0] if others else None)
  advice = (f'pass test_split (e.g. --test_split={suggestion})' if suggestion
            else 'it cannot be used as it is')
  raise errors.DatasetError(
      f'tfds {tfds_name!r} has no "test" split (its splits: '
      f'{", ".join(names)}): {advice}.')


def resolve(name, tfds_name, *, image_size=0, channels=0, image_key=None,
            label_key=None, test_split=None, data_dir=None, download=False,
            raw_dir=None, **options):
  """The DatasetSpec of a tfds dataset ('tfds:NAME[/CONFIG]').

  The features are checked before preparing, so a wrong image_key fails
  without data; the splits are read from the prepared builder.

  Args:
    name: the dataset string, e.g. 'tfds:cifar10'.
    tfds_name: the tfds name, with optional /config and :version.
    image_size: square size to yield, or 0: the feature's own, when fixed (a
      non-square one is centre-cropped to its shorter side).
    channels: 1 or 3, or 0: as the feature (grey or grey + alpha -> 1, else
      3).
    image_key: the Image feature to read; needed when there are several.
    label_key: the ClassLabel feature giving the labels; needed when there
      are several and none is the supervised label or named 'label'.
    test_split: the split serving as test; needed when there is no 'test'.
    data_dir: tfds data directory (tfds' default when None).
    download: download and prepare an unprepared dataset (needs network).
    raw_dir: prepare an unprepared dataset from raw files there.

  Returns:
    specs.DatasetSpec of kind 'tfds'.

  Raises:
    errors.DatasetError: for an unknown name or config, several image
      features without image_key, no test split without test_split, non-uint8
      images, or images of varying size without image_size.
    errors.DatasetNotPreparedError: as `prepare`.
  """
  del options  # Other readers' options (readers.py).
  builder = make_builder(tfds_name, data_dir)
  info = builder.info
  image_key = _image_key(tfds_name, info.features, image_key)
  label_key = _label_key(tfds_name, info, label_key)
  feature = info.features[image_key]
  if np.dtype(feature.np_dtype) != np.uint8:
    raise errors.DatasetError(
        f'tfds {tfds_name!r} image feature {image_key!r} is '
        f'{np.dtype(feature.np_dtype)}; only uint8 images are supported.')
  height, width, stored_channels = feature.shape
  depth, size = channels, image_size
  if not depth:
    if stored_channels is None:
      raise errors.DatasetError(
          f'tfds {tfds_name!r} images have a varying number of channels: pass '
          'channels=1 or 3.')
    depth = transforms.target_channels(stored_channels)
  if not size:
    if height is None or width is None:
      raise errors.DatasetError(
          f'tfds {tfds_name!r} images vary in size (feature shape '
          f'{feature.shape}): pass image_size=S (e.g. --image_size) to '
          'centre-crop each to a square and resize it to SxS.')
    size = min(height, width)
  builder = prepare(name, tfds_name, builder, data_dir, download, raw_dir)
  test_split = _test_split(tfds_name, builder.info, test_split)
  class_names = (tuple(info.features[label_key].names) if label_key else None)
  return specs.DatasetSpec(
      name=name, image_shape=(size, size, depth),
      num_classes=len(class_names) if class_names else None, kind='tfds',
      source=tfds_name,
      split_sizes=_split_sizes(builder, ('train', test_split)),
      class_names=class_names, image_size=image_size, channels=channels,
      image_key=image_key, label_key=label_key, test_split=test_split,
      tfds_splits=('train', test_split))


def _split_sizes(builder, tfds_splits):
  return {ours: builder.info.splits[theirs].num_examples
          for ours, theirs in zip(SPLITS, tfds_splits)}


def complete(spec, data_dir=None, download=False, raw_dir=None):
  """A named tfds spec (datasets.SPECS) with split sizes and class names.

  Prepares the dataset as `prepare` does.
  """
  builder = prepare(spec.name, spec.source,
                    make_builder(spec.source, data_dir), data_dir, download,
                    raw_dir)
  class_names = spec.class_names
  if spec.label_key:
    class_names = tuple(builder.info.features[spec.label_key].names)
  return dataclasses.replace(
      spec, split_sizes=_split_sizes(builder, spec.tfds_splits),
      class_names=class_names)


def load(spec, split, data_dir=None, download=False, raw_dir=None,
         shuffle_seed=None, **options):
  """One split of a tfds dataset, images as stored (fit to shape later).

  Args:
    spec: specs.DatasetSpec of kind 'tfds'.
    split: 'train' or 'test'.
    data_dir, download, raw_dir: as `resolve`.
    shuffle_seed: if set, shuffle tfds' files in this reproducible order.

  Returns:
    tf.data.Dataset of {"images": uint8 [H, W, C] (, "labels": int32 [])};
    CelebA ('celeba') already cropped as LynnHo/VAE-Tensorflow.
  """
  del options  # Other readers' options (readers.py).
  tfds = _tfds()
  builder = prepare(spec.name, spec.source,
                    make_builder(spec.source, data_dir), data_dir, download,
                    raw_dir)
  features = builder.info.features
  skip = {k: tfds.decode.SkipDecoding()
          for k in _features_of(features, tfds.features.Image)
          if k != spec.image_key}
  dataset = builder.as_dataset(
      split=spec.tfds_splits[SPLITS.index(split)],
      shuffle_files=shuffle_seed is not None,
      read_config=tfds.ReadConfig(shuffle_seed=shuffle_seed),
      decoders=skip or None)
  crop = spec.kind == 'tfds' and spec.name == 'celeba'
  image_key, label_key = spec.image_key, spec.label_key
  if spec.num_classes is None:
    label_key = None

  def convert(example):
    images = example[image_key]
    out = {'images': transforms.celeba_crop(images) if crop else images}
    if label_key:
      out['labels'] = tf.cast(example[label_key], tf.int32)
    return out

  return dataset.map(convert, num_parallel_calls=tf.data.AUTOTUNE)


readers.register(readers.Reader(
    'tfds', 'tfds:', resolve, load, 'tfds:NAME[/CONFIG] (a tensorflow-datasets dataset)'))
