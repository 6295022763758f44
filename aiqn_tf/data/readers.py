"""Data readers: how a dataset string's source is resolved and read.

A reader is registered under its kind (`DatasetSpec.kind`) with the prefix
that names it in a dataset string: 'folder:' (folders.py), 'array:'
(arrays.py), 'tfds:' (tfds_source.py), 'wav:' (wav_folders.py), 'csv:'
(csv_tables.py); the bundled sets (bundled.py) are named without one. `datasets.resolve` and
`datasets.load` reach every source through this registry only. A module
outside the package adds a reader the same way, and the binaries import it
from `--model_module` (a run's config.json remembers it):

  def resolve(name, rest, test_fraction=0.1, **options):
    ...  # Check what `rest` names, cheaply; raise errors.DatasetError.
    return specs.DatasetSpec(name, event_shape, kind='mine', source=rest,
                             split_sizes=..., space=..., values=...)

  def load(spec, split, **options):
    return tf.data.Dataset...  # {spec.space: one event, "labels": int32}

  readers.register(readers.Reader('mine', 'mine:', resolve, load,
                                  'mine:PATH (what it reads)'))

Options a reader is given, to take what it uses (and **options the rest):
resolve: image_size, channels, test_fraction, image_key, label_key,
test_split, data_dir, download, raw_dir, sample_rate, clip_length; load:
data_dir, download, raw_dir, shuffle_seed.
"""

import dataclasses
from typing import Callable, Optional

from aiqn_tf.core import registry


@dataclasses.dataclass(frozen=True)
class Reader:
  """A registered source of data.

  Attributes:
    kind: its `DatasetSpec.kind`, the registered name.
    prefix: what starts its dataset strings ('folder:'), or None for a
      reader of named sets only.
    resolve: callable(name, rest, **options) -> DatasetSpec (rest: the
      string after the prefix), or None without a prefix.
    load: callable(spec, split, **options) -> tf.data.Dataset of single
      examples, the events under the spec's space key.
    help: how a user names it, for messages ('folder:PATH (image files)').
  """
  kind: str
  prefix: Optional[str]
  resolve: Optional[Callable]
  load: Callable
  help: str = ''


def _check(reader):
  if not isinstance(reader, Reader):
    raise TypeError(f'A data reader must be a readers.Reader, got {reader!r}.')
  if reader.prefix is not None and (not reader.prefix.endswith(':') or
                                    reader.resolve is None):
    raise TypeError(f'Reader {reader.kind!r}: a prefix ends in ":" and comes '
                    'with a resolve function.')


REGISTRY = registry.Registry(
    'data reader', ('aiqn_tf.data.bundled', 'aiqn_tf.data.folders',
                    'aiqn_tf.data.tfds_source', 'aiqn_tf.data.arrays',
                    'aiqn_tf.data.wav_folders', 'aiqn_tf.data.csv_tables'),
    check=_check)


def register(reader):
  """Registers `reader` under its kind; returns it."""
  return REGISTRY.register(reader.kind)(reader)


def for_name(name):
  """The reader whose prefix starts `name`, or None."""
  for kind in REGISTRY.names():
    reader = REGISTRY.get(kind)
    if reader.prefix and name.startswith(reader.prefix):
      return reader
  return None


def prefixed_help():
  """How each prefixed reader is named, e.g. 'folder:PATH (image files)'."""
  readers = [REGISTRY.get(kind) for kind in REGISTRY.names()]
  return ', '.join(r.help for r in readers if r.prefix)
