r"""What separates PixelIQN's samples from PixelCNN's: coverage, the
quantiles' range, off-level context and the past tau, one factor at a time
(issue: where PixelIQN loses to PixelCNN).

For trained runs of one dataset (--runs, label=run directory, the seeds of
one model sharing a label), draws --num_samples samples of each from its
Polyak-averaged weights and measures, against as many training images:

- FID, and the improved precision and recall of Kynkaanniemi et al. (2019,
  k = 3) in the dataset classifier's features: precision, the share of
  samples inside the data's manifold; recall, the share of data inside the
  samples'; the test images' figures are the floor;
- nearest-neighbour distances in pixels (root mean square over sub-pixels,
  0-255 scale) from samples to the training images, beside the test
  images' (a model that memorises sits nearer; one that covers little does
  not move them much);
- for PixelIQN runs, the same with each sub-pixel's quantile widened about
  its median while sampling, y = Q(1/2) + s (Q(tau) - Q(1/2)), for every s
  of --spreads: if PixelIQN's quantiles are too narrow (its samples cover
  too little of the data), widening them (s > 1) raises its recall and
  lowers its FID; if not, it does not;
- with --context, what off-level context does (PixelIQN puts most of its
  values between the data's levels, and every later sub-pixel is drawn
  given them, while it trained on data only on them): PixelIQN's values
  snapped to the nearest of the data's levels after sampling (the values'
  statistics made the data's) and as they are drawn (the context made the
  data's too), and PixelCNN's values moved off its levels as they are drawn
  by residuals drawn from PixelIQN's own (value minus nearest level), then
  snapped back after sampling (its values unchanged, its context
  PixelIQN's). If off-level context costs PixelIQN its precision, snapping
  as drawn gains over snapping after, and the residuals cost PixelCNN;
- with --black, what the data's point mass at black does (a quantile
  function can hold it only with a flat stretch, and draws faint grey
  instead): PixelIQN's darkest values set to black, after sampling and as
  drawn, so that its share of black sub-pixels is the training images'. If
  the grey background costs PixelIQN, these gain;
- with --past_tau=M,..., what the past tau do (the network sees the tau of
  every sub-pixel before the current one: independent of the past values
  in training, their cause in sampling): PixelIQN drawn with other,
  independent tau before each sub-pixel, its output averaged over M such
  draws (its own tau at the sub-pixel itself). If the dependence between
  past tau and past values costs PixelIQN its precision, this gains;
- with --truncations=a,..., every model drawn from its noise truncated to
  [1/2 - a/2, 1/2 + a/2] (`noise.draw_noise`): the outer (1 - a) of every
  conditional out of reach, as the quantile function's range leaves
  PixelIQN's held-out levels out of reach. If a model without its tails
  gets PixelIQN's precision and recall, missing tails are enough to give
  them. With --truncated_rows=r only the first r rows' noise is truncated
  (the rest as drawn untruncated): where the FID gap is made in the first
  rows, this tests whether their missing tails make it;
- with --calibrate, how well each model's conditionals fit held-out images
  (the randomised PIT of every test sub-pixel given its true past,
  `calibration.pit`: uniform if they are the data's; its variance times 12
  above 1 and its outer tenth above 0.1 if they are over-confident; also
  apart for black, grey and white sub-pixels), a picture of its histograms
  (<output>_pit.png), and
  every pixel model drawn with its noise remapped to the PIT's law
  (`calibration.recalibrated_noise`): if over-confident conditionals cost a
  model its recall, this gains.

  python -m experiments.coverage --dataset=digits \
      --runs=PixelIQN=runs/quality/digits/pixel_iqn_seed0,... \
      [--spreads=0.9,1.1,1.25,1.5] [--context] [--black] [--past_tau=1,8] \
      [--truncations=0.94,0.8 [--truncated_rows=2]] [--calibrate] \
      [--fixed_rows=2,4,6]
"""

import collections

from absl import app
from absl import flags
import numpy as np
import tensorflow as tf

from aiqn_tf.core import images as image_lib
from aiqn_tf.data import datasets
from aiqn_tf.evaluation import classifier_training
from aiqn_tf.evaluation import metrics
from aiqn_tf.models import noise as noise_lib
from aiqn_tf.models.layers import slicing
from aiqn_tf.runs import run_dir
from experiments import _calibration as calibration
from experiments import _sampler_ablations as ablations
from experiments import report

FLAGS = flags.FLAGS
flags.DEFINE_string('dataset', 'digits', 'Bundled dataset of the runs.')
flags.DEFINE_list('runs', [], 'label=run directory, one per run; runs with '
                  'one label are its seeds.')
