"""The protocol every aiqn_tf model implements.

As tfp distributions implement `_log_prob` / `_sample_n` and dopamine's agents
`_build_networks` / `_build_train_op`, a model kind subclasses
`GenerativeModel`, declares its hyperparameters as a dataclass (`Config`, the
model section of a run's configuration) and overrides the methods below.
Everything above the models (trainer, evaluation, export, binaries) uses only
this protocol; a registry (`registry.register`) maps names to classes.

What a model says about itself:
- `Config`, `from_section`: its hyperparameters and how it is built from them.
- `noise_shape`, `training_noise`: the noise of one sample, and the noise a
  training step draws (a stateless function of a seed, so runs resume exactly
  and do not depend on the number of replicas).
- `dummy_inputs`: inputs that build every weight.
- `per_example_loss`: the training loss [B] and the parts worth logging.
- `players`: who is trained, in which order, with what loss, on which
  weights: one player (the default: `per_example_loss` on every weight) or
  several (a GAN's critic and generator, each with its own optimizer and
  number of updates per step).
- `averaged_layer`: the weights the Polyak average covers.
- `sample_methods`, `sample`: its samplers (the first is the default).
- Capabilities the binaries check: `num_classes` (labels), `can_inpaint`,
  `can_reconstruct` (`reconstruct`), `can_invert` (`invert`),
  `latent_methods` (`encode`, `codes`), `estimates_likelihood`
  (`estimate_log_prob`), and `spaces`, the event spaces it serves
  (core/events.py; `space` is the one it was built for).
- `serving_signatures`: the functions a SavedModel export serves.
"""

import dataclasses
from typing import Callable

import keras
import tensorflow as tf

from aiqn_tf.core import events
from aiqn_tf.core import images as image_lib


@dataclasses.dataclass
class NoConfig:
  """The model section of a model without hyperparameters."""


@dataclasses.dataclass(frozen=True)
class Player:
  """One optimizer's part of a training step.

  Attributes:
    name: names its optimizer in checkpoints and its loss in the log
      ('<name>_loss' where a model has several players).
    loss: callable(batch, noise, training) -> (loss float32 [B], dict of
      float32 [B]: parts to log), as `per_example_loss`.
    variables: callable() -> the variables this player's optimizer trains.
    updates: updates per training step, each on its own batch and noise (a
      WGAN-GP critic: 5).
  """
  name: str
  loss: Callable
  variables: Callable
  updates: int = 1


