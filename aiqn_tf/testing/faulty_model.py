"""A registered model kind whose loss or gradient turns non-finite at one step.

'faulty_toy' is binaries/toy_model_test.py's trivial autoregressive quantile
model, Q(tau | x_<k) = w_k x_{k-1} + b_k + s_k (tau - 1/2), plus a small
weight penalty (a second loss part) and a non-trainable count of the batches
it has seen (a statistic that moves in the forward pass, as batch norm's do).
At step `nan_step` (1-based, as logged; 0: never) it injects a NaN: into the
'penalty' part (`nan_in='penalty'`) or into the gradients only, the loss
staying finite (`nan_in='gradient'`). The training noise carries the step, so
the fault is where it is asked for on every run and replica.

With `two_players`, it trains as two players (base.Player), as a GAN does:
'scale' (s, on the quantile loss alone) updated twice a step, then 'shift'
(w and b, with the penalty): a fault in the penalty appears in the last
update of its step, after the first two were applied.
"""

import dataclasses

import numpy as np
import tensorflow as tf

from aiqn_tf.core import images as image_lib
from aiqn_tf.models import base
from aiqn_tf.models import losses
from aiqn_tf.models import registry
from aiqn_tf.models import sampling


@dataclasses.dataclass
class FaultyConfig:
  kappa: float = 0.05
  nan_step: int = 0
  nan_in: str = 'penalty'
  two_players: bool = False

  def __post_init__(self):
    if self.nan_in not in ('penalty', 'gradient'):
      raise ValueError(f'nan_in must be penalty or gradient, got '
                       f'{self.nan_in!r}.')


@registry.register('faulty_toy')
class FaultyToy(base.GenerativeModel):
  """See the module docstring."""

  Config = FaultyConfig
  sample_methods = ('sequential',)

  def __init__(self, image_shape, num_classes=None, kappa=0.05, nan_step=0,
               nan_in='penalty', two_players=False, **kwargs):
    super().__init__(image_shape, num_classes, **kwargs)
    self.kappa, self.nan_step, self.nan_in = kappa, nan_step, nan_in
    self.two_players = two_players
    self.hyperparameters.update(
        {'kappa': kappa, 'nan_step': nan_step, 'nan_in': nan_in,
         'two_players': two_players})
    size = int(np.prod(self.image_shape))
    self.w = self.add_weight(shape=(size,), initializer='zeros', name='w')
    self.b = self.add_weight(shape=(size,), initializer='zeros', name='b')
    self.s = self.add_weight(shape=(size,), initializer='ones', name='s')
    self.seen = self.add_weight(shape=(), initializer='zeros', name='seen',
                                trainable=False,
                                aggregation='only_first_replica')

  def call(self, inputs):
    flat = tf.reshape(inputs['images'], [tf.shape(inputs['images'])[0], -1])
    previous = tf.pad(flat, [[0, 0], [1, 0]])[:, :-1]
    tau = tf.reshape(inputs['tau'], tf.shape(flat))
    quantiles = self.w * previous + self.b + self.s * (tau - 0.5)
    return tf.reshape(quantiles, tf.shape(inputs['images']))

  def dummy_inputs(self, batch_size=1):
    shape = (batch_size,) + self.image_shape
    return {'images': tf.zeros(shape), 'tau': tf.fill(shape, 0.5)}

  def training_noise(self, batch_size, seed):
    noise = super().training_noise(batch_size, seed)
    noise['step'] = tf.fill([batch_size], tf.cast(seed[1], tf.int64) + 1)
    return noise

  def per_example_loss(self, batch, noise, training=True):
    images = image_lib.to_float(batch['images'])
    if training:
      self.seen.assign_add(1.0)
    quantiles = self({'images': images, 'tau': noise['tau']})
    quantile = tf.reduce_sum(losses.quantile_huber_loss(
        images, quantiles, noise['tau'], self.kappa), [1, 2, 3])
    penalty = tf.fill(tf.shape(quantile), 1e-3 * tf.reduce_sum(self.w ** 2))
    faulty = tf.equal(noise['step'], self.nan_step)
    if self.nan_in == 'penalty':
      penalty = tf.where(faulty, float('nan'), penalty)
    else:
      # sqrt'(0) * |.|'(0) = inf * 0: a NaN gradient, while the value is 0.
      gap = tf.abs(self.w[0] - self.w[0]) + 1.0 - tf.cast(faulty, tf.float32)
      quantile += tf.sqrt(gap) - tf.stop_gradient(tf.sqrt(gap))
    return quantile + penalty, {'quantile': quantile, 'penalty': penalty}

  def players(self):
    if not self.two_players:
      return super().players()

    def quantile_only(batch, noise, training=True):
      _, parts = self.per_example_loss(batch, noise, training)
      return parts['quantile'], {'quantile': parts['quantile']}

    return (base.Player('scale', quantile_only, lambda: [self.s], updates=2),
            base.Player('shift', self.per_example_loss,
                        lambda: [self.w, self.b]))

  def sample(self, noise, method=None, labels=None, images=None,
             num_fixed=0):
    self.check_method(method)
    self.check_conditioning(labels, images, num_fixed)
    step = lambda x, u: tf.clip_by_value(
        self({'images': x, 'tau': u}), -1.0, 1.0)
    return sampling.sequential(step, noise)

  def serving_signatures(self):
    sample = lambda tau: {'images': image_lib.to_uint8(self.sample(tau))}
    return {'sample': tf.function(sample, input_signature=[
        base.batch_spec('tau', tf.float32, self.image_shape)])}
