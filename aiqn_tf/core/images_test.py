"""The uint8 <-> [-1, 1] image scaling."""

import numpy as np
import tensorflow as tf

from aiqn_tf.core import images


class ImagesTest(tf.test.TestCase):

  def test_round_trip_every_level(self):
    levels = np.arange(256, dtype=np.uint8)
    scaled = images.to_float(levels).numpy()
    self.assertAllClose(scaled[[0, 255]], [-1.0, 1.0])
    self.assertAllEqual(images.to_uint8(scaled), levels)

  def test_rounds_and_clips(self):
    # Level 10 is -1 + 10 / 127.5; half a level either way still rounds to it.
    x = -1.0 + np.array([10 - 0.49, 10 + 0.49]) / 127.5
    self.assertAllEqual(images.to_uint8(x), [10, 10])
    self.assertAllEqual(images.to_uint8([-3.0, 1.7, np.float32(0.0)]),
                        [0, 255, 128])
    self.assertEqual(images.to_uint8([0.5]).dtype, tf.uint8)


if __name__ == '__main__':
  tf.test.main()
