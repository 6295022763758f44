"""A backbone and a head added without editing the library, through the binaries.

`MarkovBackbone`, registered here as the backbone 'toy_markov', sees the
previous pixel in raster order and the current pixel's earlier channels
(R < G < B), with tau and labels before its nonlinearity, and implements the
fast sampler's cache protocol (its cache: the last pixel of the row above).
`LaplaceHead`, registered as the model kind 'toy_laplace', is a pixel head
with a Laplace law per sub-pixel (location and log-scale, sampled by the
inverse CDF at uniform noise). The conformance suite runs the backbone under
every head; the binaries train, resume, sample fast, evaluate and export the
pair through --model_module, and the run's config.json remembers it.
"""

import dataclasses
import json
import os
import shutil
import tempfile

import keras
import numpy as np
import tensorflow as tf

from aiqn_tf.core import config_fields
from aiqn_tf.core import images as image_lib
from aiqn_tf.models.backbones import backbone
from aiqn_tf.models.heads import pixel_model
from aiqn_tf.models import registry
from aiqn_tf.models.layers import slicing
from aiqn_tf.models.layers.masked_conv import MaskedConv2D
from aiqn_tf.testing import conformance
from aiqn_tf.testing import test_util


@dataclasses.dataclass
class MarkovConfig:
  units_per_channel: int = config_fields.setting(
      4, 'toy_markov: hidden units per image channel.', minimum=1)


@backbone.register('toy_markov')
class MarkovBackbone(backbone.PixelBackbone):
  """Output (i, j, c) from the pixel before (i, j) and (i, j)'s channels < c."""

  Config = MarkovConfig

  def __init__(self, *args, units_per_channel=4, **kwargs):
    self.units_per_channel = units_per_channel  # Read by build_layers.
    super().__init__(*args, **kwargs)
    self.arguments['units_per_channel'] = units_per_channel

  def build_layers(self, channels, out_channels, num_layers, filters,
                   kernel_size, output_filters):
    del num_layers, filters, kernel_size, output_filters
    units = self.units_per_channel * channels
    self.current = MaskedConv2D(units, mask_type='A', num_groups=channels,
                                name='current')
    self.previous = keras.layers.Dense(units, name='previous')
    if self.use_tau:
      self.tau_in = MaskedConv2D(units, mask_type='B', num_groups=channels,
                                 name='tau_in')
    if self.num_classes:
      self.label_in = keras.layers.Embedding(self.num_classes, units,
                                             name='label_in')
    self.out = MaskedConv2D(out_channels, mask_type='B', num_groups=channels,
                            name='out')

  def _outputs(self, current, previous, tau_features, labels):
    x = self.current(current) + self.previous(previous)
    if tau_features is not None:
      x += self.tau_in(tau_features)
    if labels is not None:
      x += self.label_in(labels)[:, None, None, :]
    return self.out(tf.tanh(x))

  def call(self, images, tau=None, labels=None):
    batch = tf.shape(images)[0]
    height, width, channels = self.image_shape
    flat = tf.reshape(images, [batch, height * width, channels])
    previous = tf.reshape(tf.pad(flat, [[0, 0], [1, 0], [0, 0]])[:, :-1],
                          tf.shape(images))
    return self._outputs(images, previous,
                         None if tau is None else self.tau_features(tau),
                         labels)

  def sampling_start(self, images, tau=None, labels=None, first_row=0):
    last = tf.maximum(first_row - 1, 0)
    above = slicing.take(slicing.take(images, 1, last), 2,
                         self.image_shape[1] - 1)
    cache = tf.where(first_row > 0, above, tf.zeros_like(above))
    return cache, (None if tau is None else self.tau_features(tau), labels)

  def sampling_start_row(self, cache, context, x_row, i):
    return cache

  def sampling_pixel(self, cache, context, x_row, i, j, c):
    left = slicing.take(x_row, 2, tf.maximum(j - 1, 0))
    previous = tf.where(j > 0, left, cache)
    tau_features, labels = context
    if tau_features is not None:
      tau_features = slicing.take(slicing.take(tau_features, 1, i), 2, j)
    return self._outputs(slicing.take(x_row, 2, j), previous, tau_features,
                         labels), cache

  def sampling_finish_row(self, cache, context, x_row, r):
    return slicing.take(x_row, 2, self.image_shape[1] - 1)


