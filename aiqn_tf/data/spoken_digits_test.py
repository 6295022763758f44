"""Tests of the bundled spoken digits: the shipped corpus and its split."""

import shutil

import numpy as np
import tensorflow as tf

from aiqn_tf.data import spoken_digits


class SpokenDigitsTest(tf.test.TestCase):

  def test_splits_by_voice_with_every_digit_once_a_voice(self):
    sizes = {}
    for split in ('train', 'test'):
      arrays = spoken_digits.arrays(split)
      voices = spoken_digits.voices_of(split)
      sizes[split] = len(arrays['labels'])
      self.assertEqual(arrays['sequences'].shape,
                       (sizes[split], spoken_digits.LENGTH, 1))
      self.assertEqual(arrays['sequences'].dtype, np.int16)
      for voice in np.unique(voices):
        self.assertAllEqual(np.sort(arrays['labels'][voices == voice]),
                            np.arange(10))
      self.assertTrue(all(spoken_digits.is_test_voice(v) == (split == 'test')
                          for v in voices))
      # A mixed order: the first 10 clips are not one voice's.
      self.assertGreater(len(np.unique(voices[:10])), 5)
    self.assertEqual(sizes, {'train': 800, 'test': 160})
    # Every accent and every variant is heard in training.
    train = spoken_digits.voices_of('train')
    accents, variants = np.divmod(train, len(spoken_digits.VARIANTS))
    self.assertLen(np.unique(accents), len(spoken_digits.ACCENTS))
    self.assertLen(np.unique(variants), len(spoken_digits.VARIANTS))

  def test_each_clip_is_one_word_centred_in_silence(self):
    clips = spoken_digits.arrays('test')['sequences'][..., 0]
    peaks = np.abs(clips).max(axis=1)
    self.assertGreater(peaks.min(), 3000)  # Audible: above -21 dBFS.
    for clip, peak in zip(clips, peaks):
      loud = np.flatnonzero(np.abs(clip) >= 0.02 * peak)
      # The word's ends are where the synthesis cut it, centred.
      self.assertLessEqual(abs(loud[0] - (len(clip) - 1 - loud[-1])), 2)
    self.assertAllEqual(clips[:, 0], np.zeros(len(clips)))

  def test_synthesis_remakes_the_shipped_clips(self):
    if shutil.which('espeak-ng') is None:
      self.skipTest('espeak-ng is not installed (apt-get install espeak-ng)')
    voices = [0, 13, 95]
    made = spoken_digits.synthesise(voice_indices=voices)
    with np.load(spoken_digits.PATH) as shipped:
      rows = np.isin(shipped['voices'], voices)
      if str(made['espeak']) != str(shipped['espeak']):
        self.skipTest(f'another espeak-ng: {made["espeak"]}; shipped: '
                      f'{shipped["espeak"]}')
      self.assertAllEqual(made['sequences'], shipped['sequences'][rows])
      self.assertAllEqual(made['labels'], shipped['labels'][rows])


if __name__ == '__main__':
  tf.test.main()
