"""Section flags: each kind's fields with their own help, the flat flags kept."""

import dataclasses

from absl import flags
from absl.testing import absltest

from aiqn_tf.core import config_fields
from aiqn_tf.models.backbones import backbone
from aiqn_tf.models.backbones import gated_pixelcnn
from aiqn_tf.runs import config as config_lib
from aiqn_tf.runs import config_flags
from aiqn_tf.runs import presets


@dataclasses.dataclass
class _WideConfig:
  filters: int = config_fields.setting(8, 'wide: its own filters.', minimum=1)


@backbone.register('test_wide_gated')
class _WideGated(gated_pixelcnn.GatedPixelCNN):
  """A backbone whose section declares a name the pixel models declare."""

  Config = _WideConfig


class ConfigFlagsTest(absltest.TestCase):

  def _defined(self, model='pixel_iqn', backbone_name='gated'):
    values = flags.FlagValues()
    names = config_flags.define(values, model, backbone_name)
    return values, names

  def test_each_kind_has_its_own_help_and_the_flat_flag_the_chosen_ones(self):
    values, names = self._defined()
    self.assertIn('Feature planes per block', values['filters'].help)
    self.assertIn('--pixel_iqn.filters', values['filters'].help)
    self.assertIn('Huber threshold of the quantile loss',
                  values['kappa'].help)
    self.assertIn('discriminator', values['alpha_gan.filters'].help)
    self.assertIn('pixel_iqn: Feature planes', values['pixel_iqn.filters'].help)
    self.assertIn('snail.attention_every', names)
    self.assertIn('learning_rate', names)  # Shared sections stay flat.
    gan, _ = self._defined('alpha_gan', None)
    self.assertIn('discriminator', gan['filters'].help)

  def test_chosen_reads_the_command_line(self):
    self.assertEqual(config_flags.chosen(['x']), ('pixel_iqn', 'gated'))
    self.assertEqual(config_flags.chosen(
        ['x', '--model=pixel_cnn', '--backbone', 'snail']),
                     ('pixel_cnn', 'snail'))
    self.assertEqual(config_flags.chosen(['x', '--model=wgan_gp']),
                     ('wgan_gp', None))
    self.assertEqual(config_flags.chosen(['x', '--model=nope']),
                     ('pixel_iqn', 'gated'))

  def test_section_flags_become_fields_and_others_are_ignored(self):
    fields, ignored = config_flags.to_fields(
        {'pixel_iqn.kappa': 0.1, 'snail.attention_every': 4,
         'alpha_gan.filters': 3, 'filters': 8}, 'pixel_iqn', 'snail')
    self.assertEqual(fields, {'model.kappa': 0.1,
                              'backbone.attention_every': 4, 'filters': 8})
    self.assertEqual(ignored, ['alpha_gan.filters'])

  def test_a_name_the_model_and_its_backbone_share_needs_its_section(self):
    config = presets.preset('digits', 'pixel_iqn').replace(
        backbone='test_wide_gated')
    with self.assertRaisesRegex(ValueError, 'both pixel_iqn and the '
                                'test_wide_gated backbone'):
      config.replace(filters=16)
    config = config.replace(**{'model.filters': 16, 'backbone.filters': 4})
    self.assertEqual((config.model.filters, config.backbone.filters), (16, 4))
    self.assertEqual(config.value('backbone.filters'), 4)
    model = config.validate().make_model().build_all()
    self.assertEqual(model.backbone.arguments['filters'], 4)

  def test_choosing_a_backbone_resets_its_section_and_old_files_load(self):
    config = presets.preset('cifar10_snail', 'pixel_iqn')
    self.assertEqual(config.backbone.attention_every, 4)
    self.assertIsNone(dataclasses.asdict(config.replace(
        backbone='gated').backbone).get('attention_every'))
    old = config.to_dict()
    del old['backbone']
    old['model']['attention_every'] = 3  # Where 0.3.0 kept it.
    self.assertEqual(config_lib.Config.from_dict(old).backbone.attention_every,
                     3)
    with self.assertRaisesRegex(ValueError, 'not a setting of pixel_iqn'):
      presets.preset('digits', 'pixel_iqn').replace(attention_every=3)


if __name__ == '__main__':
  absltest.main()
