"""SavedModel export: loads without aiqn_tf, runs under saved_model_cli.

The signatures declare their inputs' shapes and dtypes (in the serving
MetaGraphDef that `saved_model_cli show` and TF Serving's metadata print); a
wrong shape is refused by TensorFlow naming the declared shape when called
as a function or through a TF1 session, and by the graph's own check when
fed to the signature directly; a value out of range (NaN included) by the
graph.
"""

import os
import shutil
import subprocess
import sys
import tempfile

import keras
import numpy as np
import tensorflow as tf
from tensorflow.core.framework import types_pb2
from tensorflow.python.tools import saved_model_utils

import aiqn_tf
from aiqn_tf.models.latent import aiqn_vae
from aiqn_tf.serving import export
from aiqn_tf.core import images as image_lib
from aiqn_tf.models import sampling
from aiqn_tf.testing import test_util

# The loaders run in a fresh process (-I, temp cwd) on the inputs of
# `_run_isolated`, with aiqn_tf made unimportable even where the package is
# installed (None in sys.modules): loading must not need the project's code.
_LOADER_START = r'''
import sys
sys.modules['aiqn_tf'] = None
import numpy as np
import tensorflow as tf
try:
  import aiqn_tf
  sys.exit('aiqn_tf should not be importable here')
except ImportError:
  pass
export_dir, out = sys.argv[1:]
with np.load(out + '.in.npz') as f:
  args = dict(f)
loaded = tf.saved_model.load(export_dir)
'''

# The refusals of bad inputs, in order: (the call, the error's text) for each
# of BAD_TAU through the function and through the signature.
_REFUSALS = r'''
def refusals(function, signature, bad_taus):
  errors = []
  for call in (function, signature):
    for bad in bad_taus:
      try:
        call(tf.constant(bad))
        errors.append('accepted')
      except (tf.errors.InvalidArgumentError, TypeError, ValueError) as e:
        errors.append(f'{type(e).__name__}: {e}')
  return np.array(errors)
'''

LOADER = _LOADER_START + _REFUSALS + r'''
sample = loaded.signatures['serving_default'](
    tau=tf.constant(args['tau']), labels=tf.constant(args['labels']))
inpaint = loaded.inpaint(tf.constant(args['originals']),
                         tf.constant(args['tau']), tf.constant(2),
                         tf.constant(args['labels']))
labels = tf.constant(args['labels'])
tau = args['tau']
nan_tau = tau.copy()
nan_tau[0, 0, 0, 0] = np.nan
errors = refusals(
    lambda t: loaded.sample(t, labels),
    lambda t: loaded.signatures['serving_default'](tau=t, labels=labels),
    [tau[:, :, :-1], tau[0], tau + 1.0, nan_tau])
np.savez(out, sample=sample['images'].numpy(),
         inpaint=inpaint['images'].numpy(), errors=errors)
'''

LATENT_LOADER = _LOADER_START + _REFUSALS + r'''
results = dict(
    sample=loaded.signatures['serving_default'](tau=tf.constant(args['tau'])),
    prior=loaded.prior(tf.constant(args['tau'])),
    reconstruct=loaded.reconstruct(tf.constant(args['originals'])))
tau = args['tau']
errors = refusals(
    loaded.sample, lambda t: loaded.signatures['serving_default'](tau=t),
    [tau[:, :-1], tau - 1.0])
np.savez(out, errors=errors,
         **{k: v['images'].numpy() for k, v in results.items()})
'''


def _run_isolated(script, export_dir, out, **inputs):
  """Runs a loader script where aiqn_tf cannot be imported; its outputs."""
  np.savez(out + '.in', **inputs)
  env = {k: v for k, v in os.environ.items() if k != 'PYTHONPATH'}
  result = subprocess.run(
      [sys.executable, '-I', '-c', script, export_dir, out],
      cwd=os.path.dirname(out), env=env, capture_output=True, text=True,
      timeout=300)
  if result.returncode:
    raise AssertionError(result.stderr[-3000:])
  with np.load(out + '.npz') as f:
    return dict(f)


