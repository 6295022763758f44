r"""WaveNet's fast generation (per-layer queues) against the naive generator.

Naive: every new step recomputes its whole receptive field, one full pass of
the backbone over the last R + 1 steps (R the receptive field), the output
read at the last one (the generator Paine et al. 2016 and Ramachandran et
al. 2017 compare their queues with). Fast: the library's sampler
(`model.sample(method='fast')`: each layer's ring buffer of its last (k - 1)
d inputs, one single-step pass per step). Both XLA-compiled, timed on their
second call (the first compiles), with random weights (trained ones cost the
same): PixelIQN on float sequences [T, 1], filter width 2, --filters
residual and gate planes, --output_filters skip and output planes, at
receptive fields of 256 (dilations 1..128), 1,024 (1..512) and 4,093 (four
stacks of 1..512), batch 1 and 16; and the `speech` preset's model itself
(PixelIQN, 20 layers of 1..512 twice, a receptive field of 2,047, labels),
generating whole 4,096-sample clips, with seconds of 8 kHz audio generated
per second.

Identity: the naive generator continues the fast sample's first R steps
(a prefix, so that every window is whole) for --naive_steps steps; those
steps must equal the fast sample's.

  python -m experiments.wavenet_speed [--batches=1,16] [--naive_steps=48]
      [--fields=256,1024,4093,speech] [--fast_steps=1024]
      [--output=docs/results/wavenet_speed]
"""

import json
import time

from absl import app
from absl import flags
import numpy as np
import tensorflow as tf

from aiqn_tf.core import events
from aiqn_tf.models.backbones import wavenet
from aiqn_tf.models.heads import pixel_iqn
from aiqn_tf.models.layers import slicing
from aiqn_tf.models import sampling
from aiqn_tf.runs import presets
from aiqn_tf.testing import test_util
from experiments import report

FLAGS = flags.FLAGS
# (name, residual layers, dilation cycle): receptive fields 256, 1024, 4093;
# 'speech': the speech preset's model (presets.py), its own sizes.
FIELDS = (('256', 8, 8), ('1024', 10, 10), ('4093', 40, 10),
          ('speech', 20, 10))
SPEECH_RATE = 8000

flags.DEFINE_list('batches', ['1', '16'], 'Batch sizes.')
flags.DEFINE_list('fields', [name for name, _, _ in FIELDS],
                  'Receptive fields to run (of 256, 1024, 4093).')
flags.DEFINE_integer('naive_steps', 48, 'Steps the naive generator times.')
flags.DEFINE_integer('fast_steps', 1024, 'Steps the fast sampler generates '
                     'after the prefix of R steps.')
flags.DEFINE_integer('filters', 32, 'Residual and gate planes.')
flags.DEFINE_integer('output_filters', 64, 'Skip and output planes.')
flags.DEFINE_string('output', 'docs/results/wavenet_speed',
                    'Writes <output>.md and .json; empty: print only.')


def _model(steps, num_layers, cycle):
  if steps is None:
    model = presets.preset('speech', 'pixel_iqn').make_model()
    model.build_all()
    test_util.randomize_weights(model, seed=0)
    return model
  space = events.EventSpace('sequences', (steps, 1), 'float')
  model = pixel_iqn.PixelIQN(
      (steps, 1), num_layers=num_layers, filters=FLAGS.filters, kernel_size=2,
      output_filters=FLAGS.output_filters, backbone='wavenet',
      backbone_config=dict(dilation_cycle=cycle), space=space)
  model.build_all()
  test_util.randomize_weights(model, seed=0)
  return model


def _naive(model, field, steps):
  """f(prefix [B, R, 1], noise [B, R + steps, 1], labels) -> the next
  `steps` values [B, steps, 1], each from a full pass over its last R + 1
  steps."""
  window = field + 1

  @tf.function(jit_compile=True)
  def generate(prefix, noise, labels):
    values = tf.TensorArray(tf.float32, size=steps)
    past = prefix  # The last R steps.
    for t in tf.range(steps):
      tau = slicing.take(noise, 1, field + t)
      sequence = tf.concat([past, tf.zeros_like(tau)], 1)
      taus = slicing.take(noise, 1, t, window)
      outputs = model.backbone(sequence, taus, labels)[:, -1:]
      value = model.sample_values(outputs, tau)
      values = values.write(t, value[:, 0])
      past = tf.concat([past[:, 1:], value], 1)
    return tf.transpose(values.stack(), [1, 0, 2])

  return generate


