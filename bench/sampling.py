r"""Exact fast sampling against the sequential reference.

For the digits size and the full paper size (32x32x3, 15 blocks, 128 planes,
1024 output planes), samples one batch with `fast` (cached), in a
tf.function and compiled with XLA (jit_compile), and times the `sequential`
reference on the same noise. Where a full sequential sample is too slow (the
paper size: 3,072 full passes), it is timed on its first --prefix sub-pixels
and extrapolated linearly (every pass costs the same), and the images are
compared on that prefix, which the fast sample must reproduce, and on
--prefix sub-pixels from row 3H/4 on, sampled sequentially from the fast
sample's own earlier rows (this checks the caches deep in the image); the
XLA sample is compared with the fast one on the whole image.

  python -m bench.sampling [--paper_batch=4] [--prefix=24]
"""

import time

from absl import app
from absl import flags
import numpy as np
import tensorflow as tf

import aiqn_tf
from aiqn_tf.runs import presets
from aiqn_tf.core import images as image_lib
from aiqn_tf.models import sampling
from aiqn_tf.testing import test_util

FLAGS = flags.FLAGS
flags.DEFINE_integer('digits_batch', 16, 'Batch at the digits size.')
flags.DEFINE_integer('paper_batch', 4, 'Batch at the paper size.')
flags.DEFINE_integer('prefix', 24, 'Sequential sub-pixels timed at the paper '
                     'size (extrapolated to the whole image).')


def _model(preset, image_shape):
  config = presets.preset(preset, 'pixel_iqn').model
  model = aiqn_tf.PixelIQN(image_shape, config.num_layers, config.filters,
                           config.kernel_size, config.output_filters)
  model.build_all()
  test_util.randomize_weights(model)  # Non-trivial outputs, untrained.
  return model, config


def _timed(fn, *args):
  fn(*args).numpy()  # Trace and warm up.
  start = time.perf_counter()
  out = fn(*args).numpy()
  return out, time.perf_counter() - start


def run(name, preset, image_shape, batch, prefix=None):
  model, config = _model(preset, image_shape)
  size = int(np.prod(image_shape))
  noise = sampling.draw_noise((batch,) + image_shape, seed=0)
  fast = tf.function(lambda u: model.sample(u, 'fast'))
  fast_xla = tf.function(lambda u: model.sample(u, 'fast'), jit_compile=True)
  stop = size if prefix is None else prefix
  step_fn = lambda x, u: model.sample_values(model.backbone(x, u), u)
  sequential = tf.function(
      lambda u: sampling.sequential(step_fn, u, stop=stop))
  fast_images, fast_s = _timed(fast, noise)
  xla_images, xla_s = _timed(fast_xla, noise)
  seq_images, seq_s = _timed(sequential, noise)
  seq_total = seq_s * size / stop
  flat = lambda x: image_lib.to_uint8(x).numpy().reshape(batch, -1)
  compared = [(flat(fast_images)[:, :stop], flat(seq_images)[:, :stop]),
              (flat(xla_images), flat(fast_images))]
  if prefix is not None:
    start = (3 * image_shape[0] // 4) * size // image_shape[0]
    deep = tf.function(lambda u, x: sampling.sequential(
        step_fn, u, x, num_fixed=start, stop=start + prefix))(
            noise, fast_images)
    compared.append((flat(fast_images)[:, start:start + prefix],
                     flat(deep)[:, start:start + prefix]))
  fast_u8 = np.concatenate([a for a, _ in compared], 1).astype(int)
  seq_u8 = np.concatenate([b for _, b in compared], 1).astype(int)
  differ = fast_u8 != seq_u8
  max_diff = np.abs(fast_u8 - seq_u8).max()
  print(f'{name}: PixelIQN {"x".join(map(str, image_shape))}, '
        f'{config.num_layers} blocks x {config.filters} planes, '
        f'{config.output_filters} output planes, batch {batch}')
  print(f'  sequential: {size} full passes, '
        + (f'{seq_s:.2f} s' if prefix is None else
           f'{stop} timed in {seq_s:.2f} s -> {seq_total:.1f} s extrapolated'))
  print(f'  fast:       1 vertical pass, 1 horizontal pass per row, {size} '
        f'single-pixel passes (cached columns), {fast_s:.2f} s; with XLA '
        f'(jit_compile) {xla_s:.2f} s')
  print(f'  speed-up {seq_total / fast_s:.1f}x, with XLA '
        f'{seq_total / xla_s:.1f}x ({batch / xla_s:.2f} images/s); '
        'uint8 sub-pixels compared (fast vs sequential, XLA vs fast): '
        f'{differ.size}, differing: {differ.sum()} (max {max_diff} level)\n',
        flush=True)


def main(argv):
  del argv
  print(f'TensorFlow {tf.__version__}, CPU\n')
  run('digits', 'digits', (8, 8, 1), FLAGS.digits_batch)
  run('paper', 'cifar10', (32, 32, 3), FLAGS.paper_batch, FLAGS.prefix)


if __name__ == '__main__':
  app.run(main)
