"""The latent AIQN: autoregressive by gradients, sampled by the sampler core."""

import numpy as np
import tensorflow as tf

from aiqn_tf.models.latent import latent_aiqn
from aiqn_tf.models import sampling
from aiqn_tf.testing import test_util


class LatentAIQNTest(tf.test.TestCase):

  def _model(self, latent_dim=6):
    # Wide enough that no allowed path is cut by dead ReLUs everywhere.
    model = latent_aiqn.LatentAIQN(latent_dim, hidden_units=(200, 200, 200),
                                   head_units=16)
    model({'z': tf.zeros((1, latent_dim)), 'tau': tf.zeros((1, latent_dim))})
    test_util.randomize_weights(model)
    return model

  def test_output_i_sees_earlier_z_and_own_tau_only(self):
    m = 6
    model = self._model(m)
    z = tf.random.normal((1, m))
    tau = tf.random.uniform((1, m))
    with tf.GradientTape(persistent=True) as tape:
      tape.watch([z, tau])
      out = model({'z': z, 'tau': tau})
    d_z = tape.jacobian(out, z).numpy()[0, :, 0]  # [out i, z j]
    d_tau = tape.jacobian(out, tau).numpy()[0, :, 0]
    earlier = np.tril(np.ones((m, m), bool), k=-1)  # j < i.
    self.assertAllEqual(d_z != 0, earlier)
    self.assertAllEqual(d_tau != 0, np.eye(m, dtype=bool))

  def test_sequential_sampler_core_is_consistent(self):
    model = self._model()
    tau = sampling.draw_noise((4, 6), seed=0)
    step_fn = lambda z, t: model({'z': z, 'tau': t})
    z = tf.function(lambda: sampling.sequential(step_fn, tau))()
    # A sample is a fixed point: feeding it back reproduces it.
    self.assertAllClose(step_fn(z, tau), z, atol=1e-6)

  def test_rejects_bad_sizes(self):
    with self.assertRaises(ValueError):
      latent_aiqn.LatentAIQN(1)
    model = latent_aiqn.LatentAIQN(4, hidden_units=(8,), head_units=2)
    with self.assertRaisesRegex(ValueError, r'shape \[batch, 4\]'):
      model({'z': tf.zeros((1, 5)), 'tau': tf.zeros((1, 5))})


if __name__ == '__main__':
  tf.test.main()
