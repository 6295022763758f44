"""The conformance suite of pixel backbones: every backbone under every head.

A backbone (models/backbones/backbone.py) is correct when, under each pixel head
(PixelIQN's quantiles, PixelCNN's softmax, the PixelCNN++ mixture: every
registered model kind built on `pixel_model.PixelModel`):

- it is causal, by Jacobians: output sub-pixel k (raster order, R < G < B)
  has zero derivative with respect to image sub-pixels >= k and to tau at
  sub-pixels > k, a non-zero one with respect to its own tau (heads that take
  tau) and to some earlier sub-pixel; in grey, in RGB, class-conditional
  (the labels change the outputs);
- its cached fast sampler gives the sequential reference's samples, from
  scratch and completing a prefix that ends inside a pixel (inpainting);
- the model saves to .keras and loads with equal outputs;
- what the trainer's guarantees need of it (training/trainer_test.py tests
  them for every model kind): two replicas train as one device only if each
  example's outputs are its own (no batch statistics, no mixing across the
  batch), and a run resumes exactly only if the backbone's state is in the
  weights a checkpoint holds; both are checked here, in one process.

A backbone of sequences (`spaces`, core/events.py) runs the same causality
cases on [T, C] events (mono, stereo, class-conditional), one of vectors on
[D] events, in the values
each head models (continuous where it can), the sequential sampler's own
property (a sample is a fixed point of the model: each value is what the
head gives at its noise from the values before it, with a given prefix
kept; vectors too) and, where it implements the cache protocol (WaveNet), fast ==
sequential on sequences, from scratch and from a prefix.

`make_suite(backbones)` returns a test case class over those backbones and
every head; the library's test runs it for its built-in backbones
(models/backbone_conformance_test.py), a plugin's test for its own:

  from aiqn_tf.testing import conformance
  MyBackboneTest = conformance.make_suite(['my_backbone'])

The models are tiny (a few thousand weights) and run in the test's process,
so the suite stays cheap as backbones and heads are added.
"""

import os
import tempfile

from absl.testing import parameterized
import keras
import numpy as np
import tensorflow as tf

from aiqn_tf.core import events
from aiqn_tf.core import images as image_lib
from aiqn_tf.models.backbones import backbone as backbone_lib
from aiqn_tf.models.heads import pixel_model
from aiqn_tf.models import registry
from aiqn_tf.models import sampling
from aiqn_tf.testing import test_util

# Shapes of the causality cases per event space: (name, shape, classes).
CASES = {
    'images': (('grey', (3, 3, 1), None), ('rgb', (2, 3, 3), None),
               ('rgb_classes', (2, 2, 3), 3)),
    'sequences': (('mono', (5, 1), None), ('stereo', (4, 2), None),
                  ('stereo_classes', (3, 2), 3)),
    'vectors': (('pair', (2,), None), ('five', (5,), None),
                ('four_classes', (4,), 3)),
}
# Sizes of a tiny model, per image channel (wide enough that the output
# path's ReLUs leave every sub-pixel a live path); the heads' own options
# keep their outputs small.
TINY = dict(num_layers=2, filters=6, kernel_size=3, output_filters=12)
HEAD_OPTIONS = {'pixel_cnn_pp': dict(num_mixtures=2)}


def heads(builtin=False):
  """The registered model kinds that are a head on a pixel backbone (those
  of this package only, with builtin)."""
  names = registry.builtin_names() if builtin else registry.names()
  return [name for name in names
          if issubclass(registry.get(name), pixel_model.PixelModel)]


def space_of(head, shape, values=None):
  """The event space of a case: images of `shape` (rank 3), or sequences
  (rank 2) or vectors (rank 1) in `values`, by default the finest the head
  models: continuous where it can, else 16-bit, else mu-law (sound's
  codings), else its first."""
  if len(shape) == 3:
    return events.EventSpace.images(shape)
  served = registry.get(head).values
  return events.EventSpace(
      'sequences' if len(shape) == 2 else 'vectors', shape,
      values or next((v for v in ('float', 'int16', 'mu_law') if v in served),
                     served[0]))


def _shape(backbone, images, sequences, vectors):
  """The shape of a case for a backbone: of its first event space."""
  kind = backbone_lib.REGISTRY.get(backbone).spaces[0]
  return {'images': images, 'sequences': sequences, 'vectors': vectors}[kind]


def tiny_model(head, backbone, shape, num_classes=None, seed=0, values=None):
  """A built model of kind `head` on `backbone`, every weight random
  (`values`: of sequences or vectors, as `space_of`)."""
  keras.utils.set_random_seed(seed)
  sizes = dict(TINY, filters=TINY['filters'] * shape[-1],
               output_filters=TINY['output_filters'] * shape[-1])
  space = space_of(head, shape, values)
  model = registry.get(head)(
      shape, num_classes=num_classes, backbone=backbone, **sizes,
      **HEAD_OPTIONS.get(head, {}),
      **({} if space.kind == 'images' else dict(space=space)))
  model.build_all()
  test_util.randomize_weights(model, seed=seed)
  return model


