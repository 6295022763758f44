"""A dense layer with a fixed 0/1 mask on its kernel: MADE's masked layer.

Germain et al. 2015's autoregressive masks (`masks.autoregressive_mask`)
on a dense kernel: the latent AIQN of AIQN-VAE (latent/latent_aiqn.py) and
the MADE backbone for vectors (backbones/made.py) are built from it.
"""

import keras
import numpy as np
import tensorflow as tf


@keras.saving.register_keras_serializable(package='aiqn_tf')
class MaskedDense(keras.layers.Layer):
  """Dense layer whose kernel is multiplied by a fixed 0/1 mask in `call`.

  Args:
    units: output units.
    mask: float array [in, units] of zeros and ones.
    activation: a Keras activation or None.
    use_bias: bool.
  """

  def __init__(self, units, mask, activation=None, use_bias=True, **kwargs):
    super().__init__(**kwargs)
    self.units = units
    self.mask_array = np.asarray(mask, np.float32)
    self.activation = keras.activations.get(activation)
    self.use_bias = use_bias

  def build(self, input_shape):
    if int(input_shape[-1]) != self.mask_array.shape[0]:
      raise ValueError(f'input has {input_shape[-1]} units, the mask '
                       f'{self.mask_array.shape[0]}.')
    self.kernel = self.add_weight(name='kernel',
                                  shape=self.mask_array.shape,
                                  initializer='glorot_uniform')
    self.bias = (self.add_weight(name='bias', shape=(self.units,),
                                 initializer='zeros')
                 if self.use_bias else None)
    with tf.init_scope():  # Capturable by every later graph (see MaskedConv2D).
      self.mask = tf.constant(self.mask_array)

  def call(self, inputs):
    outputs = tf.matmul(inputs, self.kernel * self.mask)
    if self.bias is not None:
      outputs += self.bias
    return self.activation(outputs)

  def get_config(self):
    return dict(super().get_config(), units=self.units,
                mask=self.mask_array.tolist(),
                activation=keras.activations.serialize(self.activation),
                use_bias=self.use_bias)
