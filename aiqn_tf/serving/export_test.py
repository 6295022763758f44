"""SavedModel export: loads without aiqn_tf, runs under saved_model_cli."""

import os
import shutil
import subprocess
import sys
import tempfile

import keras
import numpy as np
import tensorflow as tf

import aiqn_tf
from aiqn_tf.models import aiqn_vae
from aiqn_tf.serving import export
from aiqn_tf.core import images as image_lib
from aiqn_tf.models import sampling
from aiqn_tf.testing import test_util

# The loaders run in a fresh process whose sys.path cannot reach aiqn_tf (-I,
# temp cwd), on the inputs of `_run_isolated`.
_LOADER_START = r'''
import sys
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

LOADER = _LOADER_START + r'''
sample = loaded.signatures['serving_default'](
    tau=tf.constant(args['tau']), labels=tf.constant(args['labels']))
inpaint = loaded.inpaint(tf.constant(args['originals']),
                         tf.constant(args['tau']), tf.constant(2),
                         tf.constant(args['labels']))
errors = []
for bad in (args['tau'][:, :, :-1], args['tau'] + 1.0):
  try:
    loaded.sample(tf.constant(bad), tf.constant(args['labels']))
  except tf.errors.InvalidArgumentError as e:
    errors.append(str(e))
np.savez(out, sample=sample['images'].numpy(),
         inpaint=inpaint['images'].numpy(), errors=np.array(errors))
'''

LATENT_LOADER = _LOADER_START + r'''
results = dict(
    sample=loaded.signatures['serving_default'](tau=tf.constant(args['tau'])),
    prior=loaded.prior(tf.constant(args['tau'])),
    reconstruct=loaded.reconstruct(tf.constant(args['originals'])))
errors = []
for bad in (args['tau'][:, :-1], args['tau'] - 1.0):
  try:
    loaded.sample(tf.constant(bad))
  except tf.errors.InvalidArgumentError as e:
    errors.append(str(e))
np.savez(out, errors=np.array(errors),
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
    self.assertLen(errors, 2)
    self.assertIn('tau must have shape [batch, 4, 3, 3]', errors[0])
    self.assertIn('tau must be in [0, 1]', errors[1])

  def test_runs_under_saved_model_cli(self):
    np.save(os.path.join(self.root, 'tau.npy'), self.tau)
    np.save(os.path.join(self.root, 'labels.npy'), self.labels)
    outdir = os.path.join(self.root, 'cli_out')
    cli = os.path.join(os.path.dirname(sys.executable), 'saved_model_cli')
    result = subprocess.run(
        [cli, 'run', '--dir', self.export_dir, '--tag_set', 'serve',
         '--signature_def', 'serving_default', '--inputs',
         f'tau={self.root}/tau.npy;labels={self.root}/labels.npy',
         '--outdir', outdir],
        capture_output=True, text=True, timeout=300)
    self.assertEqual(result.returncode, 0, result.stderr[-3000:])
    self.assertAllEqual(np.load(os.path.join(outdir, 'images.npy')),
                        self._expected())


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
    self.assertLen(errors, 2)
    self.assertIn('tau must have shape [batch, 4]', errors[0])
    self.assertIn('tau must be in [0, 1]', errors[1])


if __name__ == '__main__':
  tf.test.main()
