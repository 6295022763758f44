"""A 1-D backbone over sequences [T, C] of continuous values, added without
editing the library, trained and sampled through the binaries.

`CausalConvBackbone`, registered here as the backbone 'toy_causal1d', serves
the sequences event space (core/events.py): a causal Conv1D over the steps
before t and masked 1x1 convolutions over step t's earlier channels, with tau
and labels before its nonlinearity. It has no cached sampler (the images'
row protocol does not apply), so its models sample sequentially. The
conformance suite runs it under every head, each in the values it models;
the binaries train PixelIQN on it from an array of float sequences (a noisy
sine of random phase, and a class-dependent frequency), resume, sample (a
.npz of float sequences and a plot), evaluate (which says what sequences
lack) and export (a SavedModel serving sequences from tau). A data reader
registered here, 'toy_sines:STEPS', feeds a run through the same plugin
path, as sound (a sample rate): `sample` writes its samples as WAV files.
"""

import dataclasses
import json
import os
import shutil
import tempfile

import keras
import numpy as np
import tensorflow as tf

from aiqn_tf.core import audio
from aiqn_tf.core import config_fields
from aiqn_tf.data import readers
from aiqn_tf.data import specs
from aiqn_tf.models.backbones import backbone
from aiqn_tf.models.layers.masked_conv import MaskedConv2D
from aiqn_tf.testing import conformance
from aiqn_tf.testing import test_util


@dataclasses.dataclass
class CausalConfig:
  units_per_channel: int = config_fields.setting(
      8, 'toy_causal1d: hidden units per channel.', minimum=1)
  window: int = config_fields.setting(
      4, 'toy_causal1d: earlier steps each output sees.', minimum=1)


@backbone.register('toy_causal1d')
class CausalConvBackbone(backbone.PixelBackbone):
  """Output (t, c) from steps [t - window, t) and step t's channels < c."""

  Config = CausalConfig
  spaces = ('sequences',)

  def __init__(self, *args, units_per_channel=8, window=4, **kwargs):
    self.units_per_channel, self.window = units_per_channel, window
    super().__init__(*args, **kwargs)
    self.arguments.update(dict(units_per_channel=units_per_channel,
                               window=window))

  def build_layers(self, channels, out_channels, num_layers, filters,
                   kernel_size, output_filters):
    del num_layers, filters, kernel_size, output_filters
    units = self.units_per_channel * channels
    self.past = keras.layers.Conv1D(units, self.window, padding='causal',
                                    name='past')
    # A step's channels as a 1x1 "pixel": the channel masks of images.
    self.current = MaskedConv2D(units, mask_type='A', num_groups=channels,
                                name='current')
    if self.use_tau:
      self.tau_in = MaskedConv2D(units, mask_type='B', num_groups=channels,
                                 name='tau_in')
    if self.num_classes:
      self.label_in = keras.layers.Embedding(self.num_classes, units,
                                             name='label_in')
    self.out = MaskedConv2D(out_channels, mask_type='B', num_groups=channels,
                            name='out')

  def call(self, sequences, tau=None, labels=None):
    before = tf.pad(sequences, [[0, 0], [1, 0], [0, 0]])[:, :-1]
    x = self.past(before)[:, :, None] + self.current(sequences[:, :, None])
    if tau is not None:
      x += self.tau_in(self.tau_features(tau)[:, :, None])
    if labels is not None:
      x += self.label_in(labels)[:, None, None, :]
    return self.out(tf.tanh(x))[:, :, 0]


# The toy backbone under every head, each in the values it models.
ToySequenceConformanceTest = conformance.make_suite(['toy_causal1d'])

MODULE = 'binaries.toy_sequence_test'


