r"""Samples a trained model with its Polyak-averaged weights.

  python -m binaries.sample --model_dir=runs/digits_iqn --num_samples=64 \
      --output=samples.png,samples.npz
  python -m binaries.sample --model_dir=runs/digits_iqn --inpaint \
      --fixed_rows=4 --output=inpaint.png
  python -m binaries.sample --model_dir=runs/digits_iqn_cond --labels=3,7 \
      --truncation=0.8 --output=threes_and_sevens.png

AIQN-VAE and VAE: tau [N, latent_dim] -> latent AIQN (or the Gaussian prior)
-> decoder, and reconstructions of test images:

  python -m binaries.sample --model_dir=runs/digits_aiqn_vae --output=aiqn.png
  python -m binaries.sample --model_dir=runs/digits_aiqn_vae \
      --method=prior --output=prior.png
  python -m binaries.sample --model_dir=runs/digits_aiqn_vae --reconstruct \
      --output=reconstructions.png

PixelIQN's sampler inverted: the tau of test images (sampling it gives each
image back wherever the model can reach its levels), and images between
pairs of them in tau:

  python -m binaries.sample --model_dir=runs/digits_iqn --invert \
      --num_samples=8 --interpolate=6 --output=between.png,between.npz

A model of sequences or vectors (core/events.py) writes them to the .npz
under their own key, as the data stores them (float32 for continuous
values), and plots them in the .png:

  python -m binaries.sample --model_dir=runs/my_series --num_samples=8 \
      --output=series.png,series.npz

A model of vectors also writes them as rows of a .csv, in the units of the
table it was trained on (csv:FILE data: the standardisation undone), and
pictures 2-D ones as a scatter plot:

  python -m binaries.sample --model_dir=runs/wine --num_samples=500 \
      --output=wine_samples.csv

A model of sound (sequences with a sample rate, e.g. --preset=speech)
writes a 16-bit WAV file per sample (speech.wav: speech_000.wav, ...), and
spectrograms in the .png:

  python -m binaries.sample --model_dir=runs/speech --labels=7 \
      --num_samples=4 --output=sevens.wav,sevens.png

--inpaint continues test sequences after their first --fixed_steps steps
(the 1-D inpainting), each original pictured above its continuation:

  python -m binaries.sample --model_dir=runs/speech --inpaint \
      --fixed_steps=2048 --num_samples=4 --output=continued.wav,continued.png

The same --seed gives the same images. The .npz holds `images` uint8
[N,H,W,C], the `tau` (noise) used, `labels`, when inpainting or
reconstructing or inverting the `originals`, for AIQN-VAE / VAE the latent
`codes`, and with --invert `reachable` (bool, per sub-pixel of the originals:
False where the model cannot produce its level, its tau then clamped).
"""

import sys
import time

from absl import app
from absl import flags
import numpy as np
import tensorflow as tf

from aiqn_tf.core import audio
from aiqn_tf.core import grids
from aiqn_tf.core import images as image_lib
from aiqn_tf.data import csv_tables
from aiqn_tf.data import datasets
from aiqn_tf.evaluation import evaluate as evaluation
from aiqn_tf.models import noise as noise_lib
from aiqn_tf.runs import config as config_lib
from aiqn_tf.runs import run_dir
from aiqn_tf.training import distribute

FLAGS = flags.FLAGS
flags.DEFINE_string('model_dir', None, 'Training run directory.')
flags.DEFINE_integer('num_samples', 16, 'Images to sample.', lower_bound=1)
flags.DEFINE_integer('batch_size', 16, 'Images per batch.', lower_bound=1)
flags.DEFINE_integer('seed', 0, 'Noise seed: the same seed, the same images.')
flags.DEFINE_string('method', None, 'The model\'s sampler (default: its '
                    'first). PixelIQN / PixelCNN: fast (exact, cached) or '
                    'sequential (reference); AIQN-VAE: aiqn or prior.')
flags.DEFINE_list('labels', None, 'Class labels, cycled over the samples '
                  '(class-conditional models; default: 0, 1, 2, ...).')
flags.DEFINE_float('truncation', 1.0, 'Noise drawn from [0.5 - a/2, 0.5 + '
                   'a/2]; 1 is the model itself.')
