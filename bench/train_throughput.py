r"""Train-step throughput of PixelIQN and PixelCNN against the machine's ceiling.

Prints, for the digits, photos and full paper sizes, images/s and achieved
GFLOP/s of one optimizer step (forward + backward, counted as 3x the forward
convolutions' FLOPs), next to float32 matmul GFLOP/s measured in the same run.

  python -m bench.train_throughput [--batch_size=8] [--steps=3]
"""

import time

from absl import app
from absl import flags
import numpy as np
import tensorflow as tf

from aiqn_tf.models import masked_conv
from aiqn_tf.runs import presets
from aiqn_tf.runs import run_dir
from aiqn_tf.training import optimizers

FLAGS = flags.FLAGS
flags.DEFINE_integer('batch_size', 8, 'Batch size of the full paper size.')
flags.DEFINE_integer('steps', 3, 'Timed steps per configuration (after warm-up).')
flags.DEFINE_list('sizes', ['digits', 'mnist', 'photos', 'paper'],
                  'Sizes to run: presets, and paper (the cifar10 preset).')
flags.DEFINE_integer('matmul_size', 2048, 'Side of the square matmul.')


def matmul_gflops(n, repeats=10):
  """Best-of float32 [n,n] @ [n,n] GFLOP/s: the machine's dense ceiling."""
  a = tf.random.normal((n, n))
  b = tf.random.normal((n, n))
  matmul = tf.function(lambda a, b: tf.reduce_sum(tf.matmul(a, b)))
  matmul(a, b).numpy()
  best = float('inf')
  for _ in range(repeats):
    start = time.perf_counter()
    matmul(a, b).numpy()
    best = min(best, time.perf_counter() - start)
  return 2 * n**3 / best / 1e9


def forward_flops(model, batch_size):
  """FLOPs of one forward pass: 2 * outputs * taps * in * out over every conv."""
  height, width, _ = model.backbone.image_shape
  total = 0
  for layer in model._flatten_layers():  # pylint: disable=protected-access
    if isinstance(layer, masked_conv.MaskedConv2D):
      total += 2 * batch_size * height * width * int(np.prod(layer.kernel.shape))
  return total


def configs():
  for size in FLAGS.sizes:
    for model in ('pixel_iqn', 'pixel_cnn'):
      if size == 'paper':
        config = presets.preset('cifar10', model).replace(
            batch_size=FLAGS.batch_size)
      else:
        config = presets.preset(size, model)
      yield size, config


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
  print(f'TensorFlow {tf.__version__}; {len(tf.config.list_physical_devices("CPU"))} '
        f'CPU device(s), intra-op threads '
        f'{tf.config.threading.get_intra_op_parallelism_threads() or "auto"}')
  ceiling = matmul_gflops(FLAGS.matmul_size)
  print(f'float32 matmul {FLAGS.matmul_size}^3: {ceiling:.1f} GFLOP/s (ceiling)\n')
  header = (f'{"size":7} {"model":10} {"image":9} {"blocks":>6} {"planes":>6} '
            f'{"out":>5} {"batch":>5} {"s/step":>8} {"img/s":>8} '
            f'{"GFLOP/step":>10} {"GFLOP/s":>8} {"of ceiling":>10}')
  print(header)
  rows = {}
  for size, config in configs():
    seconds, flops = time_train_step(config, FLAGS.steps)
    gflops = 3 * flops / seconds / 1e9
    rows[size, config.model_name] = seconds
    model, batch_size = config.model, config.loop.batch_size
    print(f'{size:7} {config.model_name:10} '
          f'{"x".join(map(str, config.image_shape)):9} {model.num_layers:6d} '
          f'{model.filters:6d} {model.output_filters:5d} '
          f'{batch_size:5d} {seconds:8.3f} '
          f'{batch_size / seconds:8.1f} {3 * flops / 1e9:10.1f} '
          f'{gflops:8.1f} {gflops / ceiling:9.0%}', flush=True)
  print()
  for size in FLAGS.sizes:
    if (size, 'pixel_iqn') in rows and (size, 'pixel_cnn') in rows:
      print(f'{size}: PixelIQN step time / PixelCNN step time = '
            f'{rows[size, "pixel_iqn"] / rows[size, "pixel_cnn"]:.2f}')


if __name__ == '__main__':
  app.run(main)
