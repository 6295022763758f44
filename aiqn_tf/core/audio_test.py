"""Tests of WAV reading and writing."""

import io
import os
import wave

import numpy as np
import scipy.io.wavfile
import tensorflow as tf

from aiqn_tf.core import audio


class WavTest(tf.test.TestCase):

  def test_round_trip_and_an_independent_reader_agree(self):
    rng = np.random.default_rng(0)
    stereo = rng.integers(-32768, 32768, (300, 2)).astype(np.int16)
    path = os.path.join(self.get_temp_dir(), 'stereo.wav')
    audio.write_wav(path, stereo, 11025)
    samples, rate = audio.read_wav(path)
    self.assertEqual(rate, 11025)
    self.assertAllEqual(samples, stereo)
    rate, theirs = scipy.io.wavfile.read(path)
    self.assertEqual((rate, theirs.dtype), (11025, np.int16))
    self.assertAllEqual(theirs, stereo)

  def test_floats_scale_as_int16_values_and_clip(self):
    data = audio.encode_wav(np.array([-1.0, -0.5, 0.0, 0.5, 1.0]), 8000)
    _, samples = scipy.io.wavfile.read(io.BytesIO(data))
    self.assertAllEqual(samples, [-32768, -16384, 0, 16384, 32767])

  def test_refuses_what_it_cannot_read(self):
    path = os.path.join(self.get_temp_dir(), 'eight_bit.wav')
    with wave.open(path, 'wb') as writer:
      writer.setnchannels(1)
      writer.setsampwidth(1)
      writer.setframerate(8000)
      writer.writeframes(bytes(range(100)))
    with self.assertRaisesRegex(ValueError, '8-bit samples; only 16-bit'):
      audio.read_wav(path)
    text = os.path.join(self.get_temp_dir(), 'text.wav')
    with open(text, 'w') as f:
      f.write('not a wav')
    with self.assertRaisesRegex(ValueError, 'text.wav: not a PCM WAV'):
      audio.read_wav(text)
    with self.assertRaisesRegex(ValueError, r'\[T\] or \[T, C\]'):
      audio.encode_wav(np.zeros((2, 3, 4)), 8000)


if __name__ == '__main__':
  tf.test.main()