flags.DEFINE_list('spreads', ['0.9', '1.1', '1.25', '1.5'], 'Widenings s of '
                  'PixelIQN\'s quantiles about their median (1: as trained).')
flags.DEFINE_bool('context', False, 'Also the off-level context rows: '
                  'PixelIQN snapped after sampling and as drawn, PixelCNN '
                  'given PixelIQN\'s residuals as drawn (list a PixelIQN '
                  'run before them).')
flags.DEFINE_list('past_tau', [], 'For PixelIQN runs, rows with the past '
                  'tau redrawn: M independent draws averaged, for each M.')
flags.DEFINE_bool('black', False, 'For PixelIQN runs, rows with its '
                  'darkest values set to black after sampling and as drawn, '
                  'so that its share of black sub-pixels is the training '
                  'images\'.')
flags.DEFINE_list('truncations', [], 'Rows with every model\'s noise '
                  'truncated to [1/2 - a/2, 1/2 + a/2], for each a.')
flags.DEFINE_integer('truncated_rows', 0, 'With --truncations, truncate '
                     'the noise of the first this many image rows only '
                     '(0: every row).')
flags.DEFINE_bool('calibrate', False, 'Also the PIT of the test images '
                  'under each model (columns) and a row with its noise '
                  'remapped to the PIT\'s law.')
flags.DEFINE_list('fixed_rows', [], 'Rows with every pixel model completing '
                  'the test images and the other labels\' samples from '
                  'their first r rows, for each r.')
flags.DEFINE_integer('num_samples', 300, 'Samples, training and test images.')
flags.DEFINE_integer('seed', 0, 'Of the samples\' noise.')
flags.DEFINE_string('output', None, 'Writes <output>.md (default: '
                    'docs/results/coverage_<dataset>).')


def truncated_noise(noise, truncation, rows, seed):
  """`noise` whose first `rows` image rows (all: 0) are truncated.

  The truncated rows are `noise.draw_noise(..., truncation)` of the same
  seed, so a row's noise is the same monotone map of one uniform draw
  either way.
  """
  truncated = noise_lib.draw_noise(noise.shape, seed=seed,
                                   truncation=truncation)
  if not rows:
    return truncated
  return tf.concat([truncated[:, :rows], noise[:, rows:]], 1)


def completed(model, noise, prefix, rows):
  """`model`'s samples from `noise` with the first `rows` image rows of
  `prefix` (uint8 [N, H, W, C]) kept: the sampler's inpainting."""
  return model.sample(noise, 'fast', images=image_lib.to_float(prefix),
                      num_fixed=rows * int(np.prod(model.image_shape[1:])))


def class_shares(classifier, images):
  """Share of `images` (uint8) the classifier puts in each class, [K]."""
  logits = metrics.classifier_outputs(classifier, images)[1]
  return np.bincount(np.argmax(logits, -1), minlength=logits.shape[-1]) / len(
      images)


def class_balance(classifier, images, data_shares):
  """How the classes the classifier sees in `images` differ from the data's.

  Args:
    classifier: see `metrics.classifier_outputs`.
    images: uint8 [N, H, W, C].
    data_shares: `class_shares` of the training images, or None (a
      classifier without classes).

  Returns:
    {} without data_shares; else class_tv, the total variation distance
    between the two class shares (0: the data's balance; a model that drops
    or favours classes moves it), and smallest_class, the smallest class's
    share of `images`.
  """
  if data_shares is None:
    return {}
  shares = class_shares(classifier, images)
  return dict(class_tv=0.5 * float(np.abs(shares - data_shares).sum()),
              smallest_class=float(shares.min()))


def scores(classifier, samples, train, test, data_shares):
  """metrics.evaluate's figures, NN distances and the `class_balance`."""
  results = metrics.evaluate(classifier, samples, train, test)
  results['nn'] = float(np.mean(metrics.nearest_distances(samples, train)))
  results.update(class_balance(classifier, samples, data_shares))
  return results


