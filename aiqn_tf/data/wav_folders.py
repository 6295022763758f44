"""A folder of WAV files as a dataset of sound ('wav:PATH').

Every .wav file under the folder, recursively (hidden ones left out); class
sub-folders give labels as for image folders (`folders.class_labels`).
Each file, 16-bit PCM, is down-mixed to mono (the channels' mean),
resampled to the run's rate (scipy's polyphase filter) and cut into clips
of `clip_length` samples: consecutive, the last one padded with silence
when at least half of it is sound and dropped otherwise, so a file shorter
than a clip is one clip. With clip_length 0 each file is one clip, and the
files must have one length.

The test split is the files whose relative path hashes below
`test_fraction` (`splits`): every clip of a file is in its split, so a
recording heard in training is never a test clip.

`resolve` reads the WAV headers only; `load` decodes and resamples every
file of a split once per process (numpy), as sequences {"sequences": int16
[clip_length, 1] (, "labels": int32 [])}, the spec's sample rate the run's.
"""

import functools
import math
import os
import wave

import numpy as np
import tensorflow as tf

from aiqn_tf.core import audio
from aiqn_tf.data import errors
from aiqn_tf.data import folders
from aiqn_tf.data import readers
from aiqn_tf.data import specs
from aiqn_tf.data import splits


def _headers(root, files):
  """{file: (rate, frames)} of 16-bit PCM WAV files; DatasetError naming
  the first file that is not one."""
  found = {}
  for name in files:
    path = os.path.join(root, name)
    try:
      with wave.open(path) as reader:
        width = reader.getsampwidth()
        found[name] = (reader.getframerate(), reader.getnframes())
    except (wave.Error, EOFError, OSError) as e:
      raise errors.DatasetError(f'{path}: not a PCM WAV file ({e}); remove '
                                'it or convert it to 16-bit PCM.') from e
    if width != 2:
      raise errors.DatasetError(
          f'{path}: {8 * width}-bit samples; only 16-bit PCM is read '
          '(convert it, e.g. sox IN -b 16 OUT.wav).')
  return found


def _clips(frames, clip_length):
  """Clips a file of `frames` samples gives (`clip_length` 0: one)."""
  if not clip_length:
    return 1
  whole, rest = divmod(frames, clip_length)
  return max(1, whole + (rest * 2 >= clip_length))


def _resampled_frames(frames, rate, target):
  up, down = _ratio(rate, target)
  return math.ceil(frames * up / down)


def _ratio(rate, target):
  divisor = math.gcd(rate, target)
  return target // divisor, rate // divisor


def _scan(root):
  root = os.path.abspath(os.path.expanduser(root))
  if not os.path.isdir(root):
    raise errors.DatasetError(
        f'WAV folder {root!r} does not exist' if not os.path.exists(root)
        else f'{root!r} is not a folder; wav: reads a folder of .wav files.')
  files = [f for f in folders.walk(root) if f.lower().endswith('.wav')]
  if not files:
    raise errors.DatasetError(f'No .wav files under {root!r} (searched '
                              'recursively).')
  return root, files


