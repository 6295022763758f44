r"""Why PixelIQN learns slowly on the snail backbone: how tau enters it.

On mnist the snail backbone helps PixelCNN and hurts PixelIQN badly
(docs/results/README.md, the family study): PixelIQN's quantile loss at step
100 was 45.0 against 26.8 on the gated backbone. In the snail backbone tau
enters each residual unit before its gate (as in the gated blocks); what the
gated backbone has no counterpart of is the causal attention, whose output
is added after every `attention_every` units and after the last one, just
before the output path, and whose values carry the features of earlier
pixels (their own tau included). This bench changes one factor at a time,
with the mnist preset and everything else equal, and measures how far each
model has learnt after --steps steps: the held-out loss on the test images
(PixelIQN: the quantile loss at random tau; PixelCNN: bits/dim) of the
trained weights, not the Polyak average, which lags far behind at these
lengths.

Variants of the backbone (`_snail_variants.VARIANTS`):
- gated: the Gated PixelCNN (the reference);
- snail: the PixelSNAIL-style backbone as it is;
- snail, no attention: its residual units only (the attention layers are
  skipped);
- snail, tau after attention: tau also added (a masked 1x1 convolution, as
  before every gate) after the last attention, so the output path sees the
  current tau last;
- snail, attention on pixel values: the attention's keys and values are the
  earlier pixels' values only, not their features (which carry their tau),
  so the past tau reach a pixel through the convolutions alone.

  python -m experiments.snail_tau [--steps=300] [--seeds=0,1] \
      [--models=pixel_iqn,pixel_cnn] [--variant=gated --variant=snail ...]
"""

import os

from absl import app
from absl import flags
import numpy as np

from aiqn_tf.data import datasets
from aiqn_tf.evaluation import evaluate as evaluation
from experiments import _preset_runs
from experiments import _snail_variants
from experiments import report

FLAGS = flags.FLAGS
flags.DEFINE_string('dataset', 'mnist', 'Bundled dataset (its preset).')
flags.DEFINE_integer('steps', 300, 'Training steps of every run.')
flags.DEFINE_list('seeds', ['0', '1'], 'Seeds of every run.')
flags.DEFINE_list('models', ['pixel_iqn', 'pixel_cnn'], 'Models.')
flags.DEFINE_multi_string('variant', None, 'Only these variants (repeat the '
                          'flag; default: all). The first listed of '
                          '_snail_variants.VARIANTS is each model\'s '
                          'reference.')
flags.DEFINE_integer('num_images', 300, 'Test images of the held-out loss.')
flags.DEFINE_string('work_dir', 'runs/snail_tau', 'Run directories.')
flags.DEFINE_string('output', 'docs/results/snail_tau', 'Writes <output>.md '
                    '("": print only).')


LOSS = {'pixel_iqn': ('test_loss', 'test quantile loss'),
        'pixel_cnn': ('test_bits_per_dim', 'test bits/dim')}


def run(model, variant, seed, test):
  """Trains one run (or restores it); (held-out results, train seconds)."""
  backbone, _ = _snail_variants.VARIANTS[variant]
  name = variant.replace(', ', '_').replace(' ', '_')
  model_dir = os.path.join(FLAGS.work_dir, FLAGS.dataset,
                           f'{model}_{name}_seed{seed}')
  _, trainer, seconds = _preset_runs.train_preset(
      FLAGS.dataset, model, model_dir, seed, FLAGS.steps, backbone=backbone)
  results = evaluation.held_out_loss(trainer.model, test, seed=0)
  return results, seconds


def main(argv):
  del argv
  unknown = set(FLAGS.variant or ()) - set(_snail_variants.VARIANTS)
  if unknown:
    raise app.UsageError(f'Unknown --variant {sorted(unknown)}; the '
                         f'variants are {list(_snail_variants.VARIANTS)}.')
  test = datasets.as_arrays(FLAGS.dataset, 'test', limit=FLAGS.num_images)
  with report.recording(FLAGS.output, 'How tau enters the snail backbone',
                        markdown=True):
    print(f'{FLAGS.dataset} preset, {FLAGS.steps} steps, seeds '
          f'{", ".join(FLAGS.seeds)}; the held-out loss of the trained '
          f'weights on {len(test["images"])} test images (lower is better); '
          'train min: upper bounds where other work shared the cores.\n')
    print('| model | backbone | per seed | mean | / gated | train min |')
    print('|---|---|---|---|---|---|')
    for model in FLAGS.models:
      key, _ = LOSS[model]
      reference = None
      for variant, (_, models) in _snail_variants.VARIANTS.items():
        if model not in models or (FLAGS.variant and
                                   variant not in FLAGS.variant):
          continue
        values, minutes = [], []
        for seed in FLAGS.seeds:
          results, seconds = run(model, variant, int(seed), test)
          values.append(results[key])
          minutes.append(seconds / 60)
        mean = float(np.mean(values))
        reference = reference or mean
        print(f'| {model} ({LOSS[model][1]}) | {variant} | ' +
              ', '.join(f'{v:.3f}' for v in values) + f' | {mean:.3f} | '
              f'{mean / reference:.2f} | {np.mean(minutes):.1f} |',
              flush=True)


if __name__ == '__main__':
  app.run(main)
