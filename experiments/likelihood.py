r"""PixelIQN's likelihood: its cost beside the fast sampler's, and its precision.

For each preset, a PixelIQN of the preset's size, trained (--model_dirs, run
directories) or with random weights (which cost the same; said so on the
page), on `batch` test images (digits: 300, photos: 100):

- the fast sampler on a batch of that size, and likelihood.log_prob and
  likelihood.invert on the test images, all XLA-compiled: the first call
  (tracing and compiling included) and, with --repeat, a second;
- the round trip at the search's precision: sample(invert(x)) == x on the
  model's own samples (every level reachable) and on the test images up to
  their first unreachable sub-pixel;
- the estimate's figures: bits/dim with the smoothing epsilon the
  evaluations use and with the model itself (epsilon = 0: infinite as soon
  as one sub-pixel is out of reach), the share of sub-pixels out of reach
  and where Q decreased on the grid;
- with --particle_counts, on the first preset: how the particles tighten
  log_prob's estimate and complete invert's round trip.

  python -m experiments.likelihood [--presets=digits,photos] [--batches=300,100] \
      [--model_dirs=runs/digits_iqn,] [--particles=8,1] [--repeat=digits] \
      [--log_prob_only=photos] \
      [--particle_counts=1,8,32]
"""

import time

from absl import app
from absl import flags
import numpy as np
import tensorflow as tf

import aiqn_tf
from aiqn_tf.core import images as image_lib
from aiqn_tf.data import datasets
from aiqn_tf.models.heads import likelihood
from aiqn_tf.models import noise as noise_lib
from aiqn_tf.runs import presets
from aiqn_tf.runs import run_dir
from aiqn_tf.testing import test_util
from experiments import report

FLAGS = flags.FLAGS
flags.DEFINE_list('presets', ['digits', 'photos'], 'Presets (their PixelIQN '
                  'size and dataset).')
flags.DEFINE_list('batches', ['300', '100'], 'Test images per preset.')
flags.DEFINE_list('model_dirs', [], 'A trained PixelIQN run per preset ('
                  'empty: random weights of the preset\'s size).')
flags.DEFINE_list('particles', [str(likelihood.PARTICLES), '1'],
                  'invert\'s particles per preset (log_prob: one, as the '
                  'evaluations).')
flags.DEFINE_list('particle_counts', [], 'Particle counts for a second '
                  'table on the first preset: bits/dim and the unreachable '
                  'share of log_prob, and the own samples invert gives back, '
                  'at each (empty: none).')
flags.DEFINE_list('log_prob_only', [], 'Presets timed on sampling and '
                  'log_prob only (no invert, no round trips: large images).')
flags.DEFINE_list('repeat', ['digits'], 'Presets timed a second time, '
                  'compiled.')
flags.DEFINE_string('output', 'docs/results/likelihood', 'Writes <output>.md '
                    '("": print only).')


def _model(preset, model_dir):
  if model_dir:
    config, model, step = run_dir.restore_average_model(model_dir)
    return model, config, f'trained, step {step} of {model_dir}'
  config = presets.preset(preset, 'pixel_iqn')
  spec = config.data.spec()
  model = aiqn_tf.PixelIQN.from_section(config.model, spec.image_shape)
  model.build_all()
  test_util.randomize_weights(model)
  return model, config, 'random weights'


def _timed(fn, repeat):
  """(result, seconds of the first call, of the second or None)."""
  start = time.perf_counter()
  result = tf.nest.map_structure(np.asarray, fn())
  first = time.perf_counter() - start
  if not repeat:
    return result, first, None
  start = time.perf_counter()
  fn()
  return result, first, time.perf_counter() - start


def _prefix_equal(again, images, reachable):
  """Share of the sub-pixels before the first unreachable one, and whether
  they all came back."""
  n = len(images)
  prefix = np.cumprod(reachable.reshape(n, -1), 1).astype(bool)
  same = again.reshape(n, -1)[prefix] == images.reshape(n, -1)[prefix]
  return prefix.mean(), bool(same.all()), int((~same).sum())


