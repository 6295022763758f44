"""The coverage study's widened sampler."""

import numpy as np
import tensorflow as tf

import aiqn_tf
from aiqn_tf.models import noise
from aiqn_tf.testing import test_util
from bench import _widened


class CoverageTest(tf.test.TestCase):

  def test_widening_by_one_is_the_sampler_and_more_spreads_the_values(self):
    model = test_util.trained_model(aiqn_tf.PixelIQN, (3, 3, 3), steps=10)
    tau = noise.draw_noise((16, 3, 3, 3), seed=1)
    self.assertAllClose(_widened.widened_sample(model, tau, 1.0),
                        model.sample(tau, 'fast'), atol=1e-5)
    # Only the first sub-pixel has no past, so its median is the same.
    first = lambda s: _widened.widened_sample(model, tau, s)[:, 0, 0, 0]
    base = model.sample(tau, 'fast')[:, 0, 0, 0]
    centre = np.median(base)
    narrow, wide = (np.abs(first(s) - centre) for s in (0.5, 2.0))
    self.assertGreater(float(np.mean(wide)), float(np.mean(narrow)))


if __name__ == '__main__':
  tf.test.main()