flags.DEFINE_bool('inpaint', False, 'Complete test images of the model\'s '
                  'dataset from their top --fixed_rows rows (sequences: '
                  'continue them after their first --fixed_steps steps).')
flags.DEFINE_integer('fixed_rows', None, 'Rows kept when inpainting '
                     '(default: half the image).')
flags.DEFINE_integer('fixed_steps', None, 'Sequences: steps kept when '
                     'continuing them with --inpaint (default: half).')
flags.DEFINE_string('latent_sampler', None, 'Deprecated (dropped in 0.5.0): '
                    'the first name of --method.')
flags.DEFINE_bool('reconstruct', False, 'AIQN-VAE / VAE: reconstruct test '
                  'images (decoded posterior means) instead of sampling.')
flags.DEFINE_bool('invert', False, 'PixelIQN: the tau of --num_samples test '
                  'images (likelihood.invert), and the images sampled back '
                  'from it below them.')
flags.DEFINE_integer('interpolate', 0, 'With --invert: this many images '
                     'between each consecutive pair of test images, sampled '
                     'from tau interpolated through the Gaussian\'s quantiles '
                     '(noise.interpolate); one row a pair.', lower_bound=0)
flags.DEFINE_string('data_dir', None, 'tfds data directory (--inpaint, '
                    '--reconstruct, --invert).')
flags.DEFINE_string('raw_dir', None, 'Raw downloads (--inpaint, '
                    '--reconstruct).')
flags.DEFINE_bool('xla', True, 'Compile the sampler with XLA (jit_compile): '
                  'the fast sampler is several times faster on CPU.')
flags.DEFINE_enum('strategy', 'auto', list(config_lib.STRATEGIES),
                  'Where to sample: auto (mirrored over local GPUs, else one '
                  'device), mirrored, multi_worker, one_device. Each replica '
                  'samples its slice of the same noise: the same images.')
flags.DEFINE_integer('cpu_replicas', 0, 'Split the CPU into this many logical '
                     'devices (to try mirrored sampling on CPU).')
flags.DEFINE_list('output', ['samples.png'], 'Output files: .png (a grid), '
                  '.npz (arrays) and, for sound, .wav (one file a sample).')


def _labels(num_classes, num_samples):
  if not num_classes:
    if FLAGS.labels:
      raise app.UsageError('--labels needs a class-conditional model.')
    return None
  values = [int(v) for v in FLAGS.labels] if FLAGS.labels else list(
      range(num_classes))
  bad = [v for v in values if not 0 <= v < num_classes]
  if bad:
    raise app.UsageError(f'--labels {bad} outside [0, {num_classes}).')
  return np.resize(np.array(values, np.int32), num_samples)


def _originals(data, num_samples):
  test = datasets.as_arrays(data.spec(), 'test', limit=num_samples,
                            data_dir=FLAGS.data_dir, raw_dir=FLAGS.raw_dir)
  return test[data.spec().event_space.key], test.get('labels')


def _method(model):
  """--method or --latent_sampler, checked by the model."""
  if FLAGS.method and FLAGS.latent_sampler and (
      FLAGS.method != FLAGS.latent_sampler):
    raise app.UsageError('--latent_sampler is another name for --method; '
                         'give one.')
  try:
    return model.check_method(FLAGS.latent_sampler or FLAGS.method)
  except ValueError as e:
    raise app.UsageError(str(e)) from e


