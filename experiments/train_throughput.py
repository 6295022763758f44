r"""Train-step throughput of PixelIQN and PixelCNN against the machine's ceiling.

Prints, for the digits, photos and full paper sizes, images/s and achieved
GFLOP/s of one optimizer step (forward + backward, counted as 3x the forward
convolutions' FLOPs; the snail backbone's attention is not counted), next to
float32 matmul GFLOP/s measured in the same run. With --backbones=gated,snail
both backbones; --query_blocks compares the snail attention computed in that
many blocks of query rows (1: the whole score matrix at once).

  python -m experiments.train_throughput [--batch_size=8] [--steps=3]
      [--backbones=gated,snail] [--query_blocks=1,16]
"""

import time

from absl import app
from absl import flags
import numpy as np
import tensorflow as tf

from aiqn_tf.models.layers import masked_conv
from aiqn_tf.models.backbones import snail
from aiqn_tf.runs import presets
from aiqn_tf.runs import run_dir
from aiqn_tf.training import optimizers
from experiments import report

FLAGS = flags.FLAGS
flags.DEFINE_integer('batch_size', 8, 'Batch size of the full paper size.')
flags.DEFINE_integer('steps', 3, 'Timed steps per configuration (after warm-up).')
flags.DEFINE_list('sizes', ['digits', 'mnist', 'photos', 'paper'],
                  'Sizes to run: presets, and paper (the cifar10 preset).')
flags.DEFINE_integer('matmul_size', 2048, 'Side of the square matmul.')
flags.DEFINE_list('backbones', ['gated'], 'Backbones: gated, snail.')
flags.DEFINE_string('output', 'docs/results/train_throughput', 'Writes '
                    '<output>.md with what it prints and its provenance ("": '
                    'print only).')
flags.DEFINE_list('query_blocks', [str(snail.QUERY_BLOCKS)],
                  'snail: blocks of query rows of a full attention pass, '
                  'each timed (1: the whole score matrix at once).')


def forward_flops(model, batch_size):
  """FLOPs of one forward pass: 2 * outputs * taps * in * out over every conv."""
  height, width, _ = model.backbone.image_shape
  total = 0
  for layer in model._flatten_layers():  # pylint: disable=protected-access
    if isinstance(layer, masked_conv.MaskedConv2D):
      total += 2 * batch_size * height * width * int(np.prod(layer.kernel.shape))
  return total


def configs():
  """(size, config, query blocks or None) of every timed configuration."""
  for size in FLAGS.sizes:
    for backbone in FLAGS.backbones:
      for model in ('pixel_iqn', 'pixel_cnn'):
        if size == 'paper':
          config = presets.preset('cifar10', model).replace(
              batch_size=FLAGS.batch_size)
        else:
          config = presets.preset(size, model)
        config = config.replace(backbone=backbone)
        if backbone == 'gated':
          yield size, config, None
        for blocks in FLAGS.query_blocks if backbone == 'snail' else ():
          yield size, config, int(blocks)


def time_train_step(config, steps):
  """Seconds per optimizer step (median of `steps`), after two warm-up steps."""
  model = run_dir.build_model(config)
  settings = config.optimizer
  optimizer = optimizers.make_optimizer(
      settings.optimizer, optimizers.learning_rate(
          settings.learning_rate, settings.lr_schedule), settings.adam_beta1)
  rng = np.random.default_rng(0)
  batch_size = config.loop.batch_size
  shape = (batch_size,) + tuple(config.image_shape)
  batch = {'images': tf.constant(rng.integers(0, 256, shape, np.uint8))}
  if config.num_classes:
    batch['labels'] = tf.zeros([batch_size], tf.int32)
  noise = model.training_noise(batch_size, tf.constant([0, 0]))

  @tf.function
  def step():
    with tf.GradientTape() as tape:
      loss = tf.reduce_mean(model.per_example_loss(batch, noise)[0])
    grads = tape.gradient(loss, model.trainable_variables)
    optimizer.apply_gradients(zip(grads, model.trainable_variables))
    return loss

  for _ in range(2):
    step().numpy()
  times = []
  for _ in range(steps):
    start = time.perf_counter()
    step().numpy()
    times.append(time.perf_counter() - start)
  return float(np.median(times)), forward_flops(model, batch_size)


def main(argv):
  del argv
  ceiling = report.matmul_gflops(FLAGS.matmul_size)
  with report.recording(FLAGS.output, 'Training-step throughput',
                        ceiling=ceiling):
    print(f'TensorFlow {tf.__version__}; {len(tf.config.list_physical_devices("CPU"))} '
          f'CPU device(s), intra-op threads '
          f'{tf.config.threading.get_intra_op_parallelism_threads() or "auto"}')
    print(f'float32 matmul {FLAGS.matmul_size}^3: {ceiling:.1f} GFLOP/s (ceiling)\n')
    header = (f'{"size":7} {"model":10} {"backbone":9} {"image":9} '
              f'{"blocks":>6} {"planes":>6} '
              f'{"out":>5} {"batch":>5} {"s/step":>8} {"img/s":>8} '
              f'{"GFLOP/step":>10} {"GFLOP/s":>8} {"of ceiling":>10}')
    print(header)
    rows = {}
    for size, config, query_blocks in configs():
      snail.QUERY_BLOCKS = query_blocks or snail.QUERY_BLOCKS  # Read at tracing.
      seconds, flops = time_train_step(config, FLAGS.steps)
      gflops = 3 * flops / seconds / 1e9
      backbone = config.model.backbone + (f'/{query_blocks}' if query_blocks
                                          else '')
      rows[size, config.model_name, backbone] = seconds
      model, batch_size = config.model, config.loop.batch_size
      print(f'{size:7} {config.model_name:10} {backbone:9} '
            f'{"x".join(map(str, config.image_shape)):9} {model.num_layers:6d} '
            f'{model.filters:6d} {model.output_filters:5d} '
            f'{batch_size:5d} {seconds:8.3f} '
            f'{batch_size / seconds:8.1f} {3 * flops / 1e9:10.1f} '
            f'{gflops:8.1f} {gflops / ceiling:9.0%}', flush=True)
    print()
    for (size, model, backbone), seconds in rows.items():
      if model == 'pixel_iqn' and (size, 'pixel_cnn', backbone) in rows:
        print(f'{size} {backbone}: PixelIQN step time / PixelCNN step time = '
              f'{seconds / rows[size, "pixel_cnn", backbone]:.2f}')
      if backbone.startswith('snail/') and (size, model, 'snail/1') in rows and (
          backbone != 'snail/1'):
        print(f'{size} {model}: {backbone} step time / snail/1 step time = '
              f'{seconds / rows[size, model, "snail/1"]:.2f}')
      if backbone != 'gated' and (size, model, 'gated') in rows:
        print(f'{size} {model}: {backbone} step time / gated step time = '
              f'{seconds / rows[size, model, "gated"]:.2f}')


if __name__ == '__main__':
  app.run(main)