def run(preset, batch, model_dir, repeat, particles, log_prob_only=False):
  model, config, weights = _model(preset, model_dir)
  test = datasets.split_loader(config.data.spec())('test', batch)
  images = test['images'][:batch]
  batch = len(images)
  x = image_lib.to_float(images)
  tau = noise_lib.draw_noise((batch,) + model.image_shape, seed=0)
  sample = tf.function(lambda t: image_lib.to_uint8(model.sample(t, 'fast')),
                       jit_compile=True)
  samples, sample_first, sample_again = _timed(lambda: sample(tau), repeat)
  (log_p, parts), log_first, log_again = _timed(
      lambda: likelihood.log_prob(model, x, epsilon=likelihood.EPSILON),
      repeat)
  seconds = lambda first, again: f'{first:.1f}' + (
      f' ({again:.1f})' if again is not None else '')
  bits = likelihood.bits_per_dim(log_p, model.image_shape)
  if log_prob_only:
    print(f'| {preset} {"x".join(map(str, model.image_shape))} | {weights} | '
          f'{batch} | {seconds(sample_first, sample_again)} | '
          f'{seconds(log_first, log_again)} | - | - | - | '
          f'{np.mean(bits):.3f} | - | '
          f'{float(np.mean(parts["unreachable"])):.4f} | '
          f'{float(np.mean(parts["crossing"])):.4f} |', flush=True)
    return
  exact, _ = likelihood.log_prob(model, x)
  (inverse, reachable), invert_first, invert_again = _timed(
      lambda: likelihood.invert(model, x, particles=particles), repeat)
  own, own_reachable = likelihood.invert(model, image_lib.to_float(samples),
                                         particles=particles)
  own_again = sample(own).numpy()
  test_again = sample(inverse).numpy()
  share, same, wrong = _prefix_equal(test_again, images, reachable)
  exact_bits = likelihood.bits_per_dim(exact.numpy(), model.image_shape)
  print(f'| {preset} {"x".join(map(str, model.image_shape))} | {weights} | '
        f'{batch} | {seconds(sample_first, sample_again)} | '
        f'{seconds(log_first, log_again)} | '
        f'{seconds(invert_first, invert_again)} ({particles}) | '
        f'{np.mean(own_again == samples):.4f}, '
        f'{np.mean(np.all((own_again == samples).reshape(batch, -1), 1)):.3f}'
        ' | '
        f'{share:.3f}, {"all" if same else f"{wrong} differ"} | '
        f'{np.mean(bits):.3f} | {np.mean(exact_bits):.3f} | '
        f'{float(np.mean(parts["unreachable"])):.4f} | '
        f'{float(np.mean(parts["crossing"])):.4f} |', flush=True)


def particle_table(preset, batch, model_dir, counts):
  """How the particles tighten log_prob and complete invert."""
  model, config, weights = _model(preset, model_dir)
  images = datasets.split_loader(config.data.spec())('test', batch)['images']
  x = image_lib.to_float(images[:batch])
  tau = noise_lib.draw_noise((len(x),) + model.image_shape, seed=0)
  samples = image_lib.to_uint8(model.sample(tau, 'fast')).numpy()
  print(f'\n{preset}, {weights}, {len(x)} test images and as many samples: '
        'the particles of log_prob (smoothed as the evaluations) and of '
        'invert.\n')
  print('| particles | bits/dim smoothed | unreachable | own samples back '
        '(sub-pixels, images) |')
  print('|---|---|---|---|')
  for count in counts:
    log_p, parts = likelihood.log_prob(model, x, num_samples=count,
                                       epsilon=likelihood.EPSILON)
    own, _ = likelihood.invert(model, image_lib.to_float(samples),
                               particles=count)
    back = image_lib.to_uint8(model.sample(own, 'fast')).numpy() == samples
    print(f'| {count} | '
          f'{np.mean(likelihood.bits_per_dim(log_p, model.image_shape)):.3f}'
          f' | {float(np.mean(parts["unreachable"])):.4f} | '
          f'{np.mean(back):.4f}, '
          f'{np.mean(np.all(back.reshape(len(x), -1), 1)):.3f} |', flush=True)


def main(argv):
  del argv
  batches = [int(b) for b in FLAGS.batches]
  particles = [int(p) for p in FLAGS.particles]
  model_dirs = FLAGS.model_dirs + [''] * (len(FLAGS.presets) -
                                         len(FLAGS.model_dirs))
  ceiling = report.matmul_gflops()
  with report.recording(FLAGS.output, 'PixelIQN\'s likelihood: cost and '
                        'precision', markdown=True, ceiling=ceiling):
    print(f'Seconds on this machine (float32 matmul ceiling {ceiling:.0f} '
          'GFLOP/s), XLA-compiled, the first call with its compilation (in '
          'brackets: a second call). The search: '
          f'{likelihood.GRID} cells, ends to 1 / ({likelihood.GRID} * '
          f'{likelihood.SUB}^{likelihood.ROUNDS}), {likelihood.SLOTS} '
          f'switches refined per sub-pixel. bits/dim smoothed: epsilon = '
          f'{likelihood.EPSILON:g} (what evaluations report); the model '
          'itself: epsilon = 0. invert\'s particles in brackets after its '
          'time. Own samples: sample(invert(sample)) equal to the sample, '
          'share of sub-pixels and of whole images. Test images: the share of '
          'sub-pixels before the first unreachable one, and whether they '
          'came back.\n')
    print('| preset | weights | images | sample s | log_prob s | invert s | '
          'own samples back (sub-pixels, images) | test images back (prefix) | bits/dim smoothed | '
          'bits/dim itself | unreachable | crossing |')
    print('|---|---|---|---|---|---|---|---|---|---|---|---|')
    for preset, batch, model_dir, number in zip(FLAGS.presets, batches,
                                                model_dirs, particles):
      run(preset, batch, model_dir, preset in FLAGS.repeat, number,
          preset in FLAGS.log_prob_only)
    if FLAGS.particle_counts:
      particle_table(FLAGS.presets[0], batches[0], model_dirs[0],
                     [int(c) for c in FLAGS.particle_counts])


if __name__ == '__main__':
  app.run(main)