def main(argv):
  del argv
  for path in FLAGS.output:
    if not path.endswith(('.png', '.npz', '.wav', '.csv')):
      raise app.UsageError(f'--output {path!r}: use .png, .npz and (for '
                           'sound) .wav, (for vectors) .csv.')
  strategy = distribute.make_strategy(FLAGS.strategy, FLAGS.cpu_replicas)
  try:
    with strategy.scope():
      config, model, step = run_dir.restore_average_model(FLAGS.model_dir)
  except FileNotFoundError as e:
    raise app.UsageError(str(e)) from e
  wavs = [path for path in FLAGS.output if path.endswith('.wav')]
  if wavs and not model.space.is_audio:
    raise app.UsageError(f'--output {wavs[0]!r}: WAV files are for models of '
                         f'sound; this one\'s events are '
                         f'{model.space.describe()} (use .png or .npz).')
  tables = [path for path in FLAGS.output if path.endswith('.csv')]
  if tables and model.space.kind != 'vectors':
    raise app.UsageError(f'--output {tables[0]!r}: CSV files are for models '
                         f'of vectors; this one\'s events are '
                         f'{model.space.describe()}.')
  if FLAGS.inpaint and not model.can_inpaint:
    raise app.UsageError(f'{config.model_name} cannot --inpaint' + (
        '; it can --reconstruct.' if
        model.can_reconstruct else '.'))
  if FLAGS.reconstruct and not model.can_reconstruct:
    raise app.UsageError(f'{config.model_name} cannot --reconstruct.')
  if FLAGS.interpolate and not FLAGS.invert:
    raise app.UsageError('--interpolate goes with --invert.')
  if FLAGS.invert and not model.can_invert:
    raise app.UsageError(f'{config.model_name} has no tau to --invert (a '
                         'PixelIQN has).')
  if FLAGS.inpaint and model.space.kind == 'vectors':
    raise app.UsageError(
        '--inpaint completes images from their top rows and continues '
        f'sequences; this model\'s events are {model.space.describe()}.')
  method = _method(model)
  space = model.space
  num = FLAGS.num_samples
  labels = _labels(model.num_classes, num)
  originals, num_fixed = None, 0
  if FLAGS.reconstruct:
    originals, _ = _originals(config.data, num)
    reconstructions = _reconstruct(model, originals, FLAGS.batch_size)
    _write(FLAGS.output, reconstructions, originals, None, None, None, step,
           space)
    return
  if FLAGS.invert:
    _invert(model, config, method, num, step)
    return
  if FLAGS.inpaint:
    num_fixed = _num_fixed(model)
    originals, test_labels = _originals(config.data, num)
    num = len(originals)
    if labels is not None and not FLAGS.labels:
      labels = test_labels
  try:
    noise = noise_lib.draw_noise((num,) + tuple(model.noise_shape),
                                FLAGS.seed, FLAGS.truncation).numpy()
  except ValueError as e:
    raise app.UsageError(str(e)) from e
  start_time = time.time()

  def progress(done, total):
    elapsed = time.time() - start_time
    sys.stderr.write(f'\rsampled {done}/{total} images ({method}), '
                     f'{elapsed:.0f}s elapsed, '
                     f'{elapsed / done * (total - done):.0f}s left ')
    sys.stderr.flush()

  samples = evaluation.sample_images(
      model, noise, method, labels, originals, num_fixed, FLAGS.batch_size,
      FLAGS.xla, progress, strategy)
  sys.stderr.write('\n')
  codes = (model.codes(noise, method).numpy()
           if method in model.latent_methods else None)
  _write(FLAGS.output, samples, originals, noise, labels, codes, step, space,
         data_spec=config.data.spec())


def _num_fixed(model):
  """The values --inpaint keeps: --fixed_rows rows of an image, or the first
  --fixed_steps steps of a sequence."""
  if model.space.kind == 'sequences':
    steps, channels = model.image_shape
    fixed = steps // 2 if FLAGS.fixed_steps is None else FLAGS.fixed_steps
    if not 0 <= fixed <= steps:
      raise app.UsageError(f'--fixed_steps must be in [0, {steps}].')
    return fixed * channels
  height, width, channels = model.image_shape
  fixed_rows = height // 2 if FLAGS.fixed_rows is None else FLAGS.fixed_rows
  if not 0 <= fixed_rows <= height:
    raise app.UsageError(f'--fixed_rows must be in [0, {height}].')
  return fixed_rows * width * channels


