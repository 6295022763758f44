"""Tests of event spaces: codings against their formulas, shapes refused."""

import numpy as np
import tensorflow as tf

from aiqn_tf.core import events


class MuLawTest(tf.test.TestCase):

  def test_encode_follows_g711(self):
    x = np.linspace(-1, 1, 1001).astype(np.float32)
    expected = np.round(
        (np.sign(x) * np.log1p(255 * np.abs(x)) / np.log1p(255) + 1) * 127.5)
    self.assertAllEqual(events.mu_law_encode(x), expected.astype(np.uint8))
    self.assertAllEqual(events.mu_law_encode([-3.0, 3.0]), [0, 255])

  def test_decode_inverts_encode_on_the_codes(self):
    codes = np.arange(256, dtype=np.uint8)
    self.assertAllEqual(events.mu_law_encode(events.mu_law_decode(codes)),
                        codes)
    # Finer near 0: the step between codes grows with |x|.
    steps = np.diff(events.mu_law_decode(codes).numpy())
    self.assertLess(steps[127], steps[0] / 50)


class EventSpaceTest(tf.test.TestCase):

  def test_codings_round_trip_and_scale(self):
    images = events.EventSpace.images((2, 2, 1))
    levels = np.arange(256, dtype=np.uint8)
    self.assertAllClose(images.to_float(levels), levels / 127.5 - 1)
    self.assertAllEqual(images.from_float(images.to_float(levels)), levels)
    pcm = events.EventSpace('sequences', (4, 1), 'int16')
    samples = np.array([-32768, -1, 0, 1, 32767], np.int16)
    self.assertAllClose(pcm.to_float(samples), samples / 32768)
    self.assertAllEqual(pcm.from_float(pcm.to_float(samples)), samples)
    self.assertAllEqual(pcm.from_float([2.0, -2.0]), [32767, -32768])
    continuous = events.EventSpace('vectors', (3,), 'float')
    x = np.array([-7.5, 0.25, 1e3], np.float32)
    self.assertAllEqual(continuous.from_float(continuous.to_float(x)), x)
    self.assertAllEqual(continuous.clip(x), x)
    self.assertAllEqual(pcm.clip([-3.0, 0.5]), [-1.0, 0.5])
    self.assertEqual((continuous.num_levels, pcm.num_levels,
                      images.num_levels), (None, 65536, 256))
    self.assertEqual((continuous.dtype, pcm.dtype),
                     (np.float32, np.int16))

  def test_shapes_and_names_are_checked(self):
    with self.assertRaisesRegex(ValueError, r'\(time steps, channels\)'):
      events.EventSpace('sequences', (4, 1, 1), 'float')
    with self.assertRaisesRegex(ValueError, '1 .grey. or 3'):
      events.EventSpace.images((4, 4, 2))
    with self.assertRaisesRegex(ValueError, 'one of images'):
      events.EventSpace('audio', (4,), 'float')
    with self.assertRaisesRegex(ValueError, 'values must be one of'):
      events.EventSpace('vectors', (4,), 'float64')
    space = events.EventSpace('sequences', (16000, 2), 'mu_law')
    self.assertEqual(events.EventSpace.from_dict(space.to_dict()), space)
    self.assertEqual(space.key, 'sequences')
    self.assertFalse(space.is_8bit_images)
    self.assertTrue(events.EventSpace.images((8, 8, 3)).is_8bit_images)
    with self.assertRaisesRegex(ValueError, 'FID needs images; this model\'s '
                                r'events are vectors \[3\] of float'):
      events.require(events.EventSpace('vectors', (3,), 'float'),
                     ('images',), 'FID')

  def test_a_sample_rate_makes_sequences_sound(self):
    speech = events.EventSpace('sequences', (4096, 1), 'int16', 8000)
    self.assertTrue(speech.is_audio)
    self.assertIn('at 8000 Hz', speech.describe())
    self.assertEqual(events.EventSpace.from_dict(speech.to_dict()), speech)
    # A .keras file written before sample rates: no sound.
    old = dict(kind='sequences', shape=[24, 1], values='float')
    self.assertFalse(events.EventSpace.from_dict(old).is_audio)
    with self.assertRaisesRegex(ValueError, 'sample rate is for sequences'):
      events.EventSpace('images', (8, 8, 1), 'uint8', 8000)

  def test_levels_index_each_coding_in_order(self):
    pcm = events.EventSpace('sequences', (4, 1), 'int16')
    stored = np.array([-32768, -1, 0, 32767], np.int16)
    self.assertAllEqual(pcm.levels(stored), [0, 32767, 32768, 65535])
    self.assertAllEqual(pcm.level_values(pcm.levels(stored)),
                        pcm.to_float(stored))
    self.assertEqual(pcm.level_step, 1 / 32768)
    images = events.EventSpace.images((2, 2, 1))
    codes = np.array([0, 128, 255], np.uint8)
    self.assertAllEqual(images.levels(codes), codes)
    self.assertAllClose(images.level_values([0, 255]), [-1.0, 1.0])
    self.assertAllClose(np.diff(images.level_values([7, 8])),
                        [images.level_step])
    with self.assertRaisesRegex(ValueError, 'no levels'):
      events.EventSpace('vectors', (3,), 'float').levels([0.5])

  def test_waveforms_decode_each_coding(self):
    wave = np.array([-1.0, -0.3, 0.0, 0.02, 0.7], np.float32)
    mu_law = events.EventSpace('sequences', (5, 1), 'mu_law', 8000)
    pcm = events.EventSpace('sequences', (5, 1), 'int16', 8000)
    continuous = events.EventSpace('sequences', (5, 1), 'float', 8000)
    # Mu-law's quantisation error grows with the amplitude: 1/255 of the
    # companded scale is about |x| * log(256) / 127.5 of the wave.
    self.assertAllClose(mu_law.to_waveform(events.mu_law_encode(wave)), wave,
                        atol=0.03)
    self.assertAllClose(pcm.to_waveform(pcm.from_float(wave)), wave,
                        atol=1 / 32768)
    self.assertAllEqual(continuous.to_waveform([-3.0, 0.5]), [-1.0, 0.5])


if __name__ == '__main__':
  tf.test.main()