def _sine_arrays(num=96, steps=24, seed=0):
  """Noisy sines of random phase, the frequency set by the label:
  (float32 [num, steps], int [num])."""
  rng = np.random.default_rng(seed)
  labels = rng.integers(0, 2, num)
  t = np.arange(steps)
  phase = rng.uniform(0, 2 * np.pi, (num, 1))
  frequency = np.where(labels == 0, 0.25, 0.5)[:, None]
  sequences = 2.0 * np.sin(frequency * t + phase) + 0.1 * rng.normal(
      size=(num, steps))
  return sequences.astype(np.float32), labels


def _sines(path):
  sequences, labels = _sine_arrays()
  np.savez(path, sequences=sequences, labels=labels)


def _resolve_sines(name, rest, **options):
  del options
  return specs.DatasetSpec(name, (int(rest), 1), kind='toy_sines',
                           source=rest, split_sizes=dict(train=48, test=16),
                           space='sequences', values='float',
                           sample_rate=400)


def _load_sines(spec, split, **options):
  del options
  sequences, _ = _sine_arrays(64, spec.image_shape[0])
  chosen = sequences[:48] if split == 'train' else sequences[48:]
  return tf.data.Dataset.from_tensor_slices({'sequences': chosen[..., None]})


readers.register(readers.Reader('toy_sines', 'toy_sines:', _resolve_sines,
                                _load_sines, 'toy_sines:STEPS (noisy sines)'))


def _bytes_path(root, data):
  """Writes `data` to a file under root; its path."""
  path = os.path.join(root, 'summary.wav')
  with open(path, 'wb') as f:
    f.write(data)
  return path