def _invert(model, config, method, num, step):
  """--invert (and --interpolate): test images' tau, sampled back."""
  originals, labels = _originals(config.data, num)
  if not model.num_classes:
    labels = None
  taus, reachable = [], []
  for i in range(0, len(originals), FLAGS.batch_size):
    try:
      tau, ok = model.invert(
          image_lib.to_float(originals[i:i + FLAGS.batch_size]),
          None if labels is None else labels[i:i + FLAGS.batch_size])
    except NotImplementedError as e:
      raise app.UsageError(str(e)) from e
    taus.append(tau.numpy())
    reachable.append(ok.numpy())
  tau, reachable = np.concatenate(taus), np.concatenate(reachable)
  print(f'{reachable.mean():.1%} of the sub-pixels reachable; '
        f'{np.all(reachable.reshape(len(tau), -1), 1).mean():.1%} of the '
        'images wholly')
  if not FLAGS.interpolate:
    samples = evaluation.sample_images(model, tau, method, labels, None, 0,
                                       FLAGS.batch_size, FLAGS.xla)
    _write(FLAGS.output, samples, originals, tau, labels, None, step,
           model.space, reachable)
    return
  if len(tau) < 2:
    raise app.UsageError('--interpolate needs --num_samples >= 2.')
  # Each pair's path, start and end included; a class-conditional model
  # keeps the first image's label along it.
  pairs = range(0, len(tau) - 1, 2)
  steps = FLAGS.interpolate + 2
  noise = np.concatenate([noise_lib.interpolate(tau[p], tau[p + 1],
                                                steps).numpy() for p in pairs])
  path_labels = None if labels is None else np.repeat(labels[::2][:len(pairs)],
                                                      steps)
  samples = evaluation.sample_images(model, noise, method, path_labels, None,
                                     0, FLAGS.batch_size, FLAGS.xla)
  rows = [np.concatenate([originals[p:p + 1], samples[r * steps:(r + 1) *
                                                      steps],
                          originals[p + 1:p + 2]]) for r, p in enumerate(pairs)]
  for path in FLAGS.output:
    if path.endswith('.npz'):
      np.savez_compressed(path, images=samples, tau=noise, step=step,
                          originals=originals, reachable=reachable,
                          inverted_tau=tau,
                          **({} if labels is None else dict(labels=labels)))
    elif path.endswith('.wav'):
      _write_wavs(path, samples, model.space)
      continue
    else:
      grids.write_png(path, grids.picture(np.concatenate(rows), model.space,
                                          num_cols=steps + 2))
    print(f'Wrote {path}')


def _reconstruct(model, originals, batch_size):
  reconstruct = tf.function(lambda x: image_lib.to_uint8(
      model.reconstruct(image_lib.to_float(x))))
  return np.concatenate([reconstruct(originals[i:i + batch_size]).numpy()
                         for i in range(0, len(originals), batch_size)])


def _write(paths, samples, originals, noise, labels, codes, step, space,
           reachable=None, data_spec=None):
  """Writes each .npz / .png / .wav / .csv of `paths`; originals go above
  their results in a .png; a .csv holds vectors in the table's own units
  (data_spec's standardization undone, csv_tables.to_table).

  The samples are stored under the event space's key ("images", or
  "sequences" and "vectors", as the data stores them) and pictured by
  grids.picture (an image grid, spectrograms of sound, or line plots).
  """
  num = len(samples)
  for path in paths:
    if path.endswith('.npz'):
      arrays = {space.key: samples, 'step': step}
      for name, value in (('tau', noise), ('labels', labels),
                          ('originals', originals), ('codes', codes),
                          ('reachable', reachable)):
        if value is not None:
          arrays[name] = value[:num]
      np.savez_compressed(path, **arrays)
    elif path.endswith('.wav'):
      _write_wavs(path, samples, space)
      continue
    elif path.endswith('.csv'):
      csv_tables.write(path, space.to_float(samples).numpy(), data_spec)
    else:
      shown = samples
      if originals is not None:  # Originals above their completions.
        shown = np.concatenate([originals, samples])
      grids.write_png(path, grids.picture(
          shown, space,
          num_cols=min(num, 16) if originals is not None else None))
    print(f'Wrote {path}')


def _write_wavs(path, samples, space):
  """Writes each sample of sound as PATH_000.wav, PATH_001.wav, ..."""
  stem = path[:-len('.wav')]
  waves = space.to_waveform(samples).numpy()
  for k, wave in enumerate(waves):
    audio.write_wav(f'{stem}_{k:03d}.wav', wave, space.rate)
  print(f'Wrote {stem}_000.wav ... {stem}_{len(waves) - 1:03d}.wav')


def run():
  """The `aiqn-sample` console command (pyproject.toml)."""
  # absl's --help prints the __main__ module's docstring: the console
  # command's own wrapper has none.
  sys.modules['__main__'].__doc__ = __doc__
  flags.mark_flag_as_required('model_dir')
  app.run(main)


if __name__ == '__main__':
  run()
