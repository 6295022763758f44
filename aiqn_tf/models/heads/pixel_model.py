"""What the pixel models share: a registered backbone under a head.

PixelIQN, PixelCNN and the PixelCNN++ head map images (plus tau for
PixelIQN, labels when class-conditional) through any registered backbone
(backbone.py: the Gated PixelCNN, the snail one, a plugin's) to
per-sub-pixel outputs, and each turns those outputs and uniform noise into
sample values (`sample_values`), so one sampler core (sampling.py) serves
every head on every backbone, exactly and fast.
"""

import dataclasses

import tensorflow as tf

from aiqn_tf.core import config_fields
from aiqn_tf.core import events
from aiqn_tf.core import images as image_lib
from aiqn_tf.models.backbones import backbone as backbone_lib
from aiqn_tf.models import base
from aiqn_tf.models import sampling

_setting = config_fields.setting


@dataclasses.dataclass
class PixelConfig:
  """The section of the pixel models, any backbone (the paper's CIFAR-10)."""
  num_layers: int = _setting(15, 'Gated layer blocks (snail: residual units).',
                            minimum=1)
  filters: int = _setting(128, 'Feature planes per block.',
                         note='at least the image channels')
  kernel_size: int = _setting(5, 'Filter size.',
                              note='odd, >= 3; >= 2 for sequences')
  output_filters: int = _setting(1024, 'Planes of the output path.',
                                note='at least the image channels')
  class_conditional: bool = _setting(False, 'Condition on class labels.',
                                    note='needs a dataset with labels')
  backbone: str = _setting(
      'gated', 'The registered backbone (models/backbones/backbone.py): '
      'gated (the paper\'s Gated PixelCNN), snail (PixelSNAIL-style, with '
      'causal attention), row_lstm and diagonal_bilstm (PixelRNN\'s), '
      'pixelcnn_pp (PixelCNN++\'s U-Net), wavenet (sequences: WaveNet\'s '
      'dilated causal stack), or one a --model_module '
      'registers; its own '
      'settings are the run\'s backbone section.', note='a registered backbone')


GatedPixelConfig = PixelConfig  # Its first name.


