"""Tests of WAV folders as datasets of sound ('wav:PATH')."""

import os
import shutil
import tempfile
import wave

import numpy as np
import tensorflow as tf

from aiqn_tf.core import audio
from aiqn_tf.data import datasets


def _tone(frequency, seconds, rate, channels=2):
  """int16 [T, channels]: a sine in the first channel, silence elsewhere."""
  t = np.arange(int(seconds * rate)) / rate
  samples = np.zeros((len(t), channels))
  samples[:, 0] = 0.5 * np.sin(2 * np.pi * frequency * t)
  return audio.to_int16(samples)


def _peak_hz(clip, rate):
  spectrum = np.abs(np.fft.rfft(clip.astype(np.float64)))
  return np.argmax(spectrum) * rate / len(clip)


class WavFolderTest(tf.test.TestCase):

  @classmethod
  def setUpClass(cls):
    super().setUpClass()
    cls.root = tempfile.mkdtemp()
    # Two classes of six stereo 16 kHz recordings, 0.3 to 1.55 s long; each
    # file a tone of its own frequency, so a clip names its file.
    cls.frequencies = {}
    for label, name in enumerate(('high', 'low')):
      os.makedirs(os.path.join(cls.root, 'speech', name))
      for k in range(6):
        hz = 200 + 100 * (6 * label + k)
        path = os.path.join(cls.root, 'speech', name, f'{k}.wav')
        audio.write_wav(path, _tone(hz, 0.3 + 0.25 * k, 16000), 16000)
        cls.frequencies[hz] = (label, k)

  @classmethod
  def tearDownClass(cls):
    shutil.rmtree(cls.root, ignore_errors=True)
    super().tearDownClass()

  def test_files_become_mono_resampled_clips_split_by_file(self):
    spec = datasets.resolve(f'wav:{self.root}/speech', sample_rate=8000,
                            clip_length=2000, test_fraction=0.3)
    self.assertEqual(spec.event_space.describe(),
                     'sequences [2000, 1] of int16 values at 8000 Hz')
    self.assertEqual((spec.num_classes, spec.class_names),
                     (2, ('high', 'low')))
    files_of = {}
    for split in ('train', 'test'):
      arrays = datasets.as_arrays(spec, split)
      clips = arrays['sequences'][..., 0]
      self.assertLen(clips, spec.split_sizes[split])
      files = []
      for clip, label in zip(clips, arrays['labels']):
        # The clip's tone, at 8 kHz, names its file and that file's class.
        hz = min(self.frequencies, key=lambda f: abs(f - _peak_hz(clip,
                                                                  8000)))
        self.assertEqual(self.frequencies[hz][0], label)
        files.append(hz)
      files_of[split] = set(files)
      # Down-mixed: the mean of a 0.5 sine and silence.
      self.assertAllClose(np.abs(clips).max() / 32768, 0.25, atol=0.01)
    self.assertEmpty(files_of['train'] & files_of['test'])
    self.assertLen(files_of['train'] | files_of['test'], 12)
    # 0.3 + 0.25 k seconds at 8 kHz, 2,400 + 2,000 k samples, in clips of
    # 2,000: k + 1 clips (the last 400 samples, under half a clip, dropped).
    self.assertEqual(sum(spec.split_sizes.values()), 2 * 21)

  def test_a_file_shorter_than_a_clip_is_padded_with_silence(self):
    spec = datasets.resolve(f'wav:{self.root}/speech', clip_length=8000)
    clips = np.concatenate([datasets.as_arrays(spec, s)['sequences'][..., 0]
                            for s in ('train', 'test')])
    # At the files' own 16 kHz, 4,800 + 4,000 k samples: the 0.3 s file is
    # one clip, and the 0.8 and 1.3 s files' last 4,800 samples (over half
    # a clip) one more; each is 4,800 samples of sound, then silence.
    short = [c for c in clips if not c[4800:].any()]
    self.assertLen(short, 2 * 3)
    self.assertTrue(all(np.abs(c[:4800]).max() > 8000 for c in short))

  def test_bad_folders_fail_with_what_to_do(self):
    mixed = os.path.join(self.root, 'mixed')
    os.makedirs(mixed)
    audio.write_wav(os.path.join(mixed, 'a.wav'), _tone(440, 0.5, 8000), 8000)
    audio.write_wav(os.path.join(mixed, 'b.wav'), _tone(440, 0.5, 16000),
                    16000)
    lengths = os.path.join(self.root, 'lengths')
    os.makedirs(lengths)
    for k in range(2):
      audio.write_wav(os.path.join(lengths, f'{k}.wav'),
                      _tone(440, 0.5 + k, 8000), 8000)
    eight_bit = os.path.join(self.root, 'eight_bit')
    os.makedirs(eight_bit)
    with wave.open(os.path.join(eight_bit, 'x.wav'), 'wb') as writer:
      writer.setnchannels(1)
      writer.setsampwidth(1)
      writer.setframerate(8000)
      writer.writeframes(bytes(100))
    for name, options, message in (
        (f'wav:{mixed}', {}, r'2 sample rates .* --sample_rate=8000'),
        (f'wav:{lengths}', {}, r'several lengths .* --clip_length=4000'),
        (f'wav:{eight_bit}', {}, 'x.wav: 8-bit samples; only 16-bit'),
        (f'wav:{self.root}/nope', {}, 'does not exist'),
        (f'wav:{mixed}', {'image_size': 32}, 'image_size and channels'),
        ('digits', {'clip_length': 100}, 'wav:PATH datasets only'),
    ):
      with self.subTest(name=name, options=options):
        with self.assertRaisesRegex(datasets.DatasetError, message):
          datasets.resolve(name, **options)
    self.assertEqual(datasets.resolve(f'wav:{mixed}', sample_rate=8000)
                     .image_shape, (4000, 1))

  def test_a_folder_whose_classes_changed_is_refused(self):
    root = os.path.join(self.root, 'growing')
    for name in ('a', 'b'):
      audio.write_wav(os.path.join(root, name, 'x.wav'),
                      _tone(440, 0.5, 8000), 8000)
    spec = datasets.resolve(f'wav:{root}', test_fraction=0.0)
    audio.write_wav(os.path.join(root, 'c', 'x.wav'), _tone(440, 0.5, 8000),
                    8000)
    with self.assertRaisesRegex(datasets.DatasetError,
                                r"were \('a', 'b'\), are \('a', 'b', 'c'\)"):
      datasets.load(spec, 'train')


if __name__ == '__main__':
  tf.test.main()
