"""Every registered model saves to .keras and loads with equal outputs."""

import os
import tempfile

from absl.testing import parameterized
import keras
import numpy as np
import tensorflow as tf

import aiqn_tf
from aiqn_tf.models import registry
from aiqn_tf.testing import test_util

KINDS = ('pixel_iqn', 'pixel_cnn', 'pixel_cnn_pp', 'aiqn_vae', 'vae',
         'wgan_gp', 'dcgan', 'aae', 'alpha_gan', 'vgh', 'veegan', 'vae_f',
         'cq', 'cq_f')
SMALL_PIXEL = dict(num_layers=2, filters=6, kernel_size=3, output_filters=6)


def _small(kind):
  if kind in ('pixel_iqn', 'pixel_cnn'):
    return registry.get(kind)((4, 4, 3), num_classes=3, **SMALL_PIXEL)
  if kind == 'pixel_cnn_pp':
    return aiqn_tf.PixelCNNPP((4, 4, 3), num_classes=3, num_mixtures=2,
                              **SMALL_PIXEL)
  if kind == 'aiqn_vae':
    return aiqn_tf.AIQNVAE((8, 8, 1), latent_dim=4, hidden_units=(8,),
                           head_units=2)
  if kind in ('wgan_gp', 'dcgan', 'alpha_gan', 'vgh', 'veegan'):
    return registry.get(kind)((8, 8, 1), latent_dim=4, filters=4)
  if kind in ('vae_f', 'cq', 'cq_f'):
    return registry.get(kind)((8, 8, 1), latent_dim=4, filters=4,
                              flow_units=4)
  return registry.get(kind)((8, 8, 1), latent_dim=4)


class SerializationTest(tf.test.TestCase, parameterized.TestCase):

  def test_every_registered_class_loads_back_as_itself(self):
    # Models and backbones share Keras's 'aiqn_tf' package: two classes of
    # one name (the PixelCNN++ head and the U-Net backbone, once) would load
    # as whichever registered last.
    from aiqn_tf.models.backbones import backbone  # pylint: disable=g-import-not-at-top
    classes = [registry.get(name) for name in registry.names()] + [
        backbone.REGISTRY.get(name) for name in backbone.REGISTRY.names()]
    for cls in classes:
      self.assertIs(keras.saving.get_registered_object(
          keras.saving.get_registered_name(cls)), cls, cls)

  def test_every_builtin_kind_is_covered(self):
    builtin = {name for name in registry.names() if registry.get(
        name).__module__.startswith('aiqn_tf.models.')}
    self.assertContainsSubset(builtin, KINDS)

  @parameterized.parameters(*KINDS)  # Every backbone: the conformance suite.
  def test_save_and_load_model(self, kind):
    keras.utils.set_random_seed(0)
    model = _small(kind).build_all()
    test_util.randomize_weights(model, seed=1)
    path = os.path.join(tempfile.mkdtemp(), 'model.keras')
    model.save(path)
    loaded = keras.models.load_model(path)
    self.assertIsInstance(loaded, type(model))
    self.assertEqual(loaded.get_config(), model.get_config())
    rng = np.random.default_rng(2)
    noise = rng.uniform(size=(2,) + tuple(model.noise_shape)).astype(
        np.float32)
    labels = tf.constant([0, 2]) if model.num_classes else None
    # Outputs on the same inputs, and samples from the same noise.
    inputs = model.dummy_inputs(2)
    if isinstance(inputs, dict):
      inputs = dict(inputs, images=tf.constant(rng.uniform(
          -1, 1, (2,) + model.image_shape), tf.float32))
      if 'tau' in inputs:
        inputs['tau'] = tf.constant(noise)
      if labels is not None:
        inputs['labels'] = labels
    self.assertAllClose(loaded(inputs), model(inputs), atol=1e-5)
    sample = lambda m: tf.function(lambda u: m.sample(u, labels=labels))(
        noise)
    self.assertAllClose(sample(loaded), sample(model), atol=1e-5)
    self.assertGreater(float(tf.math.reduce_std(sample(model))), 0.0)


if __name__ == '__main__':
  tf.test.main()