def _inputs(model, shape, num_classes, seed, labels=(0,)):
  rng = np.random.default_rng(seed)
  inputs = {model.space.key: tf.constant(rng.uniform(-1, 1, (1,) + shape),
                                         tf.float32)}
  if model.uses_tau:
    inputs['tau'] = tf.constant(rng.uniform(size=(1,) + shape), tf.float32)
  if num_classes:
    inputs['labels'] = tf.constant(labels, tf.int32)
  return inputs


def _per_subpixel(outputs, shape):
  """Model outputs [1, H, W, C(, P)] -> one value per sub-pixel [H W C]."""
  outputs = tf.reshape(outputs, [int(np.prod(shape)), -1])
  # A weighted sum, so that no parameters' derivatives cancel by chance.
  weights = tf.range(1.0, outputs.shape[-1] + 1.0) / outputs.shape[-1]
  return tf.reduce_sum(outputs * weights, -1)


def _sequence_case(head, backbone, shape):
  """(a tiny class-conditional model of two classes, noise, labels, a
  random prefix) for two sequences (or vectors) of `shape`."""
  model = tiny_model(head, backbone, shape, num_classes=2)
  noise = sampling.draw_noise((2,) + shape, seed=1)
  prefix = tf.constant(np.random.default_rng(3).uniform(-1, 1, (2,) + shape),
                       tf.float32)
  return model, noise, tf.constant([0, 1]), prefix


