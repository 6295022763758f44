"""A numpy file as a dataset ('array:FILE.npz' or 'array:FILE.npy').

A .npz holds one array of events, named by its event space
(core/events.py), and optionally `labels`, integers [N] in 0..K-1 (K
classes = the largest label + 1):

- `images`: uint8 [N, H, W] (grey) or [N, H, W, C] with C 1 (grey), 3 (RGB)
  or 4 (RGBA, alpha dropped);
- `sequences`: [N, T] or [N, T, C] (C channels per time step);
- `vectors`: [N, D].

Sequences and vectors of float dtype are continuous values (kept as they
are, NaN and Inf refused), of int16 16-bit PCM, of uint8 8-bit levels. A .npy
holds images alone. Write one with `np.savez(path, images=images,
labels=labels)` (or `sequences=...`, `vectors=...`).

Row i is in the test split when the hash of str(i) is below `test_fraction`
(`splits`), so appending rows never moves an old one between splits. Loading
reads the whole file into memory (tf.data's from_tensor_slices: up to about
2 GB of images).
"""

import os
import zipfile

import numpy as np
import tensorflow as tf

from aiqn_tf.data import errors
from aiqn_tf.data import readers
from aiqn_tf.data import specs
from aiqn_tf.data import splits
from aiqn_tf.data import transforms

EXTENSIONS = ('.npz', '.npy')
EVENT_KEYS = ('images', 'sequences', 'vectors')
_VALUES = {np.dtype(np.uint8): 'uint8', np.dtype(np.int16): 'int16'}


def _npy_header(f):
  """(shape, dtype) of the .npy stream f, reading its header only."""
  version = np.lib.format.read_magic(f)
  read = (np.lib.format.read_array_header_1_0 if version == (1, 0) else
          np.lib.format.read_array_header_2_0)
  shape, _, dtype = read(f)
  return shape, dtype


def _check_path(path):
  path = os.path.abspath(os.path.expanduser(path))
  if not os.path.exists(path):
    raise errors.DatasetError(f'Array file {path!r} does not exist.')
  if os.path.isdir(path):
    raise errors.DatasetError(
        f'{path!r} is a folder; for a folder of image files use '
        f'folder:{path}.')
  if not path.lower().endswith(EXTENSIONS):
    raise errors.DatasetError(
        f'Array file {path!r} must end in .npz (one of the keys '
        '"images", "sequences", "vectors", and optional "labels") or .npy '
        '(images only).')
  return path


def _headers(path):
  """{key: (shape, dtype)} of the arrays in a .npz or .npy, headers only."""
  try:
    if path.lower().endswith('.npy'):
      with open(path, 'rb') as f:
        return {'images': _npy_header(f)}
    with zipfile.ZipFile(path) as archive:
      headers = {}
      for member in archive.namelist():
        if member.endswith('.npy'):
          with archive.open(member) as f:
            headers[member[:-len('.npy')]] = _npy_header(f)
      return headers
  except (OSError, ValueError, zipfile.BadZipFile) as e:
    raise errors.DatasetError(
        f'Cannot read {path!r} as a numpy {os.path.splitext(path)[1]} file: '
        f'{e}') from e


def _read_labels(path):
  with np.load(path, allow_pickle=False) as data:
    return data['labels']


def resolve(name, path, image_size=0, channels=0, test_fraction=0.1,
            **options):
  """The DatasetSpec of an array file ('array:FILE').

  Reads the images' header only (and the labels, if any).

  Args:
    name: the dataset string, e.g. 'array:faces.npz'.
    path: the file's path.
    image_size: square size to yield, or 0: the images' own (a non-square
      size is centre-cropped to its shorter side).
    channels: 1 or 3, or 0: grey for [N, H, W] and C 1, else RGB.
    test_fraction: share of the rows in the test split, in [0, 1).

  Returns:
    specs.DatasetSpec of kind 'array'.

  Raises:
    errors.DatasetError: on a missing file, a wrong extension, not exactly
      one array of events, images that are not uint8 or not of rank 3 or 4,
      sequences or vectors of another rank or dtype, image options for
      them, or bad labels.
  """
  del options  # Other readers' options (readers.py).
  path = _check_path(path)
  headers = _headers(path)
  found = [key for key in EVENT_KEYS if key in headers]
  if len(found) != 1:
    raise errors.DatasetError(
        f'{path!r} must hold exactly one of the arrays "images", '
        f'"sequences", "vectors" (it has {sorted(headers)}); save with '
        'np.savez(path, images=images, labels=labels).')
  key = found[0]
  shape, dtype = headers[key]
  if shape[0] == 0:
    raise errors.DatasetError(f'{path!r} holds no {key} (shape {shape}).')
  num_classes = _num_classes(path, headers, shape)
  keys = [str(i) for i in range(shape[0])]
  sizes = splits.sizes(keys, test_fraction)
  if key != 'images':
    if image_size or channels:
      raise errors.DatasetError(
          f'image_size and channels convert images; {path!r} holds {key}: '
          'leave them 0.')
    return specs.DatasetSpec(
        name=name, image_shape=_event_shape(path, key, shape),
        num_classes=num_classes, kind='array', source=path,
        split_sizes=sizes, test_fraction=test_fraction, space=key,
        values=_values(path, key, dtype))
  if dtype != np.uint8:
    raise errors.DatasetError(
        f'The images in {path!r} are {dtype}; they must be uint8, 0-255. '
        'For floats in [0, 1] save np.round(images * 255).astype(np.uint8).')
  if len(shape) not in (3, 4) or (len(shape) == 4 and shape[3] not in
                                   (1, 2, 3, 4)):
    raise errors.DatasetError(
        f'The images in {path!r} have shape {shape}; expected [N, H, W] or '
        '[N, H, W, C] with C 1, 3 or 4.')
  size = image_size or min(shape[1:3])
  depth = channels or transforms.target_channels(
      shape[3] if len(shape) == 4 else 1)
  return specs.DatasetSpec(
      name=name, image_shape=(size, size, depth),
      num_classes=num_classes, kind='array', source=path,
      split_sizes=sizes, image_size=image_size,
      channels=channels, test_fraction=test_fraction)


