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


class ScatterTest(tf.test.TestCase):

  def test_points_and_marks_land_where_they_are(self):
    points = np.array([[0.0, 0.0], [1.0, 1.0], [-1.0, 0.5]])
    panel = grids.scatter(points, size=101, bounds=(-1.0, 1.0),
                          marks=[[0.5, -0.5]])
    blue, red = grids._COLOURS[0], grids._COLOURS[1]  # pylint: disable=protected-access
    # (x, y) -> row (high - y) / 2 * 100, column (x - low) / 2 * 100.
    for (row, col) in ((50, 50), (0, 100), (25, 0)):
      self.assertAllEqual(panel[row, col], blue)
    self.assertAllEqual(panel[75, 75], red)
    self.assertAllEqual(panel[75, 72], red)  # The cross's arm.
    self.assertAllEqual(panel[10, 10], [255, 255, 255])

  def test_two_dimensional_vectors_are_pictured_as_a_scatter(self):
    space = events.EventSpace('vectors', (2,), 'float')
    samples = np.random.default_rng(0).normal(size=(50, 2)).astype(
        np.float32)
    self.assertAllEqual(grids.picture(samples, space), grids.scatter(samples))
    three = events.EventSpace('vectors', (3,), 'float')
    self.assertNotEqual(
        grids.picture(np.zeros((4, 3), np.float32), three).shape[:2],
        (256, 256))


if __name__ == '__main__':
  tf.test.main()