class GenerativeModel(keras.Model):
  """Base class of every model kind; see the module docstring.

  Subclasses call `super().__init__(image_shape, num_classes, **kwargs)` and
  keep their constructor arguments in `self.hyperparameters` (for
  `get_config`, so `model.save('m.keras')` / `keras.models.load_model` work).

  Args:
    image_shape: the shape of one event: (H, W, C) of images (the name is
      the first releases'), (T, C) of sequences, (D,) of vectors.
    num_classes: int or None.
    space: the events' space (core/events.py) as an EventSpace or its
      `to_dict()`; None: 8-bit images of image_shape. A kind serves the
      spaces in `spaces` and refuses others, saying so.
  """

  kind = None  # Set by registry.register.
  spaces = ('images',)  # The event spaces' kinds a model kind serves.
  Config = NoConfig
  sample_methods = ()
  can_inpaint = False
  can_reconstruct = False
  # `invert(images, labels, method)`: the noise whose sample gives the images
  # back (PixelIQN's tau, likelihood.py).
  can_invert = False
  latent_methods = ()
  # True where log_prob is an estimate the loss does not give (PixelIQN):
  # it implements `estimate_log_prob`, and evaluations estimate bits/dim
  # with it (evaluate.py).
  estimates_likelihood = False

  def __init__(self, image_shape, num_classes=None, space=None, **kwargs):
    super().__init__(**kwargs)
    self.image_shape = tuple(int(d) for d in image_shape)
    self.space = events.EventSpace.of(space, self.image_shape)
    if self.space.shape != self.image_shape:
      raise ValueError(f'The event space\'s shape {self.space.shape} is not '
                       f'image_shape {self.image_shape}.')
    if self.space.kind not in self.spaces:
      raise ValueError(f'{self.kind or type(self).__name__} models '
                       f'{" or ".join(self.spaces)}; the data are '
                       f'{self.space.describe()}.')
    self.num_classes = num_classes
    self.hyperparameters = dict(image_shape=self.image_shape,
                                num_classes=num_classes)
    if not self.space.is_8bit_images:  # Their files stay as they were.
      self.hyperparameters['space'] = self.space.to_dict()

  @property
  def event_shape(self):
    """The shape of one event (`image_shape`, named for any space)."""
    return self.image_shape

  # Building.

  @classmethod
  def from_section(cls, section, image_shape, num_classes=None,
                   backbone_section=None, space=None):
    """An unbuilt model from its config section (an instance of `Config`).

    Args:
      section: the model's `Config` dataclass.
      image_shape: the event shape of the data ((H, W, C) of images).
      num_classes: the data's number of classes, or None. Passed on only if
        the section has `class_conditional` set.
      backbone_section: for a model with a backbone, the backbone's `Config`
        dataclass, passed as `backbone_config` (a dict).
      space: the data's events.EventSpace; passed on unless it is 8-bit
        images (which every model kind takes without it).
    """
    fields = dataclasses.asdict(section)
    if not fields.pop('class_conditional', False):
      num_classes = None
    if backbone_section is not None:
      fields['backbone_config'] = dataclasses.asdict(backbone_section)
    if space is not None and not space.is_8bit_images:
      fields['space'] = space
    return cls(image_shape, num_classes=num_classes, **fields)

  def dummy_inputs(self, batch_size=1):
    """Inputs of `call` that build every weight."""
    raise NotImplementedError

  def build_all(self):
    """Builds every weight (one call on `dummy_inputs`); returns self."""
    self(self.dummy_inputs())
    return self

  def get_build_config(self):
    # Non-empty, or Keras skips build_from_config when loading a .keras file.
    return {'build_all': True}

  def build_from_config(self, config):
    del config
    self.build_all()

  def get_config(self):
    return dict(super().get_config(), **self.hyperparameters)

  # Noise and training.

  @property
  def noise_shape(self):
    """Shape of one sample's noise (uniform in [0, 1])."""
    return self.image_shape

  def training_noise(self, batch_size, seed):
    """The noise of a training batch: dict of float32 [batch_size, ...].

    Args:
      batch_size: the global batch size (each replica takes its slice).
      seed: shape-[2] int tensor, a function of (run seed, step).
    """
    return {'tau': tf.random.stateless_uniform(
        (batch_size,) + tuple(self.noise_shape), seed)}

  def per_example_loss(self, batch, noise, training=True):
    """The training loss of each example.

    Args:
      batch: {space.key: [B, *event shape] as stored ("images": uint8 [B,
        H, W, C]) (, "labels": int32 [B])}.
      noise: this batch's slice of `training_noise`.
      training: batch norm mode.

    Returns:
      (loss float32 [B], dict of float32 [B]: parts to log, averaged over
      the batch by the trainer).
    """
    raise NotImplementedError

  def players(self):
    """The players of a training step, updated in this order (see Player).

    The trainer gives each its own optimizer (the run's optimizer settings)
    and, within a step, updates each `updates` times before the next; a step
    whose loss or gradient is non-finite anywhere changes nothing. Default:
    one player, 'model', `per_example_loss` on every trainable weight.
    """
    return (Player('model', self.per_example_loss,
                   lambda: self.trainable_variables),)

  def log_prob(self, images, labels=None, num_samples=1):
    """log P(x) in nats [B] of 8-bit images under the model.

    Args:
      images: float32 [B, H, W, C] in [-1, 1] on 8-bit levels (as
        images.to_float gives them).
      labels: int32 [B] for a class-conditional model.
      num_samples: draws of an estimate, for models whose likelihood is
        estimated (PixelIQN); exact ones ignore it.

    Raises:
      NotImplementedError: for a model without a likelihood of 8-bit images.
    """
    del images, labels, num_samples
    raise NotImplementedError(f'{type(self).__name__} gives no likelihood of '
                              '8-bit images.')

  def estimate_log_prob(self, images, labels=None, num_samples=1, seed=0,
                        epsilon=0.0):
    """An estimate of log P(x) in nats [B] and its diagnostics, for a model
    with `estimates_likelihood`.

    Args:
      images, labels, num_samples: as `log_prob`.
      seed: of the estimate's randomness.
      epsilon: in [0, 1), a smoothing that gives every level some mass
        (PixelIQN: likelihood.log_prob).

    Returns:
      (log_p float32 [B], dict of float32 [B]: the estimate's diagnostics).
    """
    del images, labels, num_samples, seed, epsilon
    raise NotImplementedError(f'{type(self).__name__} does not estimate its '
                              'likelihood (estimates_likelihood is False).')

  def averaged_layer(self):
    """The layer whose weights the Polyak average covers (None: nothing).

    The other weights are copied into the averaged model as they are.
    """
    return self

  # Sampling.

  def check_method(self, method):
    """`method`, or the default sampler for None; ValueError if unknown."""
    if method is None:
      return self.sample_methods[0]
    if method not in self.sample_methods:
      raise ValueError(f'method must be one of {", ".join(self.sample_methods)}'
                       f' for {self.kind}, got {method!r}.')
    return method

  def sample(self, noise, method=None, labels=None, images=None,
             num_fixed=0):
    """Images from noise. Wrap in tf.function for speed.

    Args:
      noise: float32 [B, *noise_shape] in [0, 1].
      method: one of `sample_methods` (None: the first).
      labels: int32 [B] for a class-conditional model, else None.
      images, num_fixed: with `can_inpaint`, float32 [B, H, W, C] in [-1, 1]
        whose first num_fixed sub-pixels (raster order) are kept.

    Returns:
      float32 [B, H, W, C] in [-1, 1].
    """
    raise NotImplementedError

  def reconstruct_signature(self):
    """The `reconstruct` serving function of a model that can reconstruct:
    uint8 images [B, *image_shape] -> {"images": uint8 reconstructions}."""

    def reconstruct(images):
      images = checked_input('images', images, self.image_shape, 0, 255)
      return {'images': image_lib.to_uint8(self.reconstruct(
          image_lib.to_float(images)))}

    return tf.function(reconstruct, input_signature=[
        batch_spec('images', tf.uint8, self.image_shape)])

  def serving_signatures(self):
    """{name: tf.function with an input_signature} to export; the first serves
    as serving_default."""
    raise NotImplementedError

  def check_conditioning(self, labels, images=None, num_fixed=0):
    """Raises ValueError for labels or a prefix the model cannot take."""
    if (labels is None) != (self.num_classes is None):
      raise ValueError(f'{self.kind} needs labels' if self.num_classes else
                       f'{self.kind} is not class-conditional: pass no '
                       'labels.')
    if (images is not None or num_fixed) and not self.can_inpaint:
      raise ValueError(f'{self.kind} cannot complete images (inpaint).')