def resolve(name, root, sample_rate=0, clip_length=0, test_fraction=0.1,
            **options):
  """The DatasetSpec of a folder of WAV files ('wav:PATH').

  Args:
    name: the dataset string, e.g. 'wav:~/recordings'.
    root: the folder's path.
    sample_rate: the rate to resample to, or 0: the files' own, allowed
      only when they share one.
    clip_length: samples per clip at that rate, or 0: each file one clip,
      allowed only when the files (resampled) have one length.
    test_fraction: share of the files in the test split, in [0, 1).

  Returns:
    specs.DatasetSpec of kind 'wav': sequences [clip_length, 1] of int16
    values at sample_rate.

  Raises:
    errors.DatasetError: for a missing folder, no .wav files, a file that
      is not 16-bit PCM, several rates without sample_rate, several lengths
      without clip_length, or an image option.
  """
  if options.get('image_size') or options.get('channels'):
    raise errors.DatasetError(f'{name!r} is sound; image_size and channels '
                              'apply to images only: leave them 0.')
  if sample_rate < 0 or clip_length < 0:
    raise errors.DatasetError(f'sample_rate and clip_length are >= 0, got '
                              f'{sample_rate} and {clip_length}.')
  root, files = _scan(root)
  headers = _headers(root, files)
  rates = sorted({rate for rate, _ in headers.values()})
  if not sample_rate and len(rates) > 1:
    raise errors.DatasetError(
        f'The WAV files under {root!r} have {len(rates)} sample rates '
        f'({", ".join(map(str, rates[:5]))} Hz): pass sample_rate (e.g. '
        f'--sample_rate={rates[0]}) to resample them to one.')
  rate = sample_rate or rates[0]
  lengths = {f: _resampled_frames(frames, r, rate)
             for f, (r, frames) in headers.items()}
  if not clip_length:
    if len(set(lengths.values())) > 1:
      raise errors.DatasetError(
          f'The WAV files under {root!r} have several lengths (from '
          f'{min(lengths.values())} to {max(lengths.values())} samples at '
          f'{rate} Hz): pass clip_length (e.g. --clip_length={rate // 2}, '
          'half a second) to cut them into clips of one length.')
    clip_length = next(iter(lengths.values()))
  labels, class_names = folders.class_labels(files)
  sizes = {split: sum(_clips(lengths[files[i]], clip_length)
                      for i in splits.select(files, split, test_fraction))
           for split in ('train', 'test')}
  return specs.DatasetSpec(
      name=name, image_shape=(clip_length, 1),
      num_classes=len(class_names) if labels else None, kind='wav',
      source=root, split_sizes=sizes, class_names=class_names,
      test_fraction=test_fraction, space='sequences', values='int16',
      sample_rate=rate)


def load(spec, split, **options):
  """One split of a WAV folder.

  Args:
    spec: specs.DatasetSpec of kind 'wav' (from `resolve`).
    split: 'train' or 'test'.

  Returns:
    tf.data.Dataset of {"sequences": int16 [clip_length, 1] (, "labels":
    int32 [])}, files in a fixed order (by hash), a file's clips in time
    order.

  Raises:
    errors.DatasetError: if the folder's class sub-folders changed since
      `resolve`.
  """
  del options  # Other readers' options (readers.py).
  root, files = _scan(spec.source)
  labels, class_names = folders.class_labels(files)
  folders.check_classes(spec, class_names)
  clips, clip_labels = [], []
  for i in splits.select(files, split, spec.test_fraction):
    path = os.path.join(root, files[i])
    stat = os.stat(path)
    cut = _file_clips(path, stat.st_size, stat.st_mtime_ns, spec.sample_rate,
                      spec.image_shape[0])
    clips.append(cut)
    if labels:
      clip_labels += [labels[i]] * len(cut)
  columns = {'sequences': np.concatenate(clips)[..., None] if clips else
             np.zeros((0,) + tuple(spec.image_shape), np.int16)}
  if labels:
    columns['labels'] = np.asarray(clip_labels, np.int32)
  return tf.data.Dataset.from_tensor_slices(columns)


@functools.lru_cache(maxsize=4096)
def _file_clips(path, size, mtime, rate, clip_length):
  """int16 [n, clip_length]: a file, mono, resampled and cut (cached per
  file version)."""
  del size, mtime  # The cache's key: a changed file is read again.
  samples, stored_rate = audio.read_wav(path)
  mono = samples.astype(np.float64).mean(axis=1)
  if stored_rate != rate:
    import scipy.signal  # pylint: disable=g-import-not-at-top
    mono = scipy.signal.resample_poly(mono, *_ratio(stored_rate, rate))
  count = _clips(len(mono), clip_length)
  padded = np.zeros(count * clip_length)
  kept = min(len(mono), len(padded))
  padded[:kept] = mono[:kept]
  return audio.to_int16(padded.reshape(count, clip_length) / 32768.0)


readers.register(readers.Reader(
    'wav', 'wav:', resolve, load,
    'wav:PATH (16-bit WAV files; sub-folders are classes)'))
