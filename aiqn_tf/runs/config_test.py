"""The sectioned configuration: checks, presets, config.json old and new."""

import tensorflow as tf

from aiqn_tf.runs import config as config_lib
from aiqn_tf.runs import presets

# A config.json of the first releases (flat keys), as a digits AIQN-VAE run
# wrote it: pixel-model keys it never used included.
FLAT_AIQN_VAE = dict(
    model='aiqn_vae', dataset='digits', image_size=8, num_layers=15,
    filters=128, kernel_size=5, output_filters=1024, class_conditional=False,
    latent_dim=32, aiqn_layers=3, aiqn_units=512, head_units=16,
    kl_weight=0.5, prior_variance=0.1, train_steps=10000, batch_size=64,
    optimizer='adam', learning_rate=0.001, adam_beta1=0.5,
    lr_schedule='constant', kappa=0.002, ema_decay=0.999, seed=3,
    checkpoint_every=2000, summary_every=500, sample_every=2000,
    num_samples=64, shuffle_buffer=2000, eval_every=0, eval_num_samples=300,
    eval_classifier='digits', eval_classifier_path='')


class ConfigTest(tf.test.TestCase):

  def test_flat_file_of_first_releases_is_read_into_sections(self):
    config = config_lib.Config.from_dict(FLAT_AIQN_VAE).validate()
    self.assertEqual(config.model_name, 'aiqn_vae')
    self.assertEqual((config.model.latent_dim, config.model.kl_weight,
                      config.model.aiqn_units), (32, 0.5, 512))
    self.assertFalse(hasattr(config.model, 'num_layers'))
    self.assertEqual((config.data.dataset, config.data.image_size),
                     ('digits', 8))
    self.assertEqual((config.optimizer.adam_beta1, config.loop.seed,
                      config.evaluation.eval_classifier), (0.5, 3, 'digits'))
    self.assertEqual(config.image_shape, (8, 8, 1))

  def test_sections_round_trip(self):
    config = presets.preset('mnist', 'pixel_cnn').replace(
        class_conditional=True, seed=7)
    again = config_lib.Config.from_dict(config.to_dict())
    self.assertEqual(again, config)
    self.assertEqual(again.optimizer.optimizer, 'rmsprop')
    self.assertEqual(again.num_classes, 10)

  def test_every_preset_makes_every_model_it_is_for(self):
    for name, preset in presets.PRESETS.items():
      for model_name in preset.models:
        with self.subTest(preset=name, model=model_name):
          config = presets.preset(name, model_name).validate()
          again = config_lib.Config.from_dict(config.to_dict())
          self.assertEqual(again, config)
    snail = presets.preset('cifar10_snail', 'pixel_cnn_pp').make_model()
    self.assertEqual(snail.hyperparameters['backbone'], 'snail')
    self.assertLen(snail.backbone.attentions, 12)

  def test_each_section_checks_its_fields_and_names_them(self):
    config = config_lib.Config()
    for field, value, message in (
        ('learning_rate', 0.0, 'learning_rate must be > 0'),
        ('batch_size', 0, 'batch_size must be >= 1'),
        ('channels', 2, 'channels must be'),
        ('latent_dim', 4, 'latent_dim is not a setting of pixel_iqn'),
    ):
      with self.assertRaisesRegex(ValueError, message):
        config.replace(**{field: value})
    # The model's constructor checks the model section.
    with self.assertRaisesRegex(ValueError, 'kernel_size must be odd'):
      config.replace(kernel_size=4).validate()
    # Changing the data forgets a resolved dataset.
    resolved = config.replace(dataset='digits')
    resolved.data = resolved.data.resolve()
    self.assertIsNotNone(resolved.data.resolved)
    self.assertIsNone(resolved.replace(image_size=16).data.resolved)
    self.assertIsNotNone(resolved.replace(shuffle_buffer=5).data.resolved)


if __name__ == '__main__':
  tf.test.main()
