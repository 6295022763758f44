"""Every built-in backbone under every head (testing/conformance.py), and the
registry's check of a backbone's contract."""

import tensorflow as tf

from aiqn_tf.models.backbones import backbone
from aiqn_tf.models.backbones import gated_pixelcnn
from aiqn_tf.testing import conformance

# One test class per backbone, so that the test runner's workers share them.
for _name in backbone.REGISTRY.builtin_names():
  globals()[f'{_name.title().replace("_", "")}ConformanceTest'] = (
      conformance.make_suite([_name], conformance.heads(builtin=True)))
del _name


class RegistryTest(tf.test.TestCase):

  def test_the_suite_covers_every_builtin_backbone_and_head(self):
    self.assertContainsSubset({'gated', 'snail', 'row_lstm',
                               'diagonal_bilstm', 'pixelcnn_pp', 'wavenet'},
                              backbone.REGISTRY.builtin_names())
    self.assertEqual(set(conformance.heads(builtin=True)),
                     {'pixel_iqn', 'pixel_cnn', 'pixel_cnn_pp'})

  def test_register_refuses_a_broken_contract(self):

    class NoCache(backbone.PixelBackbone):

      def build_layers(self, *args):
        pass

      def call(self, images, tau=None, labels=None):
        return images

    with self.assertRaisesRegex(TypeError, 'sampling_start, '
                                'sampling_start_row, sampling_pixel'):
      backbone.register('no_cache')(NoCache)
    with self.assertRaisesRegex(TypeError, 'subclass'):
      backbone.register('not_a_layer')(object)
    self.assertNotIn('no_cache', backbone.REGISTRY.names())
    with self.assertRaisesRegex(ValueError, 'already registered'):
      backbone.register('gated')(type('Other', (gated_pixelcnn.GatedPixelCNN,),
                                      {}))


if __name__ == '__main__':
  tf.test.main()
