"""WAV files: 16-bit PCM in and out, with Python's `wave` module."""

import io
import os
import wave

import numpy as np
import tensorflow as tf


def to_int16(values):
  """Samples in [-1, 1) (float) or int16 -> int16 [...], rounded and clipped."""
  values = np.asarray(values)
  if values.dtype == np.int16:
    return values
  return np.clip(np.round(values.astype(np.float64) * 32768.0), -32768,
                 32767).astype(np.int16)


def encode_wav(samples, rate):
  """The bytes of a 16-bit PCM WAV file.

  Args:
    samples: [T] or [T, C]: int16 samples, or floats in [-1, 1) (scaled by
      32768, as events.EventSpace codes int16 values).
    rate: samples per second, a positive int.

  Returns:
    bytes.
  """
  samples = to_int16(samples)
  if samples.ndim == 1:
    samples = samples[:, None]
  if samples.ndim != 2:
    raise ValueError(f'samples must be [T] or [T, C], got {samples.shape}.')
  buffer = io.BytesIO()
  with wave.open(buffer, 'wb') as writer:
    writer.setnchannels(samples.shape[1])
    writer.setsampwidth(2)
    writer.setframerate(int(rate))
    writer.writeframes(samples.astype('<i2').tobytes())
  return buffer.getvalue()


def write_wav(path, samples, rate):
  """Writes `encode_wav(samples, rate)` to path (any tf.io.gfile path)."""
  tf.io.gfile.makedirs(os.path.dirname(path) or '.')
  with tf.io.gfile.GFile(path, 'wb') as f:
    f.write(encode_wav(samples, rate))


def read_wav(path):
  """A 16-bit PCM WAV file: (int16 [T, C] samples, rate).

  Raises:
    ValueError: for a file that is not 16-bit PCM WAV, naming it.
  """
  with tf.io.gfile.GFile(path, 'rb') as f:
    data = f.read()
  try:
    with wave.open(io.BytesIO(data)) as reader:
      width, channels = reader.getsampwidth(), reader.getnchannels()
      rate = reader.getframerate()
      frames = reader.readframes(reader.getnframes())
  except (wave.Error, EOFError) as e:
    raise ValueError(f'{path}: not a PCM WAV file ({e}).') from e
  if width != 2:
    raise ValueError(f'{path}: {8 * width}-bit samples; only 16-bit PCM is '
                     'read (convert it, e.g. sox IN -b 16 OUT.wav).')
  return np.frombuffer(frames, '<i2').reshape(-1, channels), rate