@registry.register('toy_laplace')
class LaplaceHead(pixel_model.PixelModel):
  """A Laplace law per sub-pixel: outputs [B, H, W, C, 2] (location,
  log-scale in the [-1, 1] scale), trained by its negative log density."""

  outputs_per_channel = 2

  def call_outputs(self, outputs):
    return tf.reshape(outputs, [-1, *self.image_shape, 2])

  def training_noise(self, batch_size, seed):
    del batch_size, seed
    return {}

  def _law(self, outputs):
    return outputs[..., 0], tf.exp(tf.clip_by_value(outputs[..., 1], -7.0,
                                                    3.0))

  def per_example_loss(self, batch, noise, training=True):
    del noise, training
    images = image_lib.to_float(batch['images'])
    location, scale = self._law(self(self.model_inputs(batch)))
    nats = tf.math.log(2.0 * scale) + tf.abs(images - location) / scale
    return tf.reduce_sum(nats, [1, 2, 3]), {}

  def sample_values(self, outputs, noise):
    outputs = tf.reshape(outputs, tf.concat([tf.shape(noise), [2]], 0))
    location, scale = self._law(outputs)
    centred = noise - 0.5
    values = location - scale * tf.sign(centred) * tf.math.log(
        tf.maximum(1.0 - 2.0 * tf.abs(centred), 1e-12))
    return tf.clip_by_value(values, -1.0, 1.0)


# The toy backbone under every head, the toy head included.
ToyBackboneConformanceTest = conformance.make_suite(['toy_markov'])

# This file, as the binaries import it (not __main__ under Bazel).
MODULE = 'binaries.toy_backbone_test'


class ToyBackboneThroughBinariesTest(tf.test.TestCase):

  def test_train_resume_sample_evaluate_export(self):
    root = tempfile.mkdtemp()
    self.addCleanup(shutil.rmtree, root, ignore_errors=True)
    model_dir = os.path.join(root, 'toy')
    train = lambda steps: test_util.run_binary(
        'train', '--model=toy_laplace', '--backbone=toy_markov',
        f'--model_module={MODULE}', '--dataset=digits',
        '--toy_markov.units_per_channel=3', f'--train_steps={steps}',
        '--batch_size=16', '--summary_every=10', '--sample_every=0',
        '--checkpoint_every=10', f'--model_dir={model_dir}')
    code, output = train(10)
    self.assertEqual(code, 0, output)
    with open(os.path.join(model_dir, 'config.json')) as f:
      saved = json.load(f)
    self.assertEqual((saved['model']['name'], saved['model']['module'],
                      saved['model']['backbone'], saved['backbone']),
                     ('toy_laplace', MODULE, 'toy_markov',
                      {'units_per_channel': 3}))
    code, output = train(20)  # Resumes from step 10.
    self.assertEqual(code, 0, output)
    self.assertIn('at step 10', output)
    self.assertIn('Trained toy_laplace on digits to step 20', output)

    npz = {method: os.path.join(root, f'{method}.npz')
           for method in ('fast', 'sequential')}
    for method, path in npz.items():
      code, output = test_util.run_binary(
          'sample', f'--model_dir={model_dir}', '--num_samples=3',
          f'--method={method}', '--xla=false', f'--output={path}')
      self.assertEqual(code, 0, output)
    with np.load(npz['fast']) as fast, np.load(npz['sequential']) as seq:
      self.assertEqual(fast['images'].shape, (3, 8, 8, 1))
      self.assertGreater(fast['images'].std(), 0)
      self.assertLessEqual(np.abs(fast['images'].astype(int) -
                                  seq['images'].astype(int)).max(), 1)

    test_util.evaluate_and_export(self, model_dir,
                                  os.path.join(root, 'export'), (8, 8, 1))

if __name__ == '__main__':
  tf.test.main()
