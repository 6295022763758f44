"""DatasetSpec: what a resolved dataset yields and where it comes from."""

import dataclasses
from typing import Optional

from aiqn_tf.core import events

# Fields held as tuples; JSON gives them back as lists.
_TUPLE_FIELDS = ('image_shape', 'class_names', 'tfds_splits')


@dataclasses.dataclass(frozen=True)
class DatasetSpec:
  """A dataset, resolved: enough to load it again, and its shapes and sizes.

  `datasets.resolve` makes one from a dataset string; `to_dict` / `from_dict`
  carry it through a run's config.json.

  Attributes:
    name: the dataset string as given, e.g. 'cifar10', 'folder:~/pets',
      'tfds:mnist', 'array:faces.npz'.
    image_shape: the shape of one event yielded (the field keeps its first
      name, which config.json files hold): for images (H, W, C) after any
      channel conversion, centre crop and resize, H == W, C 1 or 3; for
      sequences (T, C); for vectors (D,).
    num_classes: number of classes of "labels" (values 0..num_classes-1), or
      None for a dataset without labels.
    kind: the registered data reader that reads it (readers.py): 'bundled'
      (ships with a Python package), 'tfds', 'folder' (image files), 'array'
      (a .npz / .npy file) or a plugin's.
    source: the absolute path of a folder or array file, or the tfds name
      (with config) for 'tfds'; None for 'bundled'.
    split_sizes: {'train': N, 'test': M} where known without reading the data
      (always for bundled, folder and array datasets; for tfds from the
      builder's info once prepared), else None.
    class_names: the label names in label order (folder: the sub-folder names;
      tfds: the ClassLabel's names), or None.
    image_size: the square size asked for (0: as stored).
    channels: the channels asked for (0: as stored; 1 or 3).
    test_fraction: share of a folder's or array's images in the test split, by
      a hash of each file's relative path (or each array index).
    image_key: the tfds image feature read.
    label_key: the tfds ClassLabel feature read, or None.
    test_split: the tfds split that serves as test.
    tfds_splits: (train, test) tfds split names, for 'tfds' datasets.
    space: the event space's kind (events.KINDS): 'images', 'sequences' or
      'vectors'; the batch key of the events.
    values: how the values are stored and discretised (events.VALUES).
    sample_rate: samples per second of sound (sequences), else 0.
    standardization: for a table read as vectors (csv_tables.py), its
      {"columns": names, "mean": [D], "std": [D]} of the training rows, by
      which the vectors were standardised; else None.
  """
  name: str
  image_shape: tuple
  num_classes: Optional[int] = None
  kind: str = 'bundled'
  source: Optional[str] = None
  # Excluded from the hash (a dict is not hashable); compared as usual.
  split_sizes: Optional[dict] = dataclasses.field(default=None, hash=False)
  class_names: Optional[tuple] = None
  image_size: int = 0
  channels: int = 0
  test_fraction: float = 0.1
  image_key: Optional[str] = None
  label_key: Optional[str] = None
  test_split: Optional[str] = None
  tfds_splits: Optional[tuple] = None
  space: str = 'images'
  values: str = 'uint8'
  sample_rate: int = 0
  standardization: Optional[dict] = dataclasses.field(default=None,
                                                      hash=False)

  @property
  def event_space(self):
    """The events' space (events.EventSpace)."""
    return events.EventSpace(self.space, self.image_shape, self.values,
                             self.sample_rate)

  @property
  def tfds_name(self):
    """The tfds name (with config) of a 'tfds' dataset, else None."""
    return self.source if self.kind == 'tfds' else None

  def to_dict(self):
    """A JSON-able dict of every field (tuples stay tuples; JSON lists them)."""
    d = dataclasses.asdict(self)
    if d['split_sizes'] is not None:
      d['split_sizes'] = dict(d['split_sizes'])
    return d

  @classmethod
  def from_dict(cls, d):
    """The DatasetSpec of `to_dict`'s output, also after a JSON round trip.

    Args:
      d: dict of field values; missing fields take their defaults.

    Returns:
      DatasetSpec.

    Raises:
      ValueError: on a key that is not a field.
    """
    fields = {f.name for f in dataclasses.fields(cls)}
    unknown = sorted(set(d) - fields)
    if unknown:
      raise ValueError(f'Unknown DatasetSpec field(s) {unknown}; known: '
                       f'{sorted(fields)}.')
    d = dict(d)
    for key in _TUPLE_FIELDS:
      if d.get(key) is not None:
        d[key] = tuple(d[key])
    if d.get('split_sizes') is not None:
      d['split_sizes'] = {str(k): int(v) for k, v in d['split_sizes'].items()}
    return cls(**d)
