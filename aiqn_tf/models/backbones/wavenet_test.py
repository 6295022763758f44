"""WaveNet: its receptive field by gradients and its queues against the
sequential sampler over many wraps of every ring buffer.

The conformance suite (backbone_conformance_test.py) runs it under every head
(causality, fast == sequential, replicas, resume, .keras); these check what
is WaveNet's own at sizes the suite's tiny models do not reach.
"""

from absl.testing import parameterized
import numpy as np
import tensorflow as tf

from aiqn_tf.core import events
from aiqn_tf.models.backbones import backbone
from aiqn_tf.models.backbones import wavenet
from aiqn_tf.models.heads import pixel_cnn
from aiqn_tf.models.heads import pixel_iqn
from aiqn_tf.models import sampling
from aiqn_tf.testing import test_util


def _model(head, steps, kernel_size, num_layers, cycle, channels=1,
           values='float'):
  model = head((steps, channels), num_layers=num_layers, filters=4 * channels,
               kernel_size=kernel_size, output_filters=8 * channels,
               backbone='wavenet', backbone_config=dict(dilation_cycle=cycle),
               space=events.EventSpace('sequences', (steps, channels), values))
  model.build_all()
  test_util.randomize_weights(model, seed=0)
  return model


class WaveNetTest(tf.test.TestCase, parameterized.TestCase):

  @parameterized.parameters((2, 3, 3), (3, 4, 2))
  def test_receptive_field_by_gradients(self, kernel_size, num_layers, cycle):
    model = _model(pixel_iqn.PixelIQN, 40, kernel_size, num_layers, cycle)
    field = wavenet.receptive_field(num_layers, kernel_size, cycle)
    self.assertEqual(field, (kernel_size - 1) * (1 + sum(
        wavenet.dilations(num_layers, cycle))))
    rng = np.random.default_rng(0)
    x = tf.constant(rng.uniform(-1, 1, (1, 40, 1)), tf.float32)
    tau = tf.constant(rng.uniform(size=(1, 40, 1)), tf.float32)
    t = 39
    with tf.GradientTape() as tape:
      tape.watch(x)
      out = model({'sequences': x, 'tau': tau})[0, t, 0]
    seen = np.flatnonzero(np.abs(tape.gradient(out, x).numpy()[0, :, 0]) > 0)
    # Exactly the `field` steps before t.
    self.assertAllEqual(seen, np.arange(t - field, t))

  @parameterized.named_parameters(  # Width 2 on floats: the XLA test's.
      ('iqn_width3_stereo', pixel_iqn.PixelIQN, 3, 'float', 2),
      ('softmax_mu_law', pixel_cnn.PixelCNN, 2, 'mu_law', 1))
  def test_queues_equal_the_sequential_sampler(self, head, kernel_size,
                                               values, channels):
    # Dilations 1, 2, 4, 1, 2, 4 over 40 steps: every ring buffer wraps
    # several times; batch 3; from scratch and after a 29-step prefix.
    steps = 40
    model = _model(head, steps, kernel_size, 6, 3, channels, values)
    shape = (3, steps, channels)
    noise = sampling.draw_noise(shape, seed=1)
    prefix = tf.constant(np.random.default_rng(2).uniform(-1, 1, shape),
                         tf.float32)
    for num_fixed in (0, 29 * channels):
      reference, fast = (
          tf.function(lambda m=method: model.sample(
              noise, m, None, prefix, num_fixed))().numpy()
          for method in ('sequential', 'fast'))
      self.assertLessEqual((np.abs(reference - fast) > 1e-4).sum(), 1)
      if num_fixed:
        self.assertAllClose(fast[:, :29], prefix[:, :29])
      self.assertGreater(reference[:, 29:].std(), 1e-3)

  def test_fast_sampler_compiles_with_xla(self):
    model = _model(pixel_iqn.PixelIQN, 24, 2, 4, 4)
    noise = sampling.draw_noise((2, 24, 1), seed=3)
    xla = tf.function(lambda: model.sample(noise, 'fast'), jit_compile=True)
    self.assertAllClose(xla(), model.sample(noise, 'sequential'), atol=1e-4)

  def test_filter_width_two_is_for_sequences_only(self):
    self.assertEqual(_model(pixel_iqn.PixelIQN, 8, 2, 2, 2).sample_methods,
                     ('fast', 'sequential'))
    with self.assertRaisesRegex(ValueError, 'odd and >= 3'):
      backbone.validate_architecture((4, 4, 1), 2, 4, 2, 4, None)
    with self.assertRaisesRegex(ValueError, '>= 2'):
      backbone.validate_architecture((8, 1), 2, 4, 1, 4, None, ('sequences',))


if __name__ == '__main__':
  tf.test.main()