def checked_images(images):
  """float images, checked to lie in [-1, 1] (NaN refused).

  Eagerly a ValueError; inside tf.function (where users wrap `model.invert`
  and `model.log_prob`) a Python `if` on a tensor cannot decide, so a traced
  call checks in the graph instead (InvalidArgumentError when it runs).
  """
  message = 'images must be in [-1, 1] (images.to_float of uint8).'
  if tf.executing_eagerly():
    if not tf.reduce_all(tf.abs(images) <= 1.0):
      raise ValueError(message)
    return images
  with tf.control_dependencies([tf.debugging.assert_less_equal(
      tf.abs(images), tf.cast(1.0, images.dtype), message=message)]):
    return tf.identity(images)


def checked_input(name, x, shape, low, high):
  """x after asserting its shape [batch, *shape] and range [low, high].

  For serving signatures, whose inputs declare their shape (`batch_spec`):
  TensorFlow refuses another shape before the signature runs, naming the
  declared one; this checks it again in the graph, for a server that feeds
  tensors unchecked, and refuses a value out of range (NaN included) with a
  message naming the range.
  """
  x_shape = tf.shape(x)
  # Compared as text, which holds for any rank, even where TensorFlow has
  # taken the rank from the signature's declared shape (and folded it away).
  as_text = lambda dims: tf.strings.reduce_join(
      tf.strings.as_string(dims), separator=',')
  shape_ok = tf.equal(as_text(x_shape[1:]),
                      ','.join(str(int(d)) for d in shape))
  shape_text = '[batch, ' + ', '.join(map(str, shape)) + ']'
  checks = [tf.debugging.Assert(
      shape_ok, [f'{name} must have shape {shape_text}, got', x_shape],
      summarize=16)]
  with tf.control_dependencies(checks):
    message = f'{name} must be in [{low}, {high}]'
    checks.append(tf.debugging.assert_greater_equal(
        x, tf.cast(low, x.dtype), message=message))
    checks.append(tf.debugging.assert_less_equal(
        x, tf.cast(high, x.dtype), message=message))
  with tf.control_dependencies(checks):
    return tf.ensure_shape(tf.identity(x), [None] + list(shape))


def batch_spec(name, dtype, shape=()):
  """The TensorSpec [None, *shape] of a serving signature's input.

  Declared, the shape shows in the SavedModel's signature (`saved_model_cli
  show`, TF Serving's model metadata), so clients know what to send.
  """
  return tf.TensorSpec([None] + [int(d) for d in shape], dtype, name=name)
