"""A model kind added without editing the library: train, sample, evaluate, export.

`ToyAR`, registered here as 'toy_ar', is a trivial autoregressive quantile
model over sub-pixels in raster order: Q(tau | x_<k) = w_k x_{k-1} + b_k +
s_k (tau - 1/2). The binaries reach it through --model_module, and the run's
config.json remembers the module for the later binaries.
"""

import dataclasses
import json
import os
import shutil
import tempfile

import numpy as np
import tensorflow as tf

from aiqn_tf.core import images as image_lib
from aiqn_tf.models import base
from aiqn_tf.models import losses
from aiqn_tf.models import registry
from aiqn_tf.models import sampling
from aiqn_tf.testing import test_util


@dataclasses.dataclass
class ToyConfig:
  kappa: float = 0.05


@registry.register('toy_ar')
class ToyAR(base.GenerativeModel):
  """Each sub-pixel's quantile is linear in the previous one and in tau."""

  Config = ToyConfig
  sample_methods = ('sequential',)

  def __init__(self, image_shape, num_classes=None, kappa=0.05, **kwargs):
    super().__init__(image_shape, num_classes, **kwargs)
    self.kappa = kappa
    self.hyperparameters['kappa'] = kappa
    size = int(np.prod(self.image_shape))
    self.w = self.add_weight(shape=(size,), initializer='zeros', name='w')
    self.b = self.add_weight(shape=(size,), initializer='zeros', name='b')
    self.s = self.add_weight(shape=(size,), initializer='ones', name='s')

  def call(self, inputs):
    flat = tf.reshape(inputs['images'], [tf.shape(inputs['images'])[0], -1])
    previous = tf.pad(flat, [[0, 0], [1, 0]])[:, :-1]
    tau = tf.reshape(inputs['tau'], tf.shape(flat))
    quantiles = self.w * previous + self.b + self.s * (tau - 0.5)
    return tf.reshape(quantiles, tf.shape(inputs['images']))

  def dummy_inputs(self, batch_size=1):
    shape = (batch_size,) + self.image_shape
    return {'images': tf.zeros(shape), 'tau': tf.fill(shape, 0.5)}

  def per_example_loss(self, batch, noise, training=True):
    images = image_lib.to_float(batch['images'])
    quantiles = self({'images': images, 'tau': noise['tau']})
    loss = losses.quantile_huber_loss(images, quantiles, noise['tau'],
                                      self.kappa)
    return tf.reduce_sum(loss, [1, 2, 3]), {}

  def sample(self, noise, method=None, labels=None, images=None,
             num_fixed=0):
    self.check_method(method)
    self.check_conditioning(labels, images, num_fixed)
    step = lambda x, u: tf.clip_by_value(
        self({'images': x, 'tau': u}), -1.0, 1.0)
    return sampling.sequential(step, noise)

  def serving_signatures(self):
    sample = lambda tau: {'images': image_lib.to_uint8(self.sample(tau))}
    return {'sample': tf.function(sample, input_signature=[
        tf.TensorSpec((None,) + self.image_shape, tf.float32, name='tau')])}


# This file, as the binaries import it (not __main__ under Bazel).
MODULE = 'binaries.toy_model_test'


class ToyModelThroughBinariesTest(tf.test.TestCase):

  def test_train_sample_evaluate_export(self):
    root = tempfile.mkdtemp()
    self.addCleanup(shutil.rmtree, root, ignore_errors=True)
    model_dir = os.path.join(root, 'toy')
    code, output = test_util.run_binary(
        'train', '--model=toy_ar', f'--model_module={MODULE}',
        '--dataset=digits', '--train_steps=40', '--batch_size=16',
        '--learning_rate=0.05', '--summary_every=20', '--sample_every=40',
        '--checkpoint_every=20', '--num_samples=4', '--kappa=0.1',
        f'--model_dir={model_dir}')
    self.assertEqual(code, 0, output)
    self.assertIn('Trained toy_ar on digits to step 40', output)
    with open(os.path.join(model_dir, 'config.json')) as f:
      saved = json.load(f)['model']
    self.assertEqual((saved['name'], saved['module'], saved['kappa']),
                     ('toy_ar', MODULE, 0.1))

    npz = os.path.join(root, 'samples.npz')
    code, output = test_util.run_binary(
        'sample', f'--model_dir={model_dir}', '--num_samples=3',
        f'--output={npz}')
    self.assertEqual(code, 0, output)
    with np.load(npz) as f:
      self.assertEqual(f['images'].shape, (3, 8, 8, 1))
      self.assertGreater(f['images'].std(), 0)
    code, output = test_util.run_binary(
        'sample', f'--model_dir={model_dir}', '--inpaint')
    self.assertNotEqual(code, 0)
    self.assertIn('cannot --inpaint', output)

    test_util.evaluate_and_export(self, model_dir,
                                  os.path.join(root, 'export'), (8, 8, 1))

if __name__ == '__main__':
  tf.test.main()