def _saved_model_cli(*args):
  cli = os.path.join(os.path.dirname(sys.executable), 'saved_model_cli')
  return subprocess.run([cli, *args], capture_output=True, text=True,
                        timeout=300)


def _declared(export_dir):
  """{signature: {'inputs'/'outputs': {name: (dtype, shape)}}} of the
  SavedModel's serving MetaGraphDef: what `saved_model_cli show --all` and
  TF Serving's metadata print, read in this process. Shapes as tuples, -1
  for an unknown size."""
  meta = saved_model_utils.get_meta_graph_def(export_dir, 'serve')
  declared = {}
  for name, signature in meta.signature_def.items():
    if name.startswith('__'):  # __saved_model_init_op
      continue
    declared[name] = {
        kind: {tensor: (types_pb2.DataType.Name(info.dtype),
                        tuple(d.size for d in info.tensor_shape.dim))
               for tensor, info in getattr(signature, kind).items()}
        for kind in ('inputs', 'outputs')}
  return declared


class ExportTest(tf.test.TestCase):

  @classmethod
  def setUpClass(cls):
    super().setUpClass()
    cls.root = tempfile.mkdtemp()
    cls.shape = (4, 3, 3)
    cls.model = test_util.trained_model(aiqn_tf.PixelIQN, cls.shape,
                                        num_classes=3)
    cls.export_dir = os.path.join(cls.root, 'export')
    export.export_sampler(cls.model, cls.export_dir)
    rng = np.random.default_rng(0)
    cls.tau = sampling.draw_noise((2,) + cls.shape, seed=5).numpy()
    cls.labels = np.array([2, 0], np.int32)
    cls.originals = rng.integers(0, 256, (2,) + cls.shape, np.uint8)

  @classmethod
  def tearDownClass(cls):
    shutil.rmtree(cls.root, ignore_errors=True)
    super().tearDownClass()

  def _expected(self, images=None, num_fixed=0):
    return tf.function(lambda: image_lib.to_uint8(self.model.sample(
        self.tau, 'fast', tf.constant(self.labels),
        None if images is None else image_lib.to_float(images),
        num_fixed)))().numpy()

  def test_loads_and_runs_without_aiqn_tf(self):
    loaded = _run_isolated(LOADER, self.export_dir,
                           os.path.join(self.root, 'loaded'), tau=self.tau,
                           labels=self.labels, originals=self.originals)
    self.assertAllEqual(loaded['sample'], self._expected())
    inpainted = loaded['inpaint']
    errors = list(loaded['errors'])
    self.assertAllEqual(inpainted, self._expected(self.originals, 2 * 3 * 3))
    self.assertAllEqual(inpainted[:, :2], self.originals[:, :2])
    # Through the function: TensorFlow refuses the shapes, naming the
    # declared one; the graph refuses the values.
    self.assertLen(errors, 8)
    for error in errors[:2]:
      self.assertIn('TensorSpec(shape=(None, 4, 3, 3), dtype=tf.float32, '
                    "name='tau')", error)
    for error in errors[2:4]:
      self.assertIn('tau must be in [0, 1]', error)
    # Fed to the signature, nothing checks before the graph: its own check
    # names the shape, at any rank.
    self.assertIn('tau must have shape [batch, 4, 3, 3], got] [2 4 2 3]',
                  errors[4])
    self.assertIn('tau must have shape [batch, 4, 3, 3], got] [4 3 3]',
                  errors[5])
    for error in errors[6:]:
      self.assertIn('tau must be in [0, 1]', error)

  def test_signatures_declare_shapes(self):
    tau = ('DT_FLOAT', (-1, 4, 3, 3))
    labels = ('DT_INT32', (-1,))
    images = ('DT_UINT8', (-1, 4, 3, 3))
    sample = {'inputs': {'tau': tau, 'labels': labels},
              'outputs': {'images': images}}
    self.assertEqual(_declared(self.export_dir), {
        'serving_default': sample,
        'sample': sample,
        'inpaint': {'inputs': {'images': images, 'tau': tau,
                               'fixed_rows': ('DT_INT32', ()),
                               'labels': labels},
                    'outputs': {'images': images}},
    })

  def test_runs_under_saved_model_cli(self):
    np.save(os.path.join(self.root, 'tau.npy'), self.tau)
    np.save(os.path.join(self.root, 'labels.npy'), self.labels)
    outdir = os.path.join(self.root, 'cli_out')
    result = _saved_model_cli(
        'run', '--dir', self.export_dir, '--tag_set', 'serve',
        '--signature_def', 'serving_default', '--inputs',
        f'tau={self.root}/tau.npy;labels={self.root}/labels.npy',
        '--outdir', outdir)
    self.assertEqual(result.returncode, 0, result.stderr[-3000:])
    self.assertAllEqual(np.load(os.path.join(outdir, 'images.npy')),
                        self._expected())
    # A wrong shape is refused naming the declared one.
    np.save(os.path.join(self.root, 'bad_tau.npy'), self.tau[:, :, :-1])
    result = _saved_model_cli(
        'run', '--dir', self.export_dir, '--tag_set', 'serve',
        '--signature_def', 'serving_default', '--inputs',
        f'tau={self.root}/bad_tau.npy;labels={self.root}/labels.npy',
        '--outdir', os.path.join(self.root, 'cli_bad'))
    self.assertNotEqual(result.returncode, 0)
    self.assertIn('Cannot feed value of shape (2, 4, 2, 3) for Tensor '
                  'serving_default_tau:0, which has shape (None, 4, 3, 3)',
                  result.stderr)