def _num_classes(path, headers, shape):
  """K of the labels (checked), or None without labels."""
  if 'labels' not in headers:
    return None
  labels_shape, labels_dtype = headers['labels']
  if labels_shape != shape[:1] or not np.issubdtype(labels_dtype, np.integer):
    raise errors.DatasetError(
        f'The labels in {path!r} are {labels_dtype} {labels_shape}; they '
        f'must be integers of shape ({shape[0]},), one per example.')
  labels = _read_labels(path)
  if labels.min() < 0:
    raise errors.DatasetError(
        f'The labels in {path!r} must be >= 0 (0..K-1 for K classes); '
        f'found {labels.min()}.')
  return int(labels.max()) + 1


def _event_shape(path, key, shape):
  """The event shape of sequences [N, T(, C)] or vectors [N, D]."""
  ranks = {'sequences': (2, 3), 'vectors': (2,)}[key]
  if len(shape) not in ranks or min(shape[1:]) < 1:
    expected = {'sequences': '[N, T] or [N, T, C]', 'vectors': '[N, D]'}[key]
    raise errors.DatasetError(
        f'The {key} in {path!r} have shape {shape}; expected {expected}.')
  return tuple(shape[1:]) + ((1,) if len(shape) == 2 and key == 'sequences'
                              else ())


def _values(path, key, dtype):
  """The events' coding (events.VALUES) from the array's dtype."""
  if np.issubdtype(dtype, np.floating):
    return 'float'
  if np.dtype(dtype) in _VALUES:
    return _VALUES[np.dtype(dtype)]
  raise errors.DatasetError(
      f'The {key} in {path!r} are {dtype}; use float (continuous values), '
      'int16 (16-bit PCM) or uint8 (8-bit levels).')


def load(spec, split, **options):
  """One split of an array dataset, images as stored (fit to shape later).

  Args:
    spec: specs.DatasetSpec of kind 'array' (from `resolve`).
    split: 'train' or 'test'.

  Returns:
    tf.data.Dataset of {KEY: [*event shape] (, "labels": int32 [])}, KEY
    the spec's space ("images": uint8 [H, W, C]; "sequences" [T, C] and
    "vectors" [D] in the stored dtype, float as float32), in a fixed order
    (by hash).

  Raises:
    errors.DatasetError: on float events that are NaN or infinite.
  """
  del options  # Other readers' options (readers.py).
  path = _check_path(spec.source)
  key = spec.space
  labels = None
  if path.lower().endswith('.npy'):
    events = np.load(path, allow_pickle=False)
  else:
    with np.load(path, allow_pickle=False) as data:
      events = data[key]
      if spec.num_classes is not None:
        labels = data['labels']
  if events.ndim == len(spec.image_shape):  # Grey images, 1-channel series.
    events = events[..., None]
  if spec.values == 'float':
    events = events.astype(np.float32)
    bad = ~np.isfinite(events.reshape(len(events), -1)).all(axis=1)
    if bad.any():
      raise errors.DatasetError(
          f'{path!r}: {key} {np.flatnonzero(bad)[:5].tolist()} hold NaN or '
          'infinite values; drop or fill them.')
  chosen = splits.select([str(i) for i in range(len(events))], split,
                         spec.test_fraction)
  columns = {key: events[chosen]}
  if labels is not None:
    columns['labels'] = labels[chosen].astype(np.int32)
  return tf.data.Dataset.from_tensor_slices(columns)


readers.register(readers.Reader(
    'array', 'array:', resolve, load,
    'array:FILE.npz|.npy (numpy arrays of images, sequences or vectors)'))
