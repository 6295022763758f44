"""A folder of image files as a dataset ('folder:PATH').

Every PNG, JPEG, BMP and GIF file under the folder, recursively (hidden files
and folders, whose names start with '.', are left out). If the images sit in
two or more immediate sub-folders (and none directly in the folder), the
sub-folders' sorted names are the class names, and an image's label is the
index of the sub-folder it is under, as
`keras.utils.image_dataset_from_directory` does. Otherwise the dataset has no
labels (a single sub-folder is not a set of classes).

`scan` decodes every file once with TensorFlow's own decoders (JPEGs at 1/8
scale, which still reads all their data) in a parallel tf.data pass, so
corrupt and truncated files are found up front, named in a warning and left
out; results are cached per (path, size, mtime) for the process. Loading also
drops any file that fails to decode (`ignore_errors`), e.g. one damaged after
`scan`, so a bad file never stops training.

The test split is the files whose relative path hashes below `test_fraction`
(`splits`): adding files never moves an old one between splits.
"""

import collections
import dataclasses
import os

from absl import logging
import numpy as np
import tensorflow as tf

from aiqn_tf.data import errors
from aiqn_tf.data import readers
from aiqn_tf.data import specs
from aiqn_tf.data import splits
from aiqn_tf.data import transforms

IMAGE_EXTENSIONS = ('.png', '.jpg', '.jpeg', '.bmp', '.gif')
_NAMES_SHOWN = 5

# {(absolute path, size, mtime_ns): (H, W, C) or None if undecodable}.
_PROBED = {}
# (root, skipped files) already warned about: once per process is enough.
_WARNED = set()


@dataclasses.dataclass(frozen=True)
class FolderScan:
  """The decodable image files of a folder.

  Attributes:
    root: absolute path of the folder.
    files: relative paths ('/'-separated) of the decodable images, sorted.
    shapes: (H, W, C) as stored, per file.
    labels: class index per file, or None.
    class_names: sorted class sub-folder names, or None.
    skipped: relative paths of image files TensorFlow cannot decode.
  """
  root: str
  files: tuple
  shapes: tuple
  labels: object
  class_names: object
  skipped: tuple


def _is_image(name):
  return name.lower().endswith(IMAGE_EXTENSIONS)


def walk(root):
  """Sorted relative paths of all non-hidden files under root, and symlinks."""
  found = []
  seen = set()
  for folder, subfolders, names in os.walk(root, followlinks=True):
    real = os.path.realpath(folder)
    if real in seen:  # A symlink loop.
      subfolders[:] = []
      continue
    seen.add(real)
    subfolders[:] = sorted(d for d in subfolders if not d.startswith('.'))
    relative = os.path.relpath(folder, root)
    for name in names:
      if not name.startswith('.'):
        path = name if relative == '.' else os.path.join(relative, name)
        found.append(path.replace(os.sep, '/'))
  return sorted(found)


def _probe(paths):
  """Decodes each file once; returns {path: (H, W, C) or None}."""
  paths = list(paths)
  result = {p: None for p in paths}
  if not paths:
    return result

  def shape_of(index, path):
    contents = tf.io.read_file(path)

    def jpeg_shape():
      # Decoding at 1/8 scale skips most of the work but not the checks.
      decoded = tf.io.decode_jpeg(contents, ratio=8)
      with tf.control_dependencies([decoded]):
        return tf.identity(tf.io.extract_jpeg_shape(contents))

    def other_shape():
      decoded = tf.io.decode_image(contents, expand_animations=False)
      return tf.shape(decoded, out_type=tf.int32)

    return index, tf.cond(tf.io.is_jpeg(contents), jpeg_shape, other_shape)

  dataset = (tf.data.Dataset.from_tensor_slices(
      (np.arange(len(paths)), paths))
             .map(shape_of, num_parallel_calls=tf.data.AUTOTUNE,
                  deterministic=False)
             .ignore_errors()
             .batch(256))
  for indices, shapes in dataset.as_numpy_iterator():
    for index, shape in zip(indices, shapes):
      result[paths[index]] = tuple(int(s) for s in shape)
  return result


def _probe_cached(root, files):
  """{relative path: (H, W, C) or None}, decoding only files not seen."""
  keys = {}
  for name in files:
    path = os.path.join(root, name)
    try:
      stat = os.stat(path)
      keys[name] = (path, stat.st_size, stat.st_mtime_ns)
    except OSError:
      keys[name] = (path, -1, -1)
  new = {key[0] for key in keys.values() if key not in _PROBED}
  probed = _probe(sorted(new))
  for key in keys.values():
    if key[0] in probed:
      _PROBED[key] = probed[key[0]]
  return {name: _PROBED[key] for name, key in keys.items()}


def class_labels(files):
  """The classes of a folder's files: (labels, class names) or (None, None).

  Files in two or more immediate sub-folders, and none directly in the
  folder, are labelled by sub-folder: the sorted names are the classes, a
  file's label the index of its sub-folder's.

  Args:
    files: relative '/'-separated paths, as `walk` gives them.
  """
  classes = [f.split('/', 1)[0] if '/' in f else None for f in files]
  if None in classes or len(set(classes)) < 2:
    return None, None
  class_names = tuple(sorted(set(classes)))
  index = {name: i for i, name in enumerate(class_names)}
  return tuple(index[c] for c in classes), class_names


def check_classes(spec, class_names):
  """Raises DatasetError unless a folder's classes are still its spec's."""
  if class_names != spec.class_names:
    raise errors.DatasetError(
        f'The class sub-folders of {spec.source!r} changed since the dataset '
        f'was resolved: were {spec.class_names}, are {class_names}. Resolve '
        'it again (a new run).')


