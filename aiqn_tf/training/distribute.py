"""tf.distribute strategies for training: one device, mirrored GPUs, multi-worker."""

import json
import os

import tensorflow as tf


def split_cpu(num_replicas):
  """Splits the CPU into `num_replicas` logical devices (to test mirroring on CPU).

  Must run before TensorFlow executes its first op.

  Raises:
    RuntimeError: if TensorFlow is already initialized.
  """
  cpu = tf.config.list_physical_devices('CPU')[0]
  try:
    tf.config.set_logical_device_configuration(
        cpu, [tf.config.LogicalDeviceConfiguration()] * num_replicas)
  except RuntimeError as e:
    raise RuntimeError('Logical CPU devices must be configured before '
                       'TensorFlow runs any op; split the CPU at program '
                       'start.') from e


def make_strategy(name='auto', cpu_replicas=0):
  """Creates the strategy for `name`.

  Args:
    name: 'auto' (mirrored over all local GPUs if there are several, or over
      the logical CPUs when cpu_replicas > 1, else one device), 'mirrored',
      'multi_worker' (MultiWorkerMirroredStrategy configured from the TF_CONFIG
      environment variable) or 'one_device'.
    cpu_replicas: if > 1, split the CPU into that many logical devices first.

  Returns:
    a tf.distribute.Strategy.
  """
  if cpu_replicas > 1:
    split_cpu(cpu_replicas)
  if name == 'multi_worker':
    if 'TF_CONFIG' not in os.environ:
      raise ValueError('--strategy=multi_worker needs the TF_CONFIG '
                       'environment variable describing the cluster.')
    json.loads(os.environ['TF_CONFIG'])  # Fail early on malformed JSON.
    return tf.distribute.MultiWorkerMirroredStrategy()
  gpus = [d.name for d in tf.config.list_logical_devices('GPU')]
  cpus = [d.name for d in tf.config.list_logical_devices('CPU')]
  if name == 'auto':
    name = 'mirrored' if len(gpus) > 1 or (not gpus and len(cpus) > 1) else (
        'one_device')
  if name == 'mirrored':
    return tf.distribute.MirroredStrategy(gpus or cpus)
  if name == 'one_device':
    return tf.distribute.OneDeviceStrategy((gpus or cpus)[0])
  raise ValueError(f'Unknown strategy {name!r}; choose auto, mirrored, '
                   'multi_worker or one_device.')


def is_chief(strategy):
  """Whether this process writes checkpoints, summaries and images."""
  resolver = getattr(strategy, 'cluster_resolver', None)
  if resolver is None or not resolver.task_type:
    return True
  return (resolver.task_type == 'chief' or
          (resolver.task_type == 'worker' and resolver.task_id == 0 and
           'chief' not in resolver.cluster_spec().as_dict()))
