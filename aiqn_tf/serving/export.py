"""SavedModel export of a trained model's serving signatures.

Written with Keras' ExportArchive, whose SavedModel loads with
tf.saved_model.load without this project's code and also runs under the
TF1/C++ loader (saved_model_cli, TF Serving); a plain tf.saved_model.save of a
module holding the Keras model does not (its variables are not found there).

The signatures are the model's own (`serving_signatures` of the model
protocol, models/base.py); the first serves as serving_default:

PixelIQN / PixelCNN (models/heads/pixel_model.py):
  sample / serving_default: tau float32 [B, H, W, C] in [0, 1] (+ labels
    int32 [B] for a class-conditional model) -> {"images": uint8 [B, H, W, C]},
    drawn by the fast sampler.
  inpaint: images uint8 [B, H, W, C], tau, fixed_rows int32 [] (+ labels) ->
    {"images": uint8 [B, H, W, C]} whose top fixed_rows rows are the input's.
  For a PixelCNN, tau is the uniform noise inverted through the softmax's CDF.

AIQN-VAE / VAE (models/latent/aiqn_vae.py):
  sample / serving_default: tau float32 [B, latent_dim] in [0, 1] ->
    {"images": uint8 [B, S, S, C]}, through the latent AIQN (the plain VAE:
    the prior) and the decoder.
  prior: the same through the Gaussian prior's quantiles.
  reconstruct: images uint8 [B, S, S, C] -> {"images": the decoded posterior
    means, uint8}.

Every input declares its dtype and shape, [None, ...] with the batch free
(fixed_rows a scalar), and every output its own, so `saved_model_cli show`
and TF Serving's model metadata tell a client what to send. A wrong shape is
refused naming the declared one: by TensorFlow when called as a function
(TypeError) or through a TF1 session (saved_model_cli run: ValueError), by
the graph's own check when fed to a signature directly ("tau must have shape
[batch, H, W, C], got ..."). A value out of range (NaN included) fails with a
message naming the range ("tau must be in [0, 1]").
"""

import keras


def export_sampler(model, export_dir):
  """Writes `model`'s serving signatures to a SavedModel in export_dir.

  Args:
    model: a registered model, built, with the weights to serve (e.g. the
      Polyak average from runs.run_dir.restore_average_model).
    export_dir: output directory.
  """
  archive = keras.export.ExportArchive()
  archive.track(model)
  for name, function in model.serving_signatures().items():
    archive.add_endpoint(name, function)
  archive.write_out(export_dir, verbose=False)