class LatentExportTest(tf.test.TestCase):

  def test_loads_and_runs_without_aiqn_tf(self):
    root = tempfile.mkdtemp()
    self.addCleanup(shutil.rmtree, root, ignore_errors=True)
    keras.utils.set_random_seed(0)
    model = aiqn_vae.AIQNVAE((8, 8, 1), latent_dim=4, hidden_units=(16, 16),
                             head_units=4)
    model(tf.zeros((1, 8, 8, 1)))
    export_dir = os.path.join(root, 'export')
    export.export_sampler(model, export_dir)
    tau = sampling.draw_noise((3, 4), seed=2).numpy()
    originals = np.random.default_rng(0).integers(0, 256, (3, 8, 8, 1),
                                                  np.uint8)
    loaded = _run_isolated(LATENT_LOADER, export_dir,
                           os.path.join(root, 'loaded'), tau=tau,
                           originals=originals)
    to_uint8 = lambda x: image_lib.to_uint8(x).numpy()
    self.assertAllEqual(loaded['sample'], to_uint8(tf.function(
        lambda t: model.generate(t, 'aiqn'))(tau)))
    self.assertAllEqual(loaded['prior'], to_uint8(model.generate(tau,
                                                                 'prior')))
    self.assertNotAllEqual(loaded['sample'], loaded['prior'])
    self.assertAllEqual(loaded['reconstruct'], to_uint8(model.reconstruct(
        image_lib.to_float(originals))))
    errors = list(loaded['errors'])
    self.assertLen(errors, 4)
    self.assertIn("TensorSpec(shape=(None, 4), dtype=tf.float32, name='tau')",
                  errors[0])
    self.assertIn('tau must be in [0, 1]', errors[1])
    self.assertIn('tau must have shape [batch, 4], got] [3 3]', errors[2])
    self.assertIn('tau must be in [0, 1]', errors[3])
    tau_spec, images_spec = ('DT_FLOAT', (-1, 4)), ('DT_UINT8',
                                                    (-1, 8, 8, 1))
    sample = {'inputs': {'tau': tau_spec}, 'outputs': {'images': images_spec}}
    self.assertEqual(_declared(export_dir), {
        'serving_default': sample, 'sample': sample, 'prior': sample,
        'reconstruct': {'inputs': {'images': images_spec},
                        'outputs': {'images': images_spec}}})


if __name__ == '__main__':
  tf.test.main()
