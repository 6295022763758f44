r"""Exact fast sampling against the sequential reference, the TFP peer and serving.

All in one run, with random (untrained) weights, which cost the same as
trained ones:

1. A batch sweep at the paper size (32x32x3, 15 blocks, 128 planes, 1024
   output planes) and the digits and photos presets at their sample batch
   (`num_samples`): the `sequential` reference (one full pass per sub-pixel;
   timed on its first sub-pixels and extrapolated linearly where a whole
   sample is too slow, since every pass costs the same), `fast` in a
   tf.function and compiled with XLA (the default of `sample` and of the
   export), the speed-up, images per second, and the uint8 sub-pixels
   compared: fast against sequential on the timed prefix and on as many
   sub-pixels from row 3H/4 on (sampled sequentially from the fast sample's
   own earlier rows, which checks the caches deep in the image), XLA
   against fast on the whole image (with the first sub-pixel where they
   part) and XLA against sequential as fast is (from its own rows: XLA sums
   in another order, and on a deep random network a float difference grows
   until the two samples part).
2. `tfp.distributions.PixelCNN` (PixelCNN++, discretized logistic mixture)
   in a configuration whose forward pass at 32x32x3 costs about what ours
   does (both printed), sampled with its own `sample()` (one full pass per
   pixel), against our fast sampler at the same batch, per image.
3. Serving: the paper-size model exported as a SavedModel and loaded in a
   fresh Python without aiqn_tf: latency of one image and throughput at
   batch 64 through its serving_default signature.

With --backbones=gated,snail the sweep and the presets run for the
PixelSNAIL-style backbone too, at the paper size as the cifar10_snail preset
(PixelSNAIL's CIFAR-10 model: 48 residual units of 256 planes, attention after
every 4), and so for any registered backbone, at its cifar10_BACKBONE preset
where there is one (row_lstm, diagonal_bilstm, pixelcnn_pp); the TFP peer
and serving stay on gated.

  python -m experiments.sampling [--paper_batches=1,4,16,64] [--prefix=24]
      [--tfp_batch=1] [--serving_batch=64] [--backbones=gated]
"""

import json
import os
import subprocess
import sys
import tempfile
import time

from absl import app
from absl import flags
import numpy as np
import tensorflow as tf
import tensorflow_probability as tfp

import aiqn_tf
from aiqn_tf.core import images as image_lib
from aiqn_tf.models import noise as noise_lib
from aiqn_tf.models import sampling
from aiqn_tf.runs import presets
from aiqn_tf.serving import export
from aiqn_tf.testing import test_util
from experiments import report

FLAGS = flags.FLAGS
flags.DEFINE_list('paper_batches', ['1', '4', '16', '64'],
                  'Batches at the paper size.')
flags.DEFINE_integer('prefix', 24, 'Sequential sub-pixels timed at batch <= 4 '
                     'for 32x32 images (fewer at larger batches, at least '
                     '3), extrapolated to the whole image.')
flags.DEFINE_integer('tfp_batch', 1, 'Batch of the TFP PixelCNN comparison '
                     '(0: skip it).')
flags.DEFINE_integer('tfp_resnet', 3, 'TFP PixelCNN num_resnet.')
flags.DEFINE_integer('tfp_hierarchies', 3, 'TFP PixelCNN num_hierarchies.')
flags.DEFINE_integer('tfp_filters', 112, 'TFP PixelCNN num_filters.')
flags.DEFINE_integer('tfp_mixtures', 5, 'TFP PixelCNN num_logistic_mix.')
flags.DEFINE_string('output', 'docs/results/sampling', 'Writes <output>.md '
                    'with what it prints and its provenance ("": print '
                    'only).')
flags.DEFINE_list('backbones', ['gated'], 'Backbones of the sweep and the '
                  'presets: any registered ones (gated, snail, row_lstm, '
                  'diagonal_bilstm, pixelcnn_pp).')
flags.DEFINE_integer('serving_batch', 64, 'Throughput batch through the '
                     'SavedModel (0: skip serving).')


def _model(preset, image_shape, backbone='gated'):
  """An untrained PixelIQN of `preset` (cifar10: the backbone's own CIFAR-10
  preset, cifar10_BACKBONE, where there is one)."""
  if preset == 'cifar10' and f'cifar10_{backbone}' in presets.PRESETS:
    preset = f'cifar10_{backbone}'
  config = presets.preset(preset, 'pixel_iqn').replace(backbone=backbone)
  model = aiqn_tf.PixelIQN.from_section(config.model, image_shape,
                                        backbone_section=config.backbone)
  model.build_all()
  test_util.randomize_weights(model)  # Non-trivial outputs, untrained.
  return model, config


def _timed(fn, *args):
  """(output, seconds of the second call, seconds of the first)."""
  start = time.perf_counter()
  fn(*args).numpy()  # Trace (and compile) and warm up.
  first = time.perf_counter() - start
  start = time.perf_counter()
  out = fn(*args).numpy()
  return out, time.perf_counter() - start, first