def context_settings(model, noise, levels, residuals, seed=0):
  """[(label suffix, f() -> float samples)] of the off-level context rows.

  PixelIQN: snapped after sampling, and as drawn. Another pixel model: its
  values moved by PixelIQN's residuals (drawn from `residuals`, a list of
  float arrays; no row while it is empty) as drawn, snapped after.
  """
  snap = lambda v: ablations.snap(v, levels)
  fed_back = tf.function(
      lambda t, feed: ablations.fed_back_sample(model, t, feed),
      jit_compile=True)
  if model.uses_tau:
    return [(', snapped after', lambda: snap(model.sample(noise, 'fast'))),
            (', snapped as drawn', lambda: fed_back(
                noise, lambda v, i, j: snap(v)))]
  if not residuals:
    return []
  pool = np.concatenate([r.ravel() for r in residuals])
  moves = tf.constant(np.random.default_rng(seed).choice(
      pool, noise.shape).astype(np.float32))
  move = lambda v, i, j: tf.clip_by_value(v + slicing.take(slicing.take(
      moves, 1, i), 2, j), -1.0, 1.0)
  return [(', PixelIQN\'s residuals as drawn', lambda: snap(fed_back(
      noise, move)))]


def black_settings(model, noise, share):
  """[(label suffix, f() -> float samples)] of the black rows.

  PixelIQN's values at or below the threshold that makes `share` of its
  sample black (its own sample's quantile at `share`) set to black, after
  sampling and as drawn (so that later sub-pixels see black context). If the
  faint grey a quantile function draws for the data's point mass at black
  is what costs PixelIQN, these gain.
  """
  values = model.sample(noise, 'fast')
  threshold = ablations.black_threshold(values, share)
  fed_back = tf.function(
      lambda t: ablations.fed_back_sample(
          model, t, lambda v, i, j: ablations.to_black(v, threshold)),
      jit_compile=True)
  return [(', black after', lambda: ablations.to_black(values, threshold)),
          (', black as drawn', lambda: fed_back(noise))]


def pit_by_level(u, images):
  """The PIT summary of black, grey (1-254) and white sub-pixels, a line."""
  parts = []
  for name, where in (('black', images == 0),
                      ('1-254', (images > 0) & (images < 255)),
                      ('white', images == 255)):
    if np.any(where):
      part = calibration.summary(u[where])
      parts.append(f'{name} ({np.mean(where):.3f} of the sub-pixels): var x '
                   f'12 {part["variance_ratio"]:.3f}, outer tenth '
                   f'{part["tails"]:.3f}, at 0 or 1 {part["beyond"]:.3f}')
  return '; '.join(parts)


def pit_by_row(u):
  """The PIT's variance x 12 and share at 0 or 1 of each image row, a line.

  u: PIT values [N, H, W, C]. Rows in raster order: the first rows have
  the least past to condition on.
  """
  parts = []
  for i in range(u.shape[1]):
    part = calibration.summary(u[:, i])
    parts.append(f'{i}: {part["variance_ratio"]:.2f} / {part["beyond"]:.3f}')
  return '; '.join(parts)


def pit_picture(histograms, path):
  """Each label's test PIT histogram (mean over its runs) against uniform."""
  import matplotlib  # pylint: disable=g-import-not-at-top
  matplotlib.use('Agg')
  from matplotlib import pyplot  # pylint: disable=g-import-not-at-top
  figure, axes = pyplot.subplots(1, len(histograms), sharey=True,
                                 figsize=(3.2 * len(histograms), 2.8))
  for axis, (label, runs) in zip(np.atleast_1d(axes), histograms.items()):
    shares = np.mean(runs, 0)
    axis.bar((np.arange(len(shares)) + 0.5) / len(shares), shares,
             width=1.0 / len(shares), color='C0')
    axis.axhline(1.0 / len(shares), color='grey', linestyle='--',
                 label='uniform (calibrated)')
    axis.set_title(label, fontsize=9)
    axis.set_xlabel('PIT of test sub-pixels')
  np.atleast_1d(axes)[0].set_ylabel('share')
  np.atleast_1d(axes)[0].legend(fontsize=7)
  figure.tight_layout()
  figure.savefig(path, dpi=100)
  pyplot.close(figure)


def handoff_table(rows, labels, r):
  """Markdown lines: FID / recall by who drew rows 0..r-1 and who the rest.

  rows: {row name: [results]} as main records them (a label's own samples
  under the label, completions under '<label>, rows 0-<r-1> from <source>').
  """
  lines = [f'| rows 0-{r - 1} drawn by | ' + ' | '.join(
      f'rest by {label}' for label in labels) + ' |',
           '|---' * (len(labels) + 1) + '|']
  for source in list(labels) + ['the test images']:
    cells = []
    for label in labels:
      results = rows.get(label if source == label else
                         f'{label}, rows 0-{r - 1} from {source}')
      cells.append('-' if not results else (
          _cell([x['fid'] for x in results], 2) + ' / ' +
          _cell([x['recall'] for x in results], 3)))
    lines.append(f'| {source} | ' + ' | '.join(cells) + ' |')
  return lines