class ToySequenceThroughBinariesTest(tf.test.TestCase):

  def test_train_resume_sample_evaluate_export(self):
    root = tempfile.mkdtemp()
    self.addCleanup(shutil.rmtree, root, ignore_errors=True)
    data = os.path.join(root, 'sines.npz')
    _sines(data)
    model_dir = os.path.join(root, 'toy')
    train = lambda steps: test_util.run_binary(
        'train', '--model=pixel_iqn', '--backbone=toy_causal1d',
        f'--model_module={MODULE}', f'--dataset=array:{data}',
        '--class_conditional', '--toy_causal1d.window=3',
        '--learning_rate=1e-2', '--ema_decay=0', f'--train_steps={steps}',
        '--batch_size=16',
        '--summary_every=10', '--sample_every=10', '--num_samples=4',
        '--checkpoint_every=10', f'--model_dir={model_dir}')
    code, output = train(10)
    self.assertEqual(code, 0, output)
    with open(os.path.join(model_dir, 'config.json')) as f:
      saved = json.load(f)
    self.assertEqual(
        (saved['data']['resolved']['space'],
         saved['data']['resolved']['values'],
         saved['data']['resolved']['image_shape'], saved['backbone']),
        ('sequences', 'float', [24, 1],
         {'units_per_channel': 8, 'window': 3}))
    code, output = train(20)  # Resumes from step 10.
    self.assertEqual(code, 0, output)
    self.assertIn('at step 10', output)
    self.assertIn('Trained pixel_iqn on', output)
    # The trainer's picture of samples: line plots.
    self.assertTrue(os.path.exists(os.path.join(model_dir, 'samples.png')))

    npz, png = os.path.join(root, 's.npz'), os.path.join(root, 's.png')
    code, output = test_util.run_binary(
        'sample', f'--model_dir={model_dir}', '--num_samples=4',
        '--labels=0,1', f'--output={npz},{png}')
    self.assertEqual(code, 0, output)
    with np.load(npz) as f:
      samples, labels = f['sequences'], f['labels']
    self.assertEqual((samples.dtype, samples.shape), (np.float32, (4, 24, 1)))
    self.assertAllEqual(labels, [0, 1, 0, 1])
    # Continuous values: not clipped to an image's [-1, 1].
    self.assertGreater(np.abs(samples).max(), 1.0)
    self.assertTrue(os.path.exists(png))
    code, output = test_util.run_binary(
        'sample', f'--model_dir={model_dir}', '--method=fast',
        f'--output={npz}')
    self.assertNotEqual(code, 0)
    self.assertIn('method must be one of sequential', output)
    # --inpaint continues test sequences: their first steps kept exactly.
    code, output = test_util.run_binary(
        'sample', f'--model_dir={model_dir}', '--inpaint', '--fixed_steps=10',
        '--num_samples=3', f'--output={npz},{png}')
    self.assertEqual(code, 0, output)
    with np.load(npz) as f:
      continued, originals = f['sequences'], f['originals']
    self.assertEqual(continued.shape, (3, 24, 1))
    self.assertAllEqual(continued[:, :10], originals[:, :10])
    self.assertNotAllClose(continued[:, 10:], originals[:, 10:])

    # Continuous values: no bits per sample; the quantiles' CRPS.
    code, output = test_util.run_binary('evaluate',
                                        f'--model_dir={model_dir}')
    self.assertEqual(code, 0, output)
    self.assertIn('held-out sequences of sequences [24, 1] of float values',
                  output)
    results = json.loads(output.strip().splitlines()[-1])
    self.assertEqual(set(results), {'num_test', 'test_crps'})
    self.assertGreater(results['test_crps'], 0)

    export_dir = os.path.join(root, 'export')
    code, output = test_util.run_binary(
        'export', f'--model_dir={model_dir}', f'--export_dir={export_dir}')
    self.assertEqual(code, 0, output)
    served = tf.saved_model.load(export_dir).signatures['serving_default']
    tau = tf.random.stateless_uniform([2, 24, 1], [1, 2])
    out = served(tau=tau, labels=tf.constant([0, 1]))['sequences']
    self.assertEqual((out.dtype, out.shape), (tf.float32, (2, 24, 1)))

  def test_a_plugin_data_reader(self):
    root = tempfile.mkdtemp()
    self.addCleanup(shutil.rmtree, root, ignore_errors=True)
    model_dir, npz = os.path.join(root, 'run'), os.path.join(root, 's.npz')
    wav = os.path.join(root, 's.wav')
    code, output = test_util.run_binary(
        'train', '--model=pixel_iqn', '--backbone=toy_causal1d',
        f'--model_module={MODULE}', '--dataset=toy_sines:16',
        '--train_steps=2', '--batch_size=8', '--sample_every=2',
        '--num_samples=3', f'--model_dir={model_dir}')
    self.assertEqual(code, 0, output)
    self.assertIn('Trained pixel_iqn on toy_sines:16 to step 2', output)
    # Sound's samples reach TensorBoard as audio, at the data's rate.
    audio_summaries = []
    for event_file in tf.io.gfile.glob(os.path.join(model_dir, 'train', '*')):
      for event in tf.compat.v1.train.summary_iterator(event_file):
        audio_summaries += [v for v in event.summary.value
                            if v.metadata.plugin_data.plugin_name == 'audio']
    self.assertLen(audio_summaries, 1)
    clips = tf.make_ndarray(audio_summaries[0].tensor)[:, 0]
    self.assertLen(clips, 3)
    _, rate = audio.read_wav(_bytes_path(root, clips[0]))
    self.assertEqual(rate, 400)
    code, output = test_util.run_binary(
        'sample', f'--model_dir={model_dir}', '--num_samples=2',
        f'--output={npz},{wav}')
    self.assertEqual(code, 0, output)
    with np.load(npz) as f:
      sequences = f['sequences']
    self.assertEqual(sequences.shape, (2, 16, 1))
    # The reader's sample rate makes them sound: a 16-bit WAV a sample.
    for k in range(2):
      samples, rate = audio.read_wav(os.path.join(root, f's_{k:03d}.wav'))
      self.assertEqual(rate, 400)
      self.assertAllEqual(samples, audio.to_int16(np.clip(sequences[k], -1,
                                                          1)))


if __name__ == '__main__':
  tf.test.main()