def scan(root):
  """Lists and checks the images of a folder.

  Args:
    root: path of the folder.

  Returns:
    FolderScan.

  Raises:
    errors.DatasetError: if root does not exist or is not a folder, holds no
      image files, or none of them decodes.
  """
  root = os.path.abspath(os.path.expanduser(root))
  if not os.path.exists(root):
    raise errors.DatasetError(f'Image folder {root!r} does not exist.')
  if not os.path.isdir(root):
    raise errors.DatasetError(
        f'{root!r} is not a folder; for a .npz or .npy file of images use '
        f'array:{root}.')
  everything = walk(root)
  files = [f for f in everything if _is_image(f)]
  if not files:
    others = collections.Counter(
        os.path.splitext(f)[1].lower() or '(none)' for f in everything)
    found = (' It holds ' + ', '.join(f'{n} {ext}' for ext, n in
                                      others.most_common(5)) + ' file(s).'
             if others else ' It is empty.')
    raise errors.DatasetError(
        f'No image files under {root!r} (searched recursively for '
        f'{", ".join(IMAGE_EXTENSIONS)}).{found}')
  shapes = _probe_cached(root, files)
  skipped = tuple(f for f in files if shapes[f] is None)
  good = [f for f in files if shapes[f] is not None]
  if skipped and (root, skipped) not in _WARNED:
    _WARNED.add((root, skipped))
    logging.warning(
        'Skipping %d of %d image files under %s that TensorFlow cannot '
        'decode (corrupt or truncated): %s%s', len(skipped), len(files), root,
        ', '.join(skipped[:_NAMES_SHOWN]),
        ', ...' if len(skipped) > _NAMES_SHOWN else '')
  if not good:
    raise errors.DatasetError(
        f'None of the {len(files)} image files under {root!r} can be decoded '
        f'(corrupt or truncated?), e.g. {", ".join(skipped[:_NAMES_SHOWN])}.')
  labels, class_names = class_labels(good)
  return FolderScan(root=root, files=tuple(good),
                    shapes=tuple(shapes[f] for f in good), labels=labels,
                    class_names=class_names, skipped=skipped)


def resolve(name, root, image_size=0, channels=0, test_fraction=0.1,
            **options):
  """The DatasetSpec of a folder ('folder:PATH').

  Args:
    name: the dataset string, e.g. 'folder:~/pets'.
    root: the folder's path.
    image_size: square size to yield, or 0: the images' own size, allowed only
      when they all have one size (a non-square one is centre-cropped).
    channels: 1 or 3, or 0: as the first image (by sorted path), grey for
      grey or grey + alpha, else RGB.
    test_fraction: share of the files in the test split, in [0, 1).

  Returns:
    specs.DatasetSpec of kind 'folder'.

  Raises:
    errors.DatasetError: as `scan`, and for images of several sizes without
      image_size.
  """
  del options  # Other readers' options (readers.py).
  found = scan(root)
  size = image_size
  if not size:
    sizes = collections.Counter(shape[:2] for shape in found.shapes)
    if len(sizes) > 1:
      common = ', '.join(f'{h}x{w} ({n})' for (h, w), n in
                         sizes.most_common(3))
      raise errors.DatasetError(
          f'The images under {found.root!r} have {len(sizes)} different sizes '
          f'(height x width (files): {common}, ...): pass image_size=S (e.g. '
          f'--image_size) to centre-crop each to a square and resize it to '
          f'SxS.')
    size = min(found.shapes[0][:2])
  depth = channels or transforms.target_channels(found.shapes[0][2])
  return specs.DatasetSpec(
      name=name, image_shape=(size, size, depth),
      num_classes=len(found.class_names) if found.class_names else None,
      kind='folder', source=found.root,
      split_sizes=splits.sizes(found.files, test_fraction),
      class_names=found.class_names, image_size=image_size, channels=channels,
      test_fraction=test_fraction)


def load(spec, split, **options):
  """One split of a folder dataset, images as stored (fit to shape later).

  Args:
    spec: specs.DatasetSpec of kind 'folder' (from `resolve`).
    split: 'train' or 'test'.

  Returns:
    tf.data.Dataset of {"images": uint8 [H, W, C] as decoded (C 1..4)
    (, "labels": int32 [])}, in a fixed order (by hash).

  Raises:
    errors.DatasetError: if the folder is gone or empty now, or its class
      sub-folders are not those of `spec`.
  """
  del options  # Other readers' options (readers.py).
  found = scan(spec.source)
  check_classes(spec, found.class_names)
  chosen = splits.select(found.files, split, spec.test_fraction)
  paths = [os.path.join(found.root, found.files[i]) for i in chosen]
  columns = {'path': tf.constant(paths, tf.string, shape=[len(paths)])}
  if found.labels is not None:
    columns['labels'] = tf.constant(
        [found.labels[i] for i in chosen], tf.int32, shape=[len(paths)])

  def decode(example):
    contents = tf.io.read_file(example.pop('path'))
    example['images'] = tf.io.decode_image(contents, expand_animations=False)
    return example

  return (tf.data.Dataset.from_tensor_slices(columns)
          .map(decode, num_parallel_calls=tf.data.AUTOTUNE)
          .ignore_errors(log_warning=True))


readers.register(readers.Reader(
    'folder', 'folder:', resolve, load,
    'folder:PATH (image files; sub-folders are classes)'))