def _cell(values, digits):
  if any(v is None for v in values):
    return '-'
  if len(values) == 1:
    return f'{values[0]:.{digits}f}'
  return f'{np.mean(values):.{digits}f} +- {np.std(values):.{digits}f}'


def main(argv):
  del argv
  if not FLAGS.runs:
    raise app.UsageError('Give --runs=label=run_directory,...')
  runs = collections.OrderedDict()
  for item in FLAGS.runs:
    label, _, directory = item.partition('=')
    if not directory:
      raise app.UsageError(f'--runs items are label=run_directory, got '
                           f'{item!r}.')
    runs.setdefault(label, []).append(directory)
  spec = datasets.get_spec(FLAGS.dataset)
  height = spec.image_shape[0]
  if any(not 0 < int(r) < height for r in FLAGS.fixed_rows):
    raise app.UsageError(f'--fixed_rows are rows strictly inside the '
                         f'{height}-row images, got {FLAGS.fixed_rows}.')
  if not 0 <= FLAGS.truncated_rows < height or (FLAGS.truncated_rows and
                                                  not FLAGS.truncations):
    raise app.UsageError(f'--truncated_rows is a row count in [0, {height}) '
                         f'and needs --truncations, got '
                         f'{FLAGS.truncated_rows}.')
  load = datasets.split_loader(spec)
  train = load('train', FLAGS.num_samples)['images']
  test = load('test', FLAGS.num_samples)['images']
  classifier = classifier_training.resolve('dataset', None, spec)[0]
  data_shares = class_shares(classifier, train) if getattr(
      classifier, 'task', 'classes') == 'classes' else None
  levels = ablations.data_levels(train)
  residuals = []  # PixelIQN's values minus their nearest level, as drawn.
  histograms = collections.OrderedDict()  # label: the runs' test PITs.
  rows = collections.OrderedDict()
  # label: (model, noise, samples uint8, where) of its first run.
  drawn = collections.OrderedDict()

  def record(name, where, images, extra):
    """Scores `images` (uint8) as a run of row `name` and prints them."""
    result = scores(classifier, images, train, test, data_shares)
    result['black'] = float(np.mean(images == 0))
    result.update(extra)
    rows.setdefault(name, []).append(result)
    print(f'- {name}, {where}: FID {result["fid"]:.2f} (against test '
          f'{result["fid_against_test"]:.2f}), precision '
          f'{result["precision"]:.3f}, recall {result["recall"]:.3f}, NN '
          f'{result["nn"]:.2f}, black {result["black"]:.3f}, class TV '
          f'{result.get("class_tv", float("nan")):.3f}' + (
              f', PIT var x 12 {result["pit_variance_ratio"]:.3f}, outer '
              f'tenth {result["pit_tails"]:.3f}' if extra else ''),
          flush=True)

  spreads = [float(s) for s in FLAGS.spreads]
  columns = (('fid', 'FID', 2), ('fid_against_test', 'FID against test', 2),
             ('precision', 'precision', 3),
             ('recall', 'recall', 3), ('nn', 'NN distance', 2),
             ('black', 'share black', 3), ('class_tv', 'class TV', 3),
             ('smallest_class', 'smallest class', 3))
  if FLAGS.calibrate:
    columns += (('pit_variance_ratio', 'PIT var x 12', 3),
                ('pit_tails', 'PIT outer tenth', 3),
                ('pit_beyond', 'PIT at 0 or 1', 3))
  output = FLAGS.output or f'docs/results/coverage_{FLAGS.dataset}'
  with report.recording(output, f'What separates PixelIQN from PixelCNN on '
                        f'{FLAGS.dataset}, one factor at a time',
                        markdown=True):
    for label, directories in runs.items():
      for directory in directories:
        _, model, step = run_dir.restore_average_model(directory)
        tau = noise_lib.draw_noise((FLAGS.num_samples,) + model.image_shape,
                                   seed=FLAGS.seed)
        settings = [('', lambda m=model: m.sample(tau, 'fast'))]
        if model.uses_tau:
          widened = tf.function(
              lambda t, s, m=model: ablations.widened_sample(m, t, s),
              jit_compile=True)
          settings += [(f', s = {s:g}', lambda s=s: widened(
              tau, tf.constant(s))) for s in spreads]
        if FLAGS.context:
          settings += context_settings(model, tau, levels, residuals)
        if model.uses_tau and FLAGS.black:
          settings += black_settings(model, tau, np.mean(train == 0))
        if model.uses_tau:
          settings += [(f', past tau redrawn (M = {m})',
                        lambda m=int(m), model=model: ablations.past_tau_sample(
                            model, tau, noise_lib.draw_noise(
                                (m,) + tuple(tau.shape), seed=FLAGS.seed + 1)))
                       for m in FLAGS.past_tau]
        settings += [(f', truncation {a}' + (
            f' in rows 0-{FLAGS.truncated_rows - 1}' if FLAGS.truncated_rows
            else ''), lambda a=float(a), m=model: m.sample(
                truncated_noise(tau, a, FLAGS.truncated_rows, FLAGS.seed),
                'fast')) for a in FLAGS.truncations]
        settings += [(f', rows 0-{int(r) - 1} from the test images',
                      lambda r=int(r), m=model: completed(m, tau, test, r))
                     for r in FLAGS.fixed_rows if model.can_inpaint]
        pit = {}
        if FLAGS.calibrate:
          u = calibration.pit(model, test, seed=FLAGS.seed)
          pit = {'pit_' + k: v for k, v in calibration.summary(
              u, bins=20).items()}
          histograms.setdefault(f'{label} (step {step})', []).append(
              pit.pop('pit_histogram'))
          print(f'- {label}, {directory}: the test PIT by level: '
                f'{pit_by_level(u, test)}', flush=True)
          print(f'- {label}, {directory}: the test PIT by row (var x 12 / '
                f'at 0 or 1): {pit_by_row(u)}', flush=True)
          settings.append((', noise from the test PIT', lambda m=model, u=u: (
              m.sample(calibration.recalibrated_noise(u, tau), 'fast'))))
        for suffix, sample in settings:
          values = sample()
          if model.uses_tau and not suffix:
            residuals.append((values - ablations.snap(values, levels)).numpy())
          images = image_lib.to_uint8(values).numpy()
          if not suffix:
            drawn.setdefault(label, (model, tau, images,
                                     f'{directory} (step {step})'))
          record(label + suffix, f'{directory} (step {step})', images,
                 {} if suffix else pit)
    for label, (model, tau, _, where) in drawn.items():
      if not model.can_inpaint:
        continue
      for other, (_, _, prefix, _) in drawn.items():
        for r in (int(r) for r in FLAGS.fixed_rows if other != label):
          record(f'{label}, rows 0-{r - 1} from {other}', where,
                 image_lib.to_uint8(completed(model, tau, prefix,
                                              r)).numpy(), {})
    first = next(iter(rows.values()))[0]
    rows['test images'] = [dict(fid=first['fid_floor'],
                                precision=first['test_precision'],
                                recall=first['test_recall'],
                                nn=float(np.mean(metrics.nearest_distances(
                                    test, train))),
                                black=float(np.mean(test == 0)),
                                **class_balance(classifier, test,
                                                data_shares))]
    print(f'\n{FLAGS.num_samples} samples against as many training images; '
          'mean +- standard deviation over the runs of a label. FID against '
          'test: the samples\' FID against the test images (its floor is '
          'the FID column\'s, the training images against the test '
          'images). NN distance: '
          'root mean square pixel distance (0-255) to the nearest training '
          'image. s: the quantiles widened about their median while '
          'sampling. share black: of the sub-pixels, exactly 0. class TV: '
          'total variation distance between the classes the classifier '
          'sees in the samples and in the training images; smallest class: '
          'its share of the samples.' + (
              ' PIT: the randomised probability integral transform of the '
              'test images\' sub-pixels under the model given their true '
              'past: if it is uniform (conditionals that are the data\'s), '
              'variance x 12 = 1, outer tenth 0.1, none at 0 or 1; noise '
              'from the test PIT: the sampler\'s noise remapped to that '
              'law.' if
              FLAGS.calibrate else '') + '\n')
    print('| model | ' + ' | '.join(c[1] for c in columns) + ' |')
    print('|---' * (len(columns) + 1) + '|')
    for label, results in rows.items():
      print(f'| {label} | ' + ' | '.join(
          _cell([r.get(key) for r in results], digits)
          for key, _, digits in columns) + ' |')
    for r in FLAGS.fixed_rows:
      print(f'\nFID / recall with rows 0-{int(r) - 1} drawn by one model (or '
            'taken from the test images) and the rest by another, from that '
            'past (the diagonal: each model\'s own samples):\n')
      print('\n'.join(handoff_table(rows, list(drawn), int(r))))
    if histograms:
      pit_picture(histograms, output + '_pit.png')
      print(f'\n![The test images\' PIT under each model]'
            f'({output.rsplit("/", 1)[-1]}_pit.png)')


if __name__ == '__main__':
  app.run(main)