def make_suite(backbones, head_names=None):
  """A parameterized test case class: each backbone under each head.

  Args:
    backbones: registered backbone names.
    head_names: model kinds to test them under (default: `heads()`).
  """
  spaces = lambda backbone: backbone_lib.REGISTRY.get(backbone).spaces
  pairs = [(f'{backbone}_{head}', backbone, head)
           for backbone in backbones for head in (head_names or heads())]
  with_cases = [(f'{name}_{case}', backbone, head, shape, classes)
                for name, backbone, head in pairs
                for space in spaces(backbone)
                for case, shape, classes in CASES[space]]
  image_pairs = [pair for pair in pairs if 'images' in spaces(pair[1])]
  sequence_pairs = [pair for pair in pairs
                    if 'sequences' in spaces(pair[1])]
  ordered_pairs = sequence_pairs + [pair for pair in pairs
                                    if 'vectors' in spaces(pair[1])]
  cached_sequence_pairs = [pair for pair in sequence_pairs if
                           backbone_lib.caches(
                               backbone_lib.REGISTRY.get(pair[1]))]

  class BackboneConformanceTest(tf.test.TestCase, parameterized.TestCase):
    """See the module docstring."""

    @parameterized.named_parameters(*with_cases)
    def test_causal_by_jacobians(self, backbone, head, shape, num_classes):
      model = tiny_model(head, backbone, shape, num_classes)
      inputs = _inputs(model, shape, num_classes, seed=1)
      watched = [inputs[model.space.key]] + (
          [inputs['tau']] if model.uses_tau else [])
      with tf.GradientTape(persistent=True) as tape:
        tape.watch(watched)
        out = _per_subpixel(model(inputs), shape)
      size = out.shape[0]
      depends = lambda x: tf.reshape(tape.jacobian(out, x),
                                     [size, size]).numpy() != 0
      on_images = depends(inputs[model.space.key])
      later = np.triu(np.ones((size, size), bool))  # [k, k'] with k' >= k.
      self.assertFalse(on_images[later].any(),
                       'an output depends on its own or a later sub-pixel: '
                       f'{np.argwhere(on_images & later)[:4].tolist()}')
      self.assertTrue(on_images[1:].any(axis=1).all(),
                      'an output sees no earlier sub-pixel')
      if model.uses_tau:
        on_tau = depends(inputs['tau'])
        self.assertFalse(on_tau[np.triu(later, 1)].any(),
                         'an output depends on a later sub-pixel\'s tau')
        self.assertTrue(np.diag(on_tau).all(),
                        'an output does not depend on its own tau')
      if num_classes:
        other = dict(inputs, labels=tf.constant([1], tf.int32))
        self.assertNotAllClose(model(inputs), model(other))

    if image_pairs:  # absl refuses a parameterization of nothing.

      @parameterized.named_parameters(*image_pairs)
      def test_fast_equals_sequential(self, backbone, head):
        shape, num_classes = (3, 3, 3), 2
        model = tiny_model(head, backbone, shape, num_classes)
        noise = sampling.draw_noise((2,) + shape, seed=1)
        labels = tf.constant([0, 1])
        # One trace per sampler: the prefix and its length are arguments
        # (num_fixed=0 samples from scratch).
        samplers = {method: tf.function(
            lambda images, num_fixed, method=method: image_lib.to_uint8(
                model.sample(noise, method, labels, images, num_fixed)))
                    for method in ('sequential', 'fast')}
        originals = np.random.default_rng(2).integers(0, 256, (2,) + shape)
        run = lambda method, num_fixed=0: samplers[method](
            image_lib.to_float(originals), tf.constant(num_fixed)).numpy()
        reference, fast = run('sequential'), run('fast')
        # Float rounding may move a value across a level boundary: at most 1
        # in 50 sub-pixels here (54 in all), by one level.
        self.assertLessEqual((reference != fast).sum(), 1)
        self.assertLessEqual(
            np.abs(reference.astype(int) - fast.astype(int)).max(), 1)
        self.assertGreater(reference.std(), 1.0)  # Non-trivial samples.
        # Inpainting: a prefix that ends inside a pixel is kept, the rest is
        # the reference's.
        num_fixed = shape[1] * shape[2] + shape[2] - 1
        reference, fast = run('sequential', num_fixed), run('fast', num_fixed)
        self.assertLessEqual((reference != fast).sum(), 1)
        self.assertAllEqual(fast.reshape(2, -1)[:, :num_fixed],
                            originals.reshape(2, -1)[:, :num_fixed])

    if ordered_pairs:

      @parameterized.named_parameters(*ordered_pairs)
      def test_sequential_sample_is_a_fixed_point(self, backbone, head):
        model, noise, labels, prefix = _sequence_case(
            head, backbone, _shape(backbone, None, (6, 2), (6,)))
        num_fixed = 5  # Ends inside a step of a sequence.
        sample = tf.function(lambda: model.sample(
            noise, 'sequential', labels, prefix, num_fixed))()
        again = model.sample_values(model.backbone(
            sample, noise if model.uses_tau else None, labels), noise)
        flat = lambda x: tf.reshape(x, [2, -1]).numpy()
        self.assertAllClose(flat(again)[:, num_fixed:],
                            flat(sample)[:, num_fixed:], atol=1e-5)
        self.assertAllEqual(flat(sample)[:, :num_fixed],
                            flat(prefix)[:, :num_fixed])
        self.assertGreater(flat(sample)[:, num_fixed:].std(), 1e-3)

    if cached_sequence_pairs:

      @parameterized.named_parameters(*cached_sequence_pairs)
      def test_fast_equals_sequential_on_sequences(self, backbone, head):
        model, noise, labels, prefix = _sequence_case(head, backbone, (7, 2))
        samplers = {method: tf.function(
            lambda prefix, num_fixed, method=method: model.sample(
                noise, method, labels, prefix, num_fixed))
                    for method in ('sequential', 'fast')}
        for num_fixed in (0, 5):  # From scratch; a prefix ending in a step.
          reference, fast = (samplers[method](prefix, tf.constant(num_fixed))
                             .numpy().reshape(2, -1)
                             for method in ('sequential', 'fast'))
          # A discrete head's value may cross a level boundary by float
          # rounding: at most one of 28 here.
          self.assertLessEqual((np.abs(reference - fast) > 1e-4).sum(), 1)
          self.assertAllClose(fast[:, :num_fixed],
                              prefix.numpy().reshape(2, -1)[:, :num_fixed])
          self.assertGreater(reference[:, num_fixed:].std(), 1e-3)

    @parameterized.named_parameters(*pairs)
    def test_each_example_alone_as_replicas_need(self, backbone, head):
      shape = _shape(backbone, (2, 3, 3), (4, 2), (4,))
      model = tiny_model(head, backbone, shape, num_classes=3)
      rng = np.random.default_rng(4)
      inputs = {model.space.key: tf.constant(
          rng.uniform(-1, 1, (3,) + shape), tf.float32),
                'labels': tf.constant([0, 2, 1])}
      if model.uses_tau:
        inputs['tau'] = tf.constant(rng.uniform(size=(3,) + shape),
                                    tf.float32)
      together = model(inputs)
      for b in range(3):
        alone = model({k: v[b:b + 1] for k, v in inputs.items()})
        self.assertAllClose(alone[0], together[b], atol=1e-5)

    @parameterized.named_parameters(*pairs)
    def test_a_checkpoint_restores_every_output_as_resume_needs(self, backbone,
                                                                head):
      shape = _shape(backbone, (2, 2, 3), (3, 2), (3,))
      model = tiny_model(head, backbone, shape, num_classes=3, seed=0)
      path = tf.train.Checkpoint(model=model).write(
          os.path.join(tempfile.mkdtemp(), 'ckpt'))
      other = tiny_model(head, backbone, shape, num_classes=3, seed=1)
      inputs = _inputs(model, shape, 3, seed=5, labels=(1,))
      self.assertNotAllClose(other(inputs), model(inputs))
      tf.train.Checkpoint(model=other).read(path).assert_consumed()
      self.assertAllClose(other(inputs), model(inputs))

    @parameterized.named_parameters(*pairs)
    def test_keras_round_trip(self, backbone, head):
      shape = _shape(backbone, (2, 2, 3), (3, 2), (3,))
      model = tiny_model(head, backbone, shape, num_classes=3)
      path = os.path.join(tempfile.mkdtemp(), 'model.keras')
      model.save(path)
      loaded = keras.models.load_model(path)
      self.assertIsInstance(loaded.backbone, type(model.backbone))
      self.assertEqual(loaded.get_config(), model.get_config())
      inputs = _inputs(model, shape, 3, seed=2, labels=(2,))
      self.assertAllClose(loaded(inputs), model(inputs))

  return BackboneConformanceTest