class PixelModel(base.GenerativeModel):
  """Base of the pixel models: a registered backbone and a head.

  Subclasses (the heads) define `uses_tau` (the backbone takes the noise as
  tau), `outputs_per_channel` (backbone planes per image channel),
  `values` (the events.VALUES codings they model), `call_outputs`,
  `sample_values` and `per_example_loss`. The event spaces a pixel model
  serves are its backbone's (`PixelBackbone.spaces`): images (H, W, C) with
  the built-in backbones, sequences (T, C) with a sequence backbone.
  The fast sampler's cache protocol is the images' rows; a sequence is
  sampled fast as a [T, 1, C] image where its backbone implements the
  protocol (WaveNet), and sequentially otherwise.

  Args:
    image_shape: the event shape: (H, W, C) with C in {1, 3} for images.
    num_layers: gated blocks (paper: 15; large ImageNet model: 20).
    filters: feature planes per block (paper: 128; large: 256).
    kernel_size: odd filter size (paper: 5).
    output_filters: planes of the skip/output path (paper: 1024).
    num_classes: None, or the number of classes for a class-conditional model.
    backbone: a registered backbone (backbone.REGISTRY): 'gated' (the
      paper's Gated PixelCNN), 'snail' (PixelSNAIL-style, with causal
      attention; num_layers counts its residual units), or a plugin's.
    backbone_config: dict, the backbone's own settings (its `Config`
      fields; snail: attention_every), defaults where missing.
    attention_every: the first releases' place of the snail backbone's
      setting (kept for .keras files that hold it; see CHANGELOG).
    backbone_options: more backbone arguments of a head's own (PixelIQN:
      tau_embedding).
    space: the events' space (base.GenerativeModel), one the backbone
      serves, of values the head models.
  """

  Config = PixelConfig
  sample_methods = sampling.METHODS  # 'fast' (the default), 'sequential'.
  can_inpaint = True
  uses_tau = False
  outputs_per_channel = 1
  spaces = events.KINDS  # Checked against the backbone's in __init__.
  values = events.VALUES

  def __init__(self, image_shape, num_layers=15, filters=128, kernel_size=5,
               output_filters=1024, num_classes=None, backbone='gated',
               backbone_config=None, attention_every=None,
               backbone_options=None, space=None, **kwargs):
    layer = backbone_lib.REGISTRY.get(backbone)
    served = events.EventSpace.of(space, image_shape)
    if served.kind not in layer.spaces:
      raise ValueError(f'The {backbone} backbone models '
                       f'{" or ".join(layer.spaces)}; the data are '
                       f'{served.describe()}.')
    if served.values not in self.values:
      raise ValueError(f'{self.kind or type(self).__name__} models '
                       f'{" or ".join(self.values)} values; the data are '
                       f'{served.describe()}.')
    backbone_config = dict(backbone_config or {})
    if attention_every is not None and backbone == 'snail':
      backbone_config.setdefault('attention_every', attention_every)
    known = [f.name for f in dataclasses.fields(layer.Config)]
    unknown = sorted(set(backbone_config) - set(known))
    if unknown:
      raise ValueError(f'{", ".join(unknown)}: not a setting of the '
                       f'{backbone} backbone; its settings are '
                       f'{", ".join(known) or "none"}.')
    section = layer.Config(**backbone_config)
    config_fields.check(section)
    backbone_config = dataclasses.asdict(section)
    super().__init__(image_shape, num_classes, space=served, **kwargs)
    if self.space.kind != 'images':
      self.sample_methods = (sampling.METHODS if backbone_lib.caches(layer)
                             else ('sequential',))
      self.can_invert = False
    self.architecture = dict(
        image_shape=self.image_shape, num_layers=num_layers, filters=filters,
        kernel_size=kernel_size, output_filters=output_filters,
        num_classes=num_classes)
    self.hyperparameters.update(dict(self.architecture, backbone=backbone,
                                     backbone_config=backbone_config))
    # A name the backbone's section shares with the model's (e.g. its own
    # filters) takes the backbone section's value.
    self.backbone = layer(
        out_channels=self.image_shape[-1] * self.outputs_per_channel,
        use_tau=self.uses_tau, name=layer.layer_name or backbone,
        **dict(self.architecture, **backbone_config),
        **dict(backbone_options or {}))

  def __call__(self, inputs, *args, **kwargs):
    # Check before Keras' automatic build, which would otherwise swallow the
    # error and mark the model built.
    self.backbone.unpack(inputs, self.space.key)
    return super().__call__(inputs, *args, **kwargs)

  def call(self, inputs):
    images, tau, labels = self.backbone.unpack(inputs, self.space.key)
    return self.call_outputs(self.backbone(images, tau, labels))

  def call_outputs(self, outputs):
    """The model's outputs from the backbone's [B, *event shape[:-1], C *
    per channel]."""
    return outputs

  def dummy_inputs(self, batch_size=1):
    shape = (batch_size,) + self.image_shape
    inputs = {self.space.key: tf.zeros(shape)}
    if self.uses_tau:
      inputs['tau'] = tf.fill(shape, 0.5)
    if self.num_classes:
      inputs['labels'] = tf.zeros([batch_size], tf.int32)
    return inputs

  def model_inputs(self, batch, tau=None):
    """The `call` inputs of a training batch (events as stored, labels)."""
    key = self.space.key
    inputs = {key: self.space.to_float(batch[key])}
    if self.uses_tau:
      inputs['tau'] = tau
    if self.num_classes:
      inputs['labels'] = batch['labels']
    return inputs

  def sample_values(self, outputs, noise):
    """Sample values [..., C] in the model scale (events.EventSpace) from
    backbone outputs at `noise`."""
    raise NotImplementedError

  def sample(self, noise, method=None, labels=None, images=None,
             num_fixed=0):
    method = self.check_method(method)
    self.check_conditioning(labels)
    noise = tf.convert_to_tensor(noise, tf.float32)
    tau = noise if self.uses_tau else None
    if method == 'fast':
      if self.space.kind == 'images':
        return sampling.cached(self.backbone, self.sample_values, noise, tau,
                               labels, images, num_fixed)
      rows = lambda x: None if x is None else tf.expand_dims(x, 2)
      return sampling.cached(self.backbone, self.sample_values, rows(noise),
                             rows(tau), labels, rows(images),
                             num_fixed)[:, :, 0]

    def step(images, noise):
      tau = noise if self.uses_tau else None
      return self.sample_values(self.backbone(images, tau, labels), noise)

    return sampling.sequential(step, noise, images, num_fixed)

  def serving_signatures(self):
    """sample / serving_default (and inpaint for images); see
    serving/export.py."""
    if self.space.kind != 'images':
      return self._event_signatures()
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
    # experiments/sampling.py); the checks stay outside it (XLA has no
    # Assert).
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

  def _event_signatures(self):
    """sample / serving_default of a space other than images: tau ->
    {space.key: the events as the data stores them}."""
    key, space = self.space.key, self.space
    sample_fn = tf.function(lambda tau, labels: space.from_float(
        self.sample(tau, None, labels)), jit_compile=True)

    def sample(tau, labels=None):
      tau = base.checked_input('tau', tau, self.image_shape, 0, 1)
      if labels is not None:
        labels = base.checked_input('labels', labels, (), 0,
                                    self.num_classes - 1)
      return {key: sample_fn(tau, labels)}

    label_spec = ([base.batch_spec('labels', tf.int32)] if self.num_classes
                  else [])
    return {'sample': tf.function(sample, input_signature=[
        base.batch_spec('tau', tf.float32, self.image_shape)] + label_spec)}
