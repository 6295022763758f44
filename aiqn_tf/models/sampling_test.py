"""The fast sampler against the sequential reference, exact for every head."""

from absl.testing import parameterized
import numpy as np
import tensorflow as tf

import aiqn_tf
from aiqn_tf.core import images as image_lib
from aiqn_tf.models import sampling
from aiqn_tf.testing import test_util


class FastSamplerTest(tf.test.TestCase, parameterized.TestCase):

  def _sample_both(self, model, noise, labels=None, images=None, num_fixed=0):
    run = lambda method: tf.function(
        lambda: image_lib.to_uint8(sampling.sample(
            model, noise, method, labels, images, num_fixed)))().numpy()
    return run('sequential'), run('fast')

  def _assert_equal_images(self, reference, fast):
    differ = reference != fast
    # Float rounding may move a value across a level boundary; allow at most
    # 1 in 1,000 sub-pixels to differ, by one level.
    self.assertLessEqual(differ.mean(), 1e-3)
    self.assertLessEqual(
        np.abs(reference.astype(int) - fast.astype(int)).max(), 1)

  # Every head on every backbone, RGB and class-conditional: the conformance
  # suite (backbone_conformance_test.py); here trained models, non-square
  # and grey images and the cosine tau embedding.
  @parameterized.named_parameters(
      ('iqn_gray', aiqn_tf.PixelIQN, (6, 5, 1), None),
      ('cnn_gray_classes', aiqn_tf.PixelCNN, (5, 5, 1), 4),
      ('iqn_rgb_cosine_tau', aiqn_tf.PixelIQN, (4, 4, 3), 2,
       {'tau_embedding': 'cosine'}),
  )
  def test_fast_equals_sequential(self, cls, shape, num_classes,
                                  options=None):
    model = test_util.trained_model(cls, shape, num_classes,
                                    **(options or {}))
    noise = sampling.draw_noise((3,) + shape, seed=1)
    labels = tf.constant([0, 1, 2]) % num_classes if num_classes else None
    reference, fast = self._sample_both(model, noise, labels)
    self._assert_equal_images(reference, fast)
    self.assertGreater(reference.std(), 1.0)  # Non-trivial samples.
    if num_classes:  # Labels matter.
      _, other = self._sample_both(model, noise,
                                   tf.constant([1, 2, 0]) % num_classes)
      self.assertNotAllEqual(fast, other)

  @parameterized.parameters((aiqn_tf.PixelIQN,), (aiqn_tf.PixelCNN,))
  def test_inpainting_keeps_prefix_and_matches(self, cls):
    shape = (5, 4, 3)
    model = test_util.trained_model(cls, shape)
    originals = np.random.default_rng(2).integers(0, 256, (2,) + shape,
                                                  np.uint8)
    noise = sampling.draw_noise((2,) + shape, seed=3)
    # Two full rows plus the R and G of the next pixel (a raster prefix).
    num_fixed = 2 * 4 * 3 + 2
    reference, fast = self._sample_both(
        model, noise, images=image_lib.to_float(originals),
        num_fixed=num_fixed)
    flat = lambda x: x.reshape(2, -1)
    self.assertAllEqual(flat(fast)[:, :num_fixed],
                        flat(originals)[:, :num_fixed])
    self.assertNotAllEqual(flat(fast)[:, num_fixed:],
                           flat(originals)[:, num_fixed:])
    self._assert_equal_images(reference, fast)

  def test_bad_method(self):
    model = test_util.trained_model(aiqn_tf.PixelIQN, (2, 2, 1), steps=0)
    with self.assertRaisesRegex(ValueError, 'method'):
      sampling.sample(model, tf.zeros((1, 2, 2, 1)), 'magic')


if __name__ == '__main__':
  tf.test.main()
