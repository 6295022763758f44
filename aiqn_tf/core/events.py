"""Event spaces: what one example of the data is, and how its values are coded.

A model, its heads, the sampler core and the trainer see every event in one
float scale (`to_float`); the data stores it in its own coding (`from_float`
goes back). The space's kind says what the event's shape means and which
parts apply (image metrics, grids and row inpainting need images); the
values say how the model scale is discretised, which is a property of the
data, not of the shape:

  kind       shape        batch key
  images     (H, W, C)    "images"     C in {1, 3} (RGB order for masks)
  sequences  (T, C)       "sequences"  T time steps, C channels
  vectors    (D,)         "vectors"

  values   stored as             model scale                 levels
  uint8    uint8 0..255          u / 127.5 - 1 in [-1, 1]     256
  mu_law   uint8 mu-law codes    as uint8 (the codes, linear)  256
  int16    int16 (16-bit PCM)    s / 32768 in [-1, 1)         65536
  float    float32               the values themselves        continuous

Mu-law (`mu_law_encode`, `mu_law_decode`: ITU-T G.711's companding with
mu = 255, as WaveNet quantises audio) codes a waveform in [-1, 1] as 256
levels that are finer near 0; a model of mu_law values models the codes.
"""

import dataclasses

import numpy as np
import tensorflow as tf

from aiqn_tf.core import images as image_lib

KINDS = ('images', 'sequences', 'vectors')
VALUES = ('uint8', 'mu_law', 'int16', 'float')
RANKS = {'images': 3, 'sequences': 2, 'vectors': 1}
MU = 255.0

_STORED = {'uint8': np.uint8, 'mu_law': np.uint8, 'int16': np.int16,
           'float': np.float32}
_LEVELS = {'uint8': 256, 'mu_law': 256, 'int16': 65536, 'float': None}


def mu_law_encode(x):
  """Waveform in [-1, 1] -> uint8 mu-law codes 0..255 (mu = 255)."""
  x = tf.clip_by_value(tf.cast(x, tf.float32), -1.0, 1.0)
  companded = tf.sign(x) * tf.math.log1p(MU * tf.abs(x)) / np.log1p(MU)
  return tf.cast(tf.round((companded + 1.0) * 127.5), tf.uint8)


def pcm_to_mu_law(pcm):
  """int16 samples (16-bit PCM) -> uint8 mu-law codes: `mu_law_encode` of
  the int16 coding's float, s / 32768."""
  return mu_law_encode(tf.cast(pcm, tf.float32) / 32768.0)


def mu_law_decode(codes):
  """uint8 mu-law codes -> waveform float32 in [-1, 1] (`mu_law_encode`'s
  inverse up to its quantisation)."""
  companded = image_lib.to_float(codes)
  return tf.sign(companded) * ((1.0 + MU) ** tf.abs(companded) - 1.0) / MU


