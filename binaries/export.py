r"""Exports a trained model's fast sampler as a SavedModel for serving.

  python -m binaries.export --model_dir=runs/digits_iqn --export_dir=export/digits

Uses the Polyak-averaged weights. Signatures: serving_default/sample (tau ->
uint8 images) and inpaint (uint8 images, tau, fixed_rows -> uint8 images);
see aiqn_tf/export.py. Try it without this project's code:

  python -c "import numpy as np; np.save('tau.npy', np.random.rand(4, 8, 8, 1).astype('float32'))"
  saved_model_cli run --dir export/digits --tag_set serve \
      --signature_def serving_default --inputs tau=tau.npy --outdir out/
"""

import sys

from absl import app
from absl import flags

from aiqn_tf.serving import export
from aiqn_tf.runs import run_dir

FLAGS = flags.FLAGS
flags.DEFINE_string('model_dir', None, 'Training run directory.')
flags.DEFINE_string('export_dir', None, 'SavedModel output directory.')


def main(argv):
  del argv
  try:
    config, model, step = run_dir.restore_average_model(FLAGS.model_dir)
  except FileNotFoundError as e:
    raise app.UsageError(str(e)) from e
  export.export_sampler(model, FLAGS.export_dir)
  print(f'Exported {config.model_name} ({config.data.dataset}, step {step}, averaged '
        f'weights) to {FLAGS.export_dir}')


def run():
  """The `aiqn-export` console command (pyproject.toml)."""
  # absl's --help prints the __main__ module's docstring: the console
  # command's own wrapper has none.
  sys.modules['__main__'].__doc__ = __doc__
  flags.mark_flag_as_required('model_dir')
  flags.mark_flag_as_required('export_dir')
  app.run(main)


if __name__ == '__main__':
  run()
