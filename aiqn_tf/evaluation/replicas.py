"""Running a batch function on every replica of a strategy, each on its slice.

Sampling and classifier features scale over a tf.distribute strategy the same
way: a batch of arrays is cut into one slice per replica (in order), each
replica runs the function on its slice, and the outputs are gathered back in
order, so the result equals one device's whenever the function treats the
examples of a batch independently.
"""

import numpy as np
import tensorflow as tf


def run_sliced(strategy, fn, arrays):
  """fn(*arrays) computed by the replicas of `strategy`, gathered.

  Args:
    strategy: a tf.distribute.Strategy, or None (the current one).
    fn: callable on tensors [b, ...] (or None for an absent input) returning
      a tensor [b, ...] or a dict of them; a tf.function for speed.
    arrays: list of numpy arrays [n, ...] (or None), the same n.

  Returns:
    numpy [n, ...] (or a dict of them): as fn on the whole batch.
  """
  strategy = strategy or tf.distribute.get_strategy()
  replicas = strategy.num_replicas_in_sync
  if replicas == 1:
    return tf.nest.map_structure(np.asarray, fn(*[
        None if x is None else tf.constant(x) for x in arrays]))
  size = len(next(x for x in arrays if x is not None))
  pad = -size % replicas  # Repeat the last example; dropped afterwards.
  padded = [None if x is None else np.concatenate(
      [x, np.repeat(x[-1:], pad, axis=0)]) for x in arrays]

  def slices(context):
    index = context.replica_id_in_sync_group
    return [None if x is None else tf.constant(np.array_split(
        x, context.num_replicas_in_sync)[index]) for x in padded]

  dtypes = []

  def replica_fn(args):
    # strategy.gather takes no uint8 (images): it travels as int32.
    out = tf.nest.map_structure(tf.convert_to_tensor, fn(*args))
    dtypes[:] = [t.dtype for t in tf.nest.flatten(out)]
    return tf.nest.map_structure(
        lambda t: tf.cast(t, tf.int32) if t.dtype == tf.uint8 else t, out)

  per_replica = strategy.experimental_distribute_values_from_function(slices)
  out = strategy.run(replica_fn, args=(per_replica,))
  gathered = [strategy.gather(t, axis=0).numpy()[:size].astype(
      dtype.as_numpy_dtype) for t, dtype in zip(tf.nest.flatten(out), dtypes)]
  return tf.nest.pack_sequence_as(out, gathered)
