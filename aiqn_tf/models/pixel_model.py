"""What PixelIQN and the PixelCNN baseline share: the Gated PixelCNN model.

Both map images (plus tau for PixelIQN, labels when class-conditional) through
the same backbone to per-sub-pixel outputs, and both turn those outputs and
uniform noise into sample values (`sample_values`), so one sampler core
(sampling.py) serves both, exactly and fast.
"""

import dataclasses

import tensorflow as tf

from aiqn_tf.core import config_fields
from aiqn_tf.core import images as image_lib
from aiqn_tf.models import base
from aiqn_tf.models import sampling
from aiqn_tf.models import snail
from aiqn_tf.models.gated_pixelcnn import GatedPixelCNN

# --backbone: the layer class and its name inside the model (the Gated
# PixelCNN keeps the name earlier checkpoints have).
BACKBONES = {'gated': (GatedPixelCNN, 'gated_pixelcnn'),
             'snail': (snail.SnailPixelCNN, 'snail')}
_setting = config_fields.setting


@dataclasses.dataclass
class PixelConfig:
  """The section of the pixel models, either backbone (the paper's CIFAR-10)."""
  num_layers: int = _setting(15, 'Gated layer blocks (snail: residual units).',
                            minimum=1)
  filters: int = _setting(128, 'Feature planes per block.',
                         note='at least the image channels')
  kernel_size: int = _setting(5, 'Filter size.', note='odd, >= 3')
  output_filters: int = _setting(1024, 'Planes of the output path.',
                                note='at least the image channels')
  class_conditional: bool = _setting(False, 'Condition on class labels.',
                                    note='needs a dataset with labels')
  backbone: str = _setting(
      'gated', 'PixelIQN / PixelCNN / PixelCNN++: the Gated PixelCNN (the '
      'paper) or a PixelSNAIL-style one with causal attention.',
      choices=tuple(BACKBONES))
  attention_every: int = _setting(
      snail.ATTENTION_EVERY, 'snail: residual units per causal attention '
      'layer.', minimum=1)


GatedPixelConfig = PixelConfig  # Its first name.