@dataclasses.dataclass(frozen=True)
class EventSpace:
  """The space of one event: kind, shape and the coding of its values.

  Attributes:
    kind: one of KINDS.
    shape: the event's shape (see the module docstring), positive ints.
    values: one of VALUES.
    rate: for sequences that are sound, samples per second (WAV files and
      audio summaries are written at it); 0 for every other event.
  """
  kind: str = 'images'
  shape: tuple = (1, 1, 1)
  values: str = 'uint8'
  rate: int = 0

  def __post_init__(self):
    if self.kind not in KINDS:
      raise ValueError(f'An event space is one of {", ".join(KINDS)}, got '
                       f'{self.kind!r}.')
    if self.values not in VALUES:
      raise ValueError(f'values must be one of {", ".join(VALUES)}, got '
                       f'{self.values!r}.')
    shape = tuple(int(d) for d in self.shape)
    object.__setattr__(self, 'shape', shape)
    rank = RANKS[self.kind]
    if len(shape) != rank or min(shape) < 1:
      raise ValueError(f'{self.kind} events have shape '
                       f'{_SHAPE_NAMES[self.kind]}, got {shape}.')
    if self.kind == 'images' and shape[-1] not in (1, 3):
      raise ValueError(f'Images have 1 (grey) or 3 (RGB) channels, got '
                       f'shape {shape}.')
    if self.rate and (self.kind != 'sequences' or self.rate < 0):
      raise ValueError(f'A sample rate is for sequences and positive; got '
                       f'{self.rate} for {self.kind}.')

  @classmethod
  def images(cls, shape):
    """The 8-bit images of shape (H, W, C): every run before event spaces."""
    return cls('images', shape, 'uint8')

  @classmethod
  def of(cls, space, shape):
    """An EventSpace from an EventSpace, its `to_dict()` (a .keras file's),
    or None: 8-bit images of `shape`."""
    if space is None:
      return cls.images(shape)
    return cls.from_dict(space) if isinstance(space, dict) else space

  @property
  def is_8bit_images(self):
    """Whether these are 8-bit images: the space of every run before event
    spaces, which models and files take without naming it."""
    return self.kind == 'images' and self.values == 'uint8'

  @property
  def key(self):
    """The batch's key of the events ("images", "sequences", "vectors")."""
    return self.kind

  @property
  def dtype(self):
    """The numpy dtype the data stores the values in."""
    return np.dtype(_STORED[self.values])

  @property
  def num_levels(self):
    """Distinct values (256, 65536), or None for continuous ones."""
    return _LEVELS[self.values]

  @property
  def bounded(self):
    """Whether the model scale is [-1, 1] (every discretised coding)."""
    return self.values != 'float'

  @property
  def is_audio(self):
    """Whether the events are sound (sequences with a sample rate)."""
    return bool(self.rate)

  def describe(self):
    """e.g. 'sequences [400, 1] of float values', '... at 8000 Hz'."""
    rate = f' at {self.rate} Hz' if self.rate else ''
    return (f'{self.kind} [{", ".join(map(str, self.shape))}] of '
            f'{self.values} values{rate}')

  def to_float(self, x):
    """Stored values -> float32 in the model scale (module docstring)."""
    if self.values == 'int16':
      return tf.cast(x, tf.float32) / 32768.0
    if self.values == 'float':
      return tf.cast(x, tf.float32)
    return image_lib.to_float(x)

  @property
  def level_step(self):
    """The model-scale distance between neighbouring levels (2/255 for
    uint8 and mu-law codes, 1/32768 for int16); None for float values."""
    levels = self.num_levels
    return None if levels is None else (
        1.0 / 32768.0 if self.values == 'int16' else 2.0 / (levels - 1))

  def levels(self, x):
    """Stored values -> int32 level indices in [0, num_levels): the codes
    themselves, or int16 values + 32768."""
    if self.values == 'float':
      raise ValueError('Continuous values have no levels.')
    x = tf.cast(x, tf.int32)
    return x + 32768 if self.values == 'int16' else x

  def level_values(self, levels):
    """Level indices -> float32 in the model scale (`levels`' inverse, then
    `to_float`): level 0 is -1, each next one `level_step` higher."""
    levels = tf.cast(levels, tf.int32)
    return self.to_float(levels - 32768 if self.values == 'int16' else levels)

  def to_waveform(self, x):
    """Stored values -> float32 amplitudes in [-1, 1], for sound: mu-law
    codes decoded, int16 scaled, float values clipped."""
    if self.values == 'mu_law':
      return mu_law_decode(x)
    return tf.clip_by_value(self.to_float(x), -1.0, 1.0)

  def from_float(self, x):
    """Model scale -> stored values, rounded to the nearest level and
    clipped to the coding's range (float values pass unchanged)."""
    if self.values == 'int16':
      levels = tf.round(tf.cast(x, tf.float32) * 32768.0)
      return tf.cast(tf.clip_by_value(levels, -32768.0, 32767.0), tf.int16)
    if self.values == 'float':
      return tf.cast(x, tf.float32)
    return image_lib.to_uint8(x)

  def clip(self, x):
    """x clipped to the model scale's range (unchanged for float values)."""
    return tf.clip_by_value(x, -1.0, 1.0) if self.bounded else x

  def to_dict(self):
    return dict(kind=self.kind, shape=list(self.shape), values=self.values,
                rate=self.rate)

  @classmethod
  def from_dict(cls, d):
    # Files written before sample rates have no 'rate'.
    return cls(d['kind'], tuple(d['shape']), d['values'], d.get('rate', 0))


_SHAPE_NAMES = {'images': '(height, width, channels)',
                'sequences': '(time steps, channels)',
                'vectors': '(dimensions,)'}


def require(space, kinds, what):
  """Raises ValueError unless space.kind is one of `kinds`, naming `what`
  needs (e.g. 'FID') and what the space is."""
  if space.kind not in kinds:
    raise ValueError(f'{what} needs {" or ".join(kinds)}; this model\'s '
                     f'events are {space.describe()}.')
