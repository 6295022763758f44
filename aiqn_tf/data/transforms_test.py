"""Channel conversion, centre crop and resize, static and dynamic shapes."""

from absl.testing import parameterized
import numpy as np
import tensorflow as tf

from aiqn_tf.data import transforms


def _dynamic(fn, image, *args):
  """fn(image, *args) traced with an unknown H, W, C."""
  traced = tf.function(lambda x: fn(x, *args), input_signature=[
      tf.TensorSpec([None, None, None], tf.uint8)])
  return traced(image).numpy()


class TransformsTest(tf.test.TestCase, parameterized.TestCase):

  def setUp(self):
    super().setUp()
    self.rgba = np.random.default_rng(0).integers(0, 256, (6, 8, 4), np.uint8)

  @parameterized.parameters(True, False)
  def test_to_channels(self, dynamic):
    run = ((lambda image, c: _dynamic(transforms.to_channels, image, c))
           if dynamic else
           (lambda image, c: transforms.to_channels(image, c).numpy()))
    rgb, grey_alpha = self.rgba[..., :3], self.rgba[..., :2]
    self.assertAllEqual(run(self.rgba, 3), rgb)
    self.assertAllEqual(run(rgb, 3), rgb)
    self.assertAllEqual(run(grey_alpha, 1), self.rgba[..., :1])
    self.assertAllEqual(run(self.rgba[..., :1], 3),
                        np.repeat(self.rgba[..., :1], 3, -1))
    luma = np.round(rgb.astype(np.float32) @ np.array([0.2989, 0.587, 0.114],
                                                      np.float32))
    self.assertAllClose(run(rgb, 1)[..., 0], luma, atol=1)
    self.assertAllEqual(run(self.rgba, 1), run(rgb, 1))

  def test_center_crop_and_fit(self):
    crop = transforms.center_crop(self.rgba).numpy()
    self.assertAllEqual(crop, self.rgba[:, 1:7])
    self.assertAllEqual(_dynamic(transforms.center_crop, self.rgba),
                        self.rgba[:, 1:7])
    fitted = transforms.fit(self.rgba, (6, 6, 3))
    self.assertEqual(fitted.shape, (6, 6, 3))
    self.assertAllEqual(fitted, self.rgba[:, 1:7, :3])
    self.assertEqual(transforms.fit(self.rgba, (4, 4, 1)).shape, (4, 4, 1))
    batch = transforms.fit(np.stack([self.rgba] * 2), (3, 3, 3))
    self.assertEqual(batch.shape, (2, 3, 3, 3))
    with self.assertRaisesRegex(ValueError, 'square'):
      transforms.fit(self.rgba, (4, 5, 3))

  def test_resize_keeps_uint8_range(self):
    out = transforms.resize(self.rgba, 16)
    self.assertEqual(out.dtype, tf.uint8)
    self.assertEqual(out.shape, (16, 16, 4))
    self.assertAllEqual(transforms.resize(self.rgba[:6, :6], 6),
                        self.rgba[:6, :6])


if __name__ == '__main__':
  tf.test.main()
