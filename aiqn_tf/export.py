"""SavedModel export of a trained model's fast sampler, for serving.

Written with Keras' ExportArchive, whose SavedModel loads with
tf.saved_model.load without this project's code and also runs under the
TF1/C++ loader (saved_model_cli, TF Serving); a plain tf.saved_model.save of a
module holding the Keras model does not (its variables are not found there).

Signatures (also the SavedModel's functions of the same names):
  sample / serving_default: tau float32 [B, H, W, C] in [0, 1] (+ labels
    int32 [B] for a class-conditional model) -> {"images": uint8 [B, H, W, C]}.
  inpaint: images uint8 [B, H, W, C], tau, fixed_rows int32 [] (+ labels) ->
    {"images": uint8 [B, H, W, C]} whose top fixed_rows rows are the input's.
For a PixelCNN, tau is the uniform noise inverted through the softmax's CDF.

AIQN-VAE / VAE (`export_latent_sampler`):
  sample / serving_default: tau float32 [B, latent_dim] in [0, 1] ->
    {"images": uint8 [B, S, S, C]}, through the latent AIQN (the plain VAE:
    the prior) and the decoder.
  prior: the same through the Gaussian prior's quantiles.
  reconstruct: images uint8 [B, S, S, C] -> {"images": the decoded posterior
    means, uint8}.
"""

import keras
import tensorflow as tf

from aiqn_tf import images as image_lib
from aiqn_tf import sampling


def _checked(name, x, shape, low, high):
  """x after asserting its shape [batch, *shape] and range [low, high]."""
  x_shape = tf.shape(x)
  shape_ok = tf.cond(
      tf.equal(tf.size(x_shape), len(shape) + 1),
      lambda: tf.reduce_all(tf.equal(x_shape[1:], shape)),
      lambda: tf.constant(False))
  shape_text = '[batch, ' + ', '.join(map(str, shape)) + ']'
  checks = [tf.debugging.Assert(
      shape_ok, [f'{name} must have shape {shape_text}, got', x_shape])]
  with tf.control_dependencies(checks):
    message = f'{name} must be in [{low}, {high}]'
    checks.append(tf.debugging.assert_greater_equal(
        x, tf.cast(low, x.dtype), message=message))
    checks.append(tf.debugging.assert_less_equal(
        x, tf.cast(high, x.dtype), message=message))
  with tf.control_dependencies(checks):
    return tf.ensure_shape(tf.identity(x), [None] + list(shape))


# Any rank is accepted so that a wrong one gets _checked's message.
def _any_shape(name, dtype):
  return tf.TensorSpec(None, dtype, name=name)


def export_sampler(model, export_dir):
  """Writes `model`'s fast sampler (see the module docstring) to export_dir.

  Args:
    model: a PixelIQN, PixelCNN or AIQNVAE, built, with the weights to serve
      (e.g. the Polyak average from training.restore_average_model).
    export_dir: output directory.
  """
  if hasattr(model, 'generate'):
    export_latent_sampler(model, export_dir)
    return
  backbone = model.backbone
  height, width, channels = backbone.image_shape
  num_classes = backbone.num_classes
  check_images = lambda name, x, low, high: _checked(
      name, x, (height, width, channels), low, high)

  def check_labels(labels, tau):
    if labels is None:
      return None
    tf.debugging.assert_equal(tf.shape(labels), tf.shape(tau)[:1],
                              message='labels must have shape [batch]')
    tf.debugging.assert_greater_equal(labels, 0, message=(
        f'labels must be in [0, {num_classes})'))
    tf.debugging.assert_less(labels, num_classes, message=(
        f'labels must be in [0, {num_classes})'))
    return labels

  def sample(tau, labels=None):
    tau = check_images('tau', tau, 0, 1)
    labels = check_labels(labels, tau)
    return {'images': image_lib.to_uint8(
        sampling.row_cached(model, tau, labels))}

  def inpaint(images, tau, fixed_rows, labels=None):
    images = check_images('images', images, 0, 255)
    tau = check_images('tau', tau, 0, 1)
    labels = check_labels(labels, tau)
    tf.debugging.assert_equal(tf.shape(images)[0], tf.shape(tau)[0],
                              message='images and tau differ in batch size')
    tf.debugging.assert_greater_equal(fixed_rows, 0, message=(
        f'fixed_rows must be in [0, {height}]'))
    tf.debugging.assert_less_equal(fixed_rows, height, message=(
        f'fixed_rows must be in [0, {height}]'))
    num_fixed = fixed_rows * width * channels
    return {'images': image_lib.to_uint8(sampling.row_cached(
        model, tau, labels, image_lib.to_float(images), num_fixed))}

  image_spec = _any_shape
  label_spec = ([tf.TensorSpec([None], tf.int32, name='labels')]
                if num_classes else [])

  archive = keras.export.ExportArchive()
  archive.track(model)
  archive.add_endpoint(
      'sample', tf.function(sample, input_signature=[
          image_spec('tau', tf.float32)] + label_spec))
  archive.add_endpoint(
      'inpaint', tf.function(inpaint, input_signature=[
          image_spec('images', tf.uint8), image_spec('tau', tf.float32),
          tf.TensorSpec([], tf.int32, name='fixed_rows')] + label_spec))
  archive.write_out(export_dir, verbose=False)


def export_latent_sampler(model, export_dir):
  """Writes an AIQNVAE's samplers (see the module docstring) to export_dir.

  Args:
    model: an aiqn_vae.AIQNVAE, built, with the weights to serve.
    export_dir: output directory.
  """
  latent_dim = model.latent_dim

  def sampler(latent_sampler):
    def sample(tau):
      tau = _checked('tau', tau, (latent_dim,), 0, 1)
      return {'images': image_lib.to_uint8(model.generate(tau,
                                                          latent_sampler))}
    return tf.function(sample, input_signature=[_any_shape('tau',
                                                           tf.float32)])

  def reconstruct(images):
    images = _checked('images', images, model.image_shape, 0, 255)
    return {'images': image_lib.to_uint8(model.reconstruct(
        image_lib.to_float(images)))}

  archive = keras.export.ExportArchive()
  archive.track(model)
  archive.add_endpoint('sample', sampler(None))
  archive.add_endpoint('prior', sampler('prior'))
  archive.add_endpoint('reconstruct', tf.function(
      reconstruct, input_signature=[_any_shape('images', tf.uint8)]))
  archive.write_out(export_dir, verbose=False)
