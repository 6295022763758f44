"""Spoken digits: the words "zero" to "nine" in 96 synthetic voices, 8 kHz.

A labelled speech corpus that ships inside the package, for the sequence
models' defaults, tests and studies (no speech corpus installs offline).
`synthesise` made it once with espeak-ng (Debian's package; offline and
deterministic for a given version): 8 English accents x 12 voice variants
(7 male, 5 female) say each digit once at espeak's default speed, or faster
where a word would not fit. Each recording is resampled from espeak's
22,050 Hz to 8 kHz (scipy's polyphase filter), cut to where its amplitude
first and last reaches 2% of its peak, and centred in LENGTH samples of
silence: int16 [960, 4096] (0.512 s each), stored compressed with the voice
of each clip.

The split is by voice, so the test voices are unheard in training: a voice
(accent a, variant v) is a test voice when (a + v) % 6 == 0, 2 of the 12
variants of every accent and each variant in one or two accents; 800
training clips (80 voices) and 160 test clips (16 voices).

`binaries/make_spoken_digits.py` runs `synthesise` and writes the file.
"""

import functools
import io
import os
import subprocess
import wave

import numpy as np

WORDS = ('zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven',
         'eight', 'nine')
ACCENTS = ('en-us', 'en-gb', 'en-gb-scotland', 'en-gb-x-gbclan', 'en-gb-x-rp',
           'en-gb-x-gbcwmd', 'en-029', 'en-us-nyc')
VARIANTS = ('m1', 'm2', 'm3', 'm4', 'm5', 'm6', 'm7', 'f1', 'f2', 'f3', 'f4',
            'f5')
RATE = 8000
LENGTH = 4096
TEST_EVERY = 6
PATH = os.path.join(os.path.dirname(__file__), 'spoken_digits.npz')

_ESPEAK_RATE = 22050
_SPEED = 175  # espeak-ng's default words per minute.
_THRESHOLD = 0.02  # Of the peak amplitude: where a word starts and ends.


def voices():
  """The voice names 'accent+variant', index a * len(VARIANTS) + v."""
  return tuple(f'{a}+{v}' for a in ACCENTS for v in VARIANTS)


def is_test_voice(index):
  """Whether voice `index` (of `voices()`) is one of the test split's."""
  accent, variant = divmod(int(index), len(VARIANTS))
  return (accent + variant) % TEST_EVERY == 0


def synthesise(espeak='espeak-ng', voice_indices=None):
  """The corpus, spoken by espeak-ng: one clip per voice and word.

  Args:
    espeak: the espeak-ng program.
    voice_indices: the voices (indices into `voices()`) to synthesise, or
      None for all.

  Returns:
    {"sequences": int16 [N, LENGTH], "labels": int32 [N] (the digit),
     "voices": int32 [N] (index into `voices()`), "espeak": the program's
     version line}, voice-major; N = 10 per voice (960 for all).

  Raises:
    FileNotFoundError: without espeak-ng (`apt-get install espeak-ng`).
  """
  import scipy.signal  # pylint: disable=g-import-not-at-top
  clips, labels, speakers = [], [], []
  names = voices()
  for index in (range(len(names)) if voice_indices is None
                else voice_indices):
    voice = names[index]
    for digit, word in enumerate(WORDS):
      speed = _SPEED
      while True:
        audio = _speak(espeak, voice, word, speed)
        audio = scipy.signal.resample_poly(audio, RATE, _ESPEAK_RATE)
        loud = np.flatnonzero(np.abs(audio) >= _THRESHOLD *
                              np.abs(audio).max())
        audio = audio[loud[0]:loud[-1] + 1]
        if len(audio) <= LENGTH:
          break
        speed += 25
      clip = np.zeros(LENGTH)
      start = (LENGTH - len(audio)) // 2
      clip[start:start + len(audio)] = audio
      clips.append(np.clip(np.round(clip), -32768, 32767).astype(np.int16))
      labels.append(digit)
      speakers.append(index)
  version = subprocess.run([espeak, '--version'], capture_output=True,
                           text=True, check=True).stdout.strip()
  return {'sequences': np.stack(clips),
          'labels': np.asarray(labels, np.int32),
          'voices': np.asarray(speakers, np.int32),
          'espeak': np.asarray(version)}


def _speak(espeak, voice, word, speed):
  """float64 [n] samples of espeak-ng's 16-bit mono WAV of `word`."""
  wav = subprocess.run([espeak, '-v', voice, '-s', str(speed), '--stdout',
                        word], capture_output=True, check=True).stdout
  with wave.open(io.BytesIO(wav)) as reader:
    if (reader.getframerate(), reader.getnchannels(),
        reader.getsampwidth()) != (_ESPEAK_RATE, 1, 2):
      raise ValueError(f'{espeak} wrote {reader.getframerate()} Hz, '
                       f'{reader.getnchannels()} channels of '
                       f'{8 * reader.getsampwidth()} bits; expected '
                       f'{_ESPEAK_RATE} Hz 16-bit mono.')
    frames = reader.readframes(reader.getnframes())
  return np.frombuffer(frames, np.int16).astype(np.float64)


@functools.lru_cache(maxsize=None)
def _corpus():
  with np.load(PATH) as f:
    return {key: f[key] for key in ('sequences', 'labels', 'voices')}


def _rows(split):
  """The corpus rows of a split, in its fixed mixed order."""
  test = np.array([is_test_voice(v) for v in _corpus()['voices']])
  rows = np.flatnonzero(test if split == 'test' else ~test)
  return np.random.default_rng(0).permutation(rows)


def arrays(split):
  """One split of the shipped corpus.

  Args:
    split: 'train' or 'test'.

  Returns:
    {"sequences": int16 [N, LENGTH, 1], "labels": int32 [N]}, N 800 (train)
    or 160 (test), in a fixed mixed order.
  """
  rows = _rows(split)
  return {'sequences': _corpus()['sequences'][rows][..., None],
          'labels': _corpus()['labels'][rows]}


def voices_of(split):
  """int32 [N]: the voice (index into `voices()`) of each clip of `arrays`."""
  return _corpus()['voices'][_rows(split)]