class PixelModel(base.GenerativeModel):
  """Base of the Gated PixelCNN models; subclasses set the head.

  Subclasses define `uses_tau` (the backbone takes the noise as tau),
  `outputs_per_channel` (backbone planes per image channel), `call_outputs`,
  `sample_values` and `per_example_loss`.

  Args:
    image_shape: (H, W, C), C in {1, 3}.
    num_layers: gated blocks (paper: 15; large ImageNet model: 20).
    filters: feature planes per block (paper: 128; large: 256).
    kernel_size: odd filter size (paper: 5).
    output_filters: planes of the skip/output path (paper: 1024).
    num_classes: None, or the number of classes for a class-conditional model.
    backbone: 'gated' (the paper's Gated PixelCNN) or 'snail' (PixelSNAIL-
      style, with causal attention); num_layers counts its residual units.
    attention_every: snail only: residual units per attention layer (>= 1;
      PixelSNAIL's CIFAR-10 model: 4). The gated backbone ignores it.
    backbone_options: more GatedPixelCNN arguments of a subclass's own
      (PixelIQN: tau_embedding).
  """

  Config = PixelConfig
  sample_methods = sampling.METHODS  # 'fast' (the default), 'sequential'.
  can_inpaint = True
  uses_tau = False
  outputs_per_channel = 1

  def __init__(self, image_shape, num_layers=15, filters=128, kernel_size=5,
               output_filters=1024, num_classes=None, backbone='gated',
               attention_every=snail.ATTENTION_EVERY, backbone_options=None,
               **kwargs):
    if backbone not in BACKBONES:
      raise ValueError(f'backbone must be one of {", ".join(BACKBONES)}, '
                       f'got {backbone!r}.')
    if attention_every < 1:
      raise ValueError(f'attention_every must be >= 1, got {attention_every}.')
    backbone_options = dict(backbone_options or {})
    if backbone == 'snail':
      backbone_options['attention_every'] = attention_every
    super().__init__(image_shape, num_classes, **kwargs)
    self.architecture = dict(
        image_shape=self.image_shape, num_layers=num_layers, filters=filters,
        kernel_size=kernel_size, output_filters=output_filters,
        num_classes=num_classes)
    self.hyperparameters.update(dict(self.architecture, backbone=backbone,
                                     attention_every=attention_every))
    layer, name = BACKBONES[backbone]
    self.backbone = layer(
        out_channels=self.image_shape[-1] * self.outputs_per_channel,
        use_tau=self.uses_tau, name=name, **self.architecture,
        **backbone_options)

  def __call__(self, inputs, *args, **kwargs):
    # Check before Keras' automatic build, which would otherwise swallow the
    # error and mark the model built.
    self.backbone.unpack(inputs)
    return super().__call__(inputs, *args, **kwargs)

  def call(self, inputs):
    images, tau, labels = self.backbone.unpack(inputs)
    return self.call_outputs(self.backbone(images, tau, labels))

  def call_outputs(self, outputs):
    """The model's outputs from the backbone's [B, H, W, C * per channel]."""
    return outputs

  def dummy_inputs(self, batch_size=1):
    shape = (batch_size,) + self.image_shape
    inputs = {'images': tf.zeros(shape)}
    if self.uses_tau:
      inputs['tau'] = tf.fill(shape, 0.5)
    if self.num_classes:
      inputs['labels'] = tf.zeros([batch_size], tf.int32)
    return inputs

  def model_inputs(self, batch, tau=None):
    """The `call` inputs of a training batch (uint8 images, labels)."""
    inputs = {'images': image_lib.to_float(batch['images'])}
    if self.uses_tau:
      inputs['tau'] = tau
    if self.num_classes:
      inputs['labels'] = batch['labels']
    return inputs

  def sample_values(self, outputs, noise):
    """Sample values [..., C] in [-1, 1] from backbone outputs at `noise`."""
    raise NotImplementedError

  def sample(self, noise, method=None, labels=None, images=None,
             num_fixed=0):
    method = self.check_method(method)
    self.check_conditioning(labels)
    noise = tf.convert_to_tensor(noise, tf.float32)
    tau = noise if self.uses_tau else None
    if method == 'fast':
      return sampling.cached(self.backbone, self.sample_values, noise, tau,
                             labels, images, num_fixed)

    def step(images, noise):
      tau = noise if self.uses_tau else None
      return self.sample_values(self.backbone(images, tau, labels), noise)

    return sampling.sequential(step, noise, images, num_fixed)

  def serving_signatures(self):
    """sample / serving_default and inpaint; see serving/export.py."""
    height, width, channels = self.image_shape
    num_classes = self.num_classes
    check_images = lambda name, x, low, high: base.checked_input(
        name, x, (height, width, channels), low, high)

    def check_labels(labels, tau):
      if labels is None:
        return None
      message = f'labels must be in [0, {num_classes})'
      tf.debugging.assert_equal(tf.shape(labels), tf.shape(tau)[:1],
                                message='labels must have shape [batch]')
      tf.debugging.assert_greater_equal(labels, 0, message=message)
      tf.debugging.assert_less(labels, num_classes, message=message)
      return labels

    # The sampler compiled with XLA, as `sample --xla` (3-4x faster on CPU,
    # bench/sampling.py); the checks stay outside it (XLA has no Assert).
    fast = tf.function(
        lambda tau, labels, images, num_fixed: image_lib.to_uint8(
            self.sample(tau, 'fast', labels, images, num_fixed)),
        jit_compile=True)

    def sample(tau, labels=None):
      tau = check_images('tau', tau, 0, 1)
      labels = check_labels(labels, tau)
      return {'images': fast(tau, labels, None, 0)}

    def inpaint(images, tau, fixed_rows, labels=None):
      images = check_images('images', images, 0, 255)
      tau = check_images('tau', tau, 0, 1)
      labels = check_labels(labels, tau)
      tf.debugging.assert_equal(tf.shape(images)[0], tf.shape(tau)[0],
                                message='images and tau differ in batch size')
      message = f'fixed_rows must be in [0, {height}]'
      tf.debugging.assert_greater_equal(fixed_rows, 0, message=message)
      tf.debugging.assert_less_equal(fixed_rows, height, message=message)
      num_fixed = fixed_rows * width * channels
      return {'images': fast(tau, labels, image_lib.to_float(images),
                             num_fixed)}

    label_spec = ([base.batch_spec('labels', tf.int32)] if num_classes else [])
    return {
        'sample': tf.function(sample, input_signature=[
            base.batch_spec('tau', tf.float32, self.image_shape)] + label_spec),
        'inpaint': tf.function(inpaint, input_signature=[
            base.batch_spec('images', tf.uint8, self.image_shape),
            base.batch_spec('tau', tf.float32, self.image_shape),
            tf.TensorSpec([], tf.int32, name='fixed_rows')] + label_spec),
    }
