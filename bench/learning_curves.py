r"""Learning curves of PixelIQN and its likelihood siblings (paper, Figure 5).

Trains each (model, seed) with the dataset's preset through the train binary,
evaluating the Polyak-averaged weights every --eval_every steps
(`--eval_every`: FID and Inception score with the dataset's classifier, SWD,
held-out loss), one run after the other. Every evaluation point is kept in
its run's `eval/step_<N>.json`, and a stopped study resumes where it stopped
(the train binary continues a run from its last checkpoint), so it can be
completed over several sittings.

  python -m bench.learning_curves --dataset=digits --train_steps=12000 \
      [--models=pixel_iqn,pixel_cnn,pixel_cnn_pp] [--seeds=0,1,2]
  python -m bench.learning_curves --dataset=digits --report_only

`--report_only` writes the points gathered so far to <output>.json without
training.
"""

import json
import os
import subprocess
import sys

from absl import app
from absl import flags

from bench import _curves

FLAGS = flags.FLAGS
flags.DEFINE_string('dataset', 'digits', 'Bundled dataset (its preset).')
flags.DEFINE_list('models', ['pixel_iqn', 'pixel_cnn', 'pixel_cnn_pp'],
                  'Model kinds, each with the dataset\'s preset.')
flags.DEFINE_list('seeds', ['0', '1', '2'], 'Seeds of every model.')
flags.DEFINE_integer('train_steps', 12000, 'Steps of every run.')
flags.DEFINE_integer('eval_every', 1000, 'Steps between evaluation points.')
flags.DEFINE_integer('num_samples', 300, 'Samples per evaluation point.')
flags.DEFINE_string('work_dir', 'runs/curves', 'Run directories: '
                    '<work_dir>/<dataset>/<model>_seed<seed>.')
flags.DEFINE_string('output', None, 'Writes <output>.json with every point '
                    '(default: docs/results/curves_<dataset>).')
flags.DEFINE_bool('report_only', False, 'Only gather the points so far.')


def train(model_dir, dataset, model, seed, train_steps, eval_every,
          num_samples):
  """Trains (or continues) one run through the train binary."""
  command = [
      sys.executable, '-m', 'binaries.train', f'--preset={dataset}',
      f'--model={model}', f'--seed={seed}', f'--model_dir={model_dir}',
      f'--train_steps={train_steps}', f'--eval_every={eval_every}',
      f'--eval_num_samples={num_samples}', '--eval_classifier=dataset',
      '--sample_every=0']
  print('+', ' '.join(command), flush=True)
  subprocess.run(command, check=True)


def main(argv):
  del argv
  output = FLAGS.output or f'docs/results/curves_{FLAGS.dataset}'
  runs = [(model, int(seed)) for seed in FLAGS.seeds for model in FLAGS.models]
  for model, seed in runs:
    model_dir = _curves.run_dir(FLAGS.work_dir, FLAGS.dataset, model, seed)
    if not FLAGS.report_only and not _curves.finished(model_dir,
                                                      FLAGS.train_steps):
      train(model_dir, FLAGS.dataset, model, seed, FLAGS.train_steps,
            FLAGS.eval_every, FLAGS.num_samples)
    gathered = {f'{m}_seed{s}': _curves.points(_curves.run_dir(
        FLAGS.work_dir, FLAGS.dataset, m, s)) for m, s in runs}
    os.makedirs(os.path.dirname(output) or '.', exist_ok=True)
    with open(output + '.json', 'w') as f:
      json.dump({'dataset': FLAGS.dataset, 'train_steps': FLAGS.train_steps,
                 'eval_every': FLAGS.eval_every,
                 'num_samples': FLAGS.num_samples, 'runs': gathered},
                f, indent=1, sort_keys=True)
    if FLAGS.report_only:
      break
  print(f'Wrote {output}.json')


if __name__ == '__main__':
  app.run(main)
