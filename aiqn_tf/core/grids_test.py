"""Tests of the pictures of samples."""

import numpy as np
import tensorflow as tf

from aiqn_tf.core import events
from aiqn_tf.core import grids


class SpectrogramTest(tf.test.TestCase):

  def test_a_tone_is_brightest_at_its_frequency_and_time(self):
    rate, steps = 8000, 4096
    t = np.arange(steps) / rate
    tone = 0.5 * np.sin(2 * np.pi * 1000 * t)  # 1 kHz: a quarter of 4 kHz.
    tone[:steps // 2] = 0  # Silent, then the tone.
    picture = grids.spectrograms(tone[None], rate).astype(np.float64)
    brightness = picture[1:-1, 1:-1].sum(axis=-1)  # Inside the padding.
    height, width = brightness.shape
    row = np.argmax(brightness.mean(axis=1))
    # Frequency rises upwards: 1 kHz sits a quarter of the way up.
    self.assertAllClose((height - 1 - row) / (height - 1), 0.25, atol=0.02)
    left, right = brightness[:, :width // 2 - 8], brightness[:, width // 2 + 8:]
    self.assertGreater(right.max(), 3 * left.max())

  def test_sound_is_pictured_as_spectrograms(self):
    space = events.EventSpace('sequences', (512, 1), 'int16', 8000)
    samples = np.random.default_rng(0).integers(
        -3000, 3000, (4, 512, 1)).astype(np.int16)
    sound = grids.picture(samples, space)
    lines = grids.picture(samples, events.EventSpace('sequences', (512, 1),
                                                     'int16'))
    self.assertEqual(sound.shape, grids.spectrograms(
        space.to_waveform(samples).numpy(), 8000).shape)
    self.assertNotEqual(sound.shape, lines.shape)


if __name__ == '__main__':
  tf.test.main()