def _timed(f, *args):
  f(*args)  # Compiles.
  start = time.perf_counter()
  result = f(*args).numpy()
  return result, time.perf_counter() - start


def run_one(field_name, num_layers, cycle, batch):
  field = wavenet.receptive_field(num_layers, 2, cycle)
  speech = field_name == 'speech'
  model = _model(None if speech else field + FLAGS.fast_steps, num_layers,
                 cycle)
  steps = model.image_shape[0]
  noise = sampling.draw_noise((batch, steps, 1), seed=1)
  labels = (tf.range(batch) % model.num_classes if model.num_classes
            else None)
  fast = tf.function(lambda noise, labels: model.sample(noise, 'fast',
                                                        labels),
                     jit_compile=True)
  fast_sample, fast_s = _timed(fast, noise, labels)
  naive = _naive(model, field, FLAGS.naive_steps)
  naive_values, naive_s = _timed(naive, fast_sample[:, :field],
                                 noise[:, :field + FLAGS.naive_steps], labels)
  same = fast_sample[:, field:field + FLAGS.naive_steps]
  if not np.allclose(naive_values, same, atol=1e-3):
    raise AssertionError(f'At receptive field {field}, batch {batch}, the '
                         'naive generator parts from the fast sampler.')
  fast_ms = 1000 * fast_s / steps
  naive_ms = 1000 * naive_s / FLAGS.naive_steps
  return dict(field=field, field_name=field_name, layers=num_layers,
              batch=batch, fast_ms_per_step=fast_ms,
              naive_ms_per_step=naive_ms, speedup=naive_ms / fast_ms,
              fast_samples_per_s=batch * 1000 / fast_ms,
              naive_samples_per_s=batch * 1000 / naive_ms,
              real_time=(batch * 1000 / fast_ms / SPEECH_RATE
                         if speech else None),
              max_difference=float(np.abs(naive_values - same).max()))


def main(argv):
  del argv
  ceiling = report.matmul_gflops()
  rows, speech_rows = [], []
  with report.recording(FLAGS.output, 'WaveNet: fast generation against the '
                        'naive generator', markdown=True, ceiling=ceiling):
    print('Per generated step (one sample per batch element), XLA-compiled, '
          f'random weights; filter width 2, {FLAGS.filters} residual planes, '
          f'{FLAGS.output_filters} skip planes. Naive: {FLAGS.naive_steps} '
          'steps, each a full pass over the receptive field; fast: the '
          f'receptive field plus {FLAGS.fast_steps} steps (the speech '
          'preset: its 4,096-step clips), from scratch. '
          '"max |naive - fast|": the naive continuation of the fast '
          'sample\'s prefix against the fast sample (float32).\n')
    print('| receptive field | layers | batch | naive ms/step | fast ms/step '
          '| speed-up | fast samples/s | max \\|naive - fast\\| |')
    print('|---|---|---|---|---|---|---|---|')
    for name, num_layers, cycle in FIELDS:
      if name not in FLAGS.fields:
        continue
      for batch in map(int, FLAGS.batches):
        row = run_one(name, num_layers, cycle, batch)
        rows.append(row)
        print(f'| {row["field"]} | {num_layers} | {batch} | '
              f'{row["naive_ms_per_step"]:.2f} | {row["fast_ms_per_step"]:.3f}'
              f' | {row["speedup"]:.1f}x | {row["fast_samples_per_s"]:,.0f} | '
              f'{row["max_difference"]:.1e} |', flush=True)
        if row['real_time']:
          speech_rows.append(row)
    for row in speech_rows:
      print(f'\nThe speech preset\'s model, batch {row["batch"]}: '
            f'{row["real_time"]:.2f} seconds of 8 kHz audio generated per '
            f'second ({row["real_time"] / row["batch"]:.2f} per clip: '
            f'{"faster" if row["real_time"] / row["batch"] > 1 else "slower"}'
            ' than real time each).')
  if FLAGS.output:
    with open(FLAGS.output + '.json', 'w') as f:
      json.dump(dict(gflops=ceiling, rows=rows), f, indent=1)


if __name__ == '__main__':
  app.run(main)
