"""Tests for tools/check_layer_imports.py (standard library only).

Runs under Bazel (`bazel test //:tools/check_layer_imports_test`) and pytest
(`pytest tools/check_layer_imports_test.py` from the repository root).
"""

import contextlib
import io
import os
import shutil
import tempfile
import textwrap
import unittest

from tools import check_layer_imports


def _layers(source, path='aiqn_tf/models/probe.py'):
  imports = check_layer_imports.find_imports(path, textwrap.dedent(source))
  return [(imp.line, imp.layer) for imp in imports]


class FindImportsTest(unittest.TestCase):

  def test_forms_of_import(self):
    self.assertEqual(
        _layers("""\
            import aiqn_tf.training.trainer
            from aiqn_tf.data import datasets
            from aiqn_tf import evaluation
            from aiqn_tf import images
            from aiqn_tf import PixelIQN
            from aiqn_tf.models.losses import quantile_loss
            import numpy as np
            from binaries import train
            """),
        [(1, 'training'), (2, 'data'), (3, 'evaluation'), (4, 'core'),
         (5, 'models'), (6, 'models'), (8, 'binaries')])

  def test_import_inside_function(self):
    self.assertEqual(
        _layers("""\
            def f():
              from aiqn_tf.serving import export
              return export
            """), [(2, 'serving')])

  def test_relative_import(self):
    self.assertEqual(
        _layers('from ..training import polyak\nfrom . import masks\n'),
        [(1, 'training'), (2, 'models')])

  def test_package_attribute_and_import_module(self):
    # A layer reached through `aiqn_tf.<name>` counts once, at its first use,
    # and not when an import statement names it already.
    self.assertEqual(
        _layers("""\
            import importlib
            import aiqn_tf
            model = aiqn_tf.PixelIQN
            grids = aiqn_tf.grids
            importlib.import_module('aiqn_tf.runs.config')
            loss = aiqn_tf.losses
            """),
        [(2, 'core'), (3, 'models'), (5, 'runs')])


class CheckTest(unittest.TestCase):

  def setUp(self):
    super().setUp()
    self.root = tempfile.mkdtemp()
    self.addCleanup(shutil.rmtree, self.root)

  def _write(self, relpath, source):
    path = os.path.join(self.root, relpath)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, 'w') as f:
      f.write(textwrap.dedent(source))
    return path

  def _main(self, *args):
    stderr = io.StringIO()
    with contextlib.redirect_stderr(stderr):
      status = check_layer_imports.main(list(args))
    return status, stderr.getvalue()

  def test_forbidden_import_is_reported(self):
    path = self._write('aiqn_tf/models/bad.py', """\
        import numpy as np
        from aiqn_tf.core import images

        def f():
          from aiqn_tf.training import trainer
          return trainer
        """)
    stamp = os.path.join(self.root, 'models.ok')
    status, message = self._main('models', '--allowed=core',
                                 '--stamp=' + stamp, path)
    self.assertEqual(status, 1)
    self.assertIn(path + ':5:', message)
    self.assertIn('`from aiqn_tf.training import trainer`', message)
    self.assertIn("imports layer 'training'", message)
    self.assertIn("layer 'models' may import only core", message)
    self.assertIn('add it to deps in BUILD or move the code', message)
    self.assertNotIn(':2:', message)  # aiqn_tf.core is allowed.
    self.assertFalse(os.path.exists(stamp))

  def test_allowed_imports_pass_and_write_the_stamp(self):
    path = self._write('aiqn_tf/evaluation/good.py', """\
        from aiqn_tf.core import images
        from aiqn_tf.data import datasets
        from aiqn_tf.evaluation import metrics
        from aiqn_tf import sampling
        """)
    stamp = os.path.join(self.root, 'evaluation.ok')
    status, message = self._main('evaluation', path,
                                 '--allowed=core,models,data',
                                 '--stamp=' + stamp)
    self.assertEqual((status, message), (0, ''))
    self.assertTrue(os.path.exists(stamp))

  def test_layer_with_no_deps(self):
    path = self._write('aiqn_tf/core/grids.py', 'from aiqn_tf import losses\n')
    status, message = self._main('core', '--allowed=', path)
    self.assertEqual(status, 1)
    self.assertIn("layer 'core' may import no other layer", message)

  def test_the_checker_itself_passes(self):
    # Not a layer, but a source with none of our imports passes any layer.
    status, _ = self._main('core', check_layer_imports.__file__)
    self.assertEqual(status, 0)


if __name__ == '__main__':
  unittest.main()