def _flat(x, batch):
  return image_lib.to_uint8(x).numpy().reshape(batch, -1).astype(int)


def _first_difference(a, b):
  """The first raster index where uint8 images [B, N] differ, or None."""
  columns = np.flatnonzero((a != b).any(0))
  return int(columns[0]) if columns.size else None


def _fast_functions(model):
  fast = lambda u: model.sample(u, 'fast')
  return tf.function(fast), tf.function(fast, jit_compile=True)


def run(name, model, config, batch, prefix=None):
  """Times and compares one configuration; returns the XLA time per image."""
  image_shape = model.image_shape
  size = int(np.prod(image_shape))
  noise = noise_lib.draw_noise((batch,) + image_shape, seed=0)
  fast, fast_xla = _fast_functions(model)
  stop = size if prefix is None else prefix
  step_fn = lambda x, u: model.sample_values(model.backbone(x, u), u)
  sequential = tf.function(
      lambda u: sampling.sequential(step_fn, u, stop=stop))
  fast_images, fast_s, _ = _timed(fast, noise)
  xla_images, xla_s, xla_first = _timed(fast_xla, noise)
  seq_images, seq_s, _ = _timed(sequential, noise)
  seq_total = seq_s * size / stop
  fast_u8, xla_u8 = _flat(fast_images, batch), _flat(xla_images, batch)
  pairs = [(fast_u8[:, :stop], _flat(seq_images, batch)[:, :stop])]
  xla_pairs = [] if prefix is not None else [('', xla_u8, pairs[0][1])]
  if prefix is not None:
    start = (3 * image_shape[0] // 4) * size // image_shape[0]
    deep_fn = tf.function(lambda u, x: sampling.sequential(
        step_fn, u, x, num_fixed=start, stop=start + prefix))
    deep = lambda images: _flat(deep_fn(noise, images), batch)[
        :, start:start + prefix]
    pairs.append((fast_u8[:, start:start + prefix], deep(fast_images)))
    # XLA sums in another order, so a deep XLA sample may leave the fast one
    # after a one-level flip; checked against sequential from its own rows.
    xla_pairs.append((' from its own rows', xla_u8[:, start:start + prefix],
                      deep(xla_images)))
  fast_part = np.concatenate([a for a, _ in pairs], 1)
  seq_part = np.concatenate([b for _, b in pairs], 1)
  m = config.model
  blocks = {
      'snail': f'{m.num_layers} residual units (attention after every '
               f'{getattr(config.backbone, "attention_every", None)})',
      'row_lstm': f'{m.num_layers} LSTM layers',
      'diagonal_bilstm': f'{m.num_layers} bidirectional LSTM layers',
      'pixelcnn_pp': f'{getattr(config.backbone, "resolutions", None)} '
                     f'resolutions of {m.num_layers} ResNet blocks',
  }.get(m.backbone, f'{m.num_layers} blocks')
  print(f'{name}: PixelIQN {"x".join(map(str, image_shape))}, {m.backbone} '
        f'backbone, {blocks} x {m.filters} planes, {m.kernel_size}x'
        f'{m.kernel_size}, {m.output_filters} output planes, batch {batch}')
  print(f'  sequential: {size} full passes, '
        + (f'{seq_s:.2f} s' if prefix is None else
           f'{stop} timed in {seq_s:.2f} s -> {seq_total:.1f} s extrapolated'))
  print(f'  fast: {fast_s:.2f} s in a tf.function ({seq_total / fast_s:.1f}x)'
        f', {xla_s:.2f} s with XLA (first call, compiling: {xla_first:.1f} s)')
  print(f'  speed-up with XLA {seq_total / xla_s:.1f}x, '
        f'{batch / xla_s:.2f} images/s; uint8 sub-pixels: fast vs '
        f'sequential {fast_part.size} compared, '
        f'{(fast_part != seq_part).sum()} differ; XLA vs fast {xla_u8.size} '
        f'compared, {(xla_u8 != fast_u8).sum()} differ (max '
        f'{np.abs(xla_u8 - fast_u8).max()} level, first at sub-pixel '
        f'{_first_difference(xla_u8, fast_u8)})' + ''.join(
            f'; XLA vs sequential{where} {a.size} compared, '
            f'{(a != b).sum()} differ' for where, a, b in xla_pairs) + '\n',
        flush=True)
  return xla_s / batch


def tfp_peer(model, batch, ours_per_image):
  """tfp.distributions.PixelCNN beside our fast sampler at the same batch."""
  image_shape = model.image_shape
  peer = tfp.distributions.PixelCNN(
      image_shape=image_shape, num_resnet=FLAGS.tfp_resnet,
      num_hierarchies=FLAGS.tfp_hierarchies, num_filters=FLAGS.tfp_filters,
      num_logistic_mix=FLAGS.tfp_mixtures, dropout_p=0.0)
  images = tf.random.uniform((batch,) + image_shape, 0, 255)
  tau = noise_lib.draw_noise((batch,) + image_shape, seed=0)
  peer_pass = tf.function(lambda x: peer.network(x, training=False))
  our_pass = tf.function(lambda x, u: model.backbone(x, u))
  pass_s = []
  for fn, args in ((our_pass, (images / 127.5 - 1, tau)),
                   (peer_pass, (images,))):
    fn(*args)
    start = time.perf_counter()
    for _ in range(5):
      tf.nest.map_structure(lambda t: t.numpy(), fn(*args))
    pass_s.append((time.perf_counter() - start) / 5)
  sample = tf.function(lambda: peer.sample(batch, seed=1))
  sample.get_concrete_function()  # Trace only: one sample is minutes.
  start = time.perf_counter()
  sample().numpy()
  peer_s = time.perf_counter() - start
  print(f'tfp.distributions.PixelCNN (num_resnet={FLAGS.tfp_resnet}, '
        f'num_hierarchies={FLAGS.tfp_hierarchies}, '
        f'num_filters={FLAGS.tfp_filters}, '
        f'num_logistic_mix={FLAGS.tfp_mixtures}), batch {batch}, 32x32x3:')
  print(f'  one forward pass: ours {pass_s[0]:.3f} s, TFP {pass_s[1]:.3f} s '
        f'(ratio {pass_s[1] / pass_s[0]:.2f})')
  print(f'  sample(): {peer_s:.1f} s ({peer_s / batch:.2f} s per image, '
        f'{np.prod(image_shape[:2]) + 1} passes); ours fast with XLA '
        f'{ours_per_image:.3f} s per image: {peer_s / batch / ours_per_image:.1f}'
        'x faster per image\n', flush=True)


_SERVE = r'''
import json, sys, time
import numpy as np
import tensorflow as tf
loaded = tf.saved_model.load(sys.argv[1])
serve = loaded.signatures['serving_default']
batch, shape = int(sys.argv[2]), json.loads(sys.argv[3])
def call(b):
  tau = tf.random.uniform([b] + shape, seed=b)
  start = time.perf_counter()
  serve(tau=tau)['images'].numpy()
  return time.perf_counter() - start
first = call(1)
latency = sorted(call(1) for _ in range(3))[1]
call(batch)
batch_s = call(batch)
assert 'aiqn_tf' not in sys.modules
print(json.dumps(dict(first=first, latency=latency, batch_s=batch_s)))
'''


def serving(model, batch):
  """Latency and throughput through the exported SavedModel, without aiqn_tf."""
  with tempfile.TemporaryDirectory() as tmp:
    export_dir = os.path.join(tmp, 'export')
    export.export_sampler(model, export_dir)
    # -I: isolated, so neither the working directory nor PYTHONPATH can
    # bring in aiqn_tf.
    result = subprocess.run(
        [sys.executable, '-I', '-c', _SERVE, export_dir, str(batch),
         json.dumps(list(model.image_shape))],
        cwd=tmp, capture_output=True, text=True, check=True)
  times = json.loads(result.stdout.strip().splitlines()[-1])
  print('serving (SavedModel serving_default, loaded with '
        'tf.saved_model.load without aiqn_tf, paper size, XLA inside):')
  print(f'  first call {times["first"]:.1f} s (compiling); latency of one '
        f'image {times["latency"]:.2f} s; batch {batch}: '
        f'{times["batch_s"]:.1f} s, {batch / times["batch_s"]:.2f} images/s',
        flush=True)


def main(argv):
  del argv
  with report.recording(FLAGS.output, 'Sampling speed'):
    print(f'TensorFlow {tf.__version__}, TensorFlow Probability '
          f'{tfp.__version__}, CPU ({os.cpu_count()} cores)\n')
    per_image = {}
    for backbone in FLAGS.backbones:
      model, config = _model('cifar10', (32, 32, 3), backbone)
      if backbone == 'gated':
        paper, paper_config = model, config
      for batch in map(int, FLAGS.paper_batches):
        prefix = max(3, FLAGS.prefix * 4 // max(batch, 4))
        per_image[backbone, batch] = run('paper', model, config, batch, prefix)
      for name, shape, prefix in (('digits', (8, 8, 1), None),
                                  ('photos', (32, 32, 3), FLAGS.prefix)):
        model, config = _model(name, shape, backbone)
        run(f'{name} preset', model, config, config.loop.num_samples, prefix)
    if (FLAGS.tfp_batch or FLAGS.serving_batch) and 'gated' not in FLAGS.backbones:
      paper, paper_config = _model('cifar10', (32, 32, 3))
    if FLAGS.tfp_batch:
      batch = FLAGS.tfp_batch
      if ('gated', batch) not in per_image:
        per_image['gated', batch] = run(
            'paper', paper, paper_config, batch,
            max(3, FLAGS.prefix * 4 // max(batch, 4)))
      tfp_peer(paper, batch, per_image['gated', batch])
    if FLAGS.serving_batch:
      serving(paper, FLAGS.serving_batch)


if __name__ == '__main__':
  app.run(main)
