"""The programs that tests import can share one process.

pytest-xdist runs many test files in one worker, so two programs (binaries,
benchmarks) that define the same absl flag and are both imported by tests
fail at collection, but only when the scheduler puts them in one worker. This
test imports every program module any test imports, all in one process.
"""

import ast
import glob
import os
import subprocess
import sys
import unittest

from tools import check_layer_imports

_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
_PROGRAMS = check_layer_imports.TOP_LEVEL_LAYERS


def imported_programs(root=_ROOT):
  """Sorted module names under binaries/ and experiments/ that some test
  imports."""
  found = set()
  tests = glob.glob(os.path.join(root, '**', '*_test.py'), recursive=True)
  for path in tests:
    if os.sep + '.venv' + os.sep in path:
      continue
    with open(path, encoding='utf-8') as f:
      tree = ast.parse(f.read(), path)
    for node in ast.walk(tree):
      if isinstance(node, ast.ImportFrom) and node.module:
        # `from experiments import x` names experiments.x; `from
        # experiments.x import y`, experiments.x.
        found.update(f'{node.module}.{a.name}' for a in node.names)
      elif isinstance(node, ast.Import):
        found.update(a.name for a in node.names)
  return sorted({'.'.join(m.split('.')[:2]) for m in found
                 if m.split('.')[0] in _PROGRAMS and '.' in m})


class TestImportsTest(unittest.TestCase):

  def setUp(self):
    super().setUp()
    # Bazel's runfiles hold no other test files: the check needs a checkout.
    if not glob.glob(os.path.join(_ROOT, 'binaries', '*_test.py')):
      self.skipTest('needs the checkout\'s test files (run under pytest)')

  def test_finds_the_programs_tests_import(self):
    self.assertIn('binaries.train', imported_programs())

  def test_all_imported_programs_load_in_one_process(self):
    modules = imported_programs()
    code = ''.join(f'import {m}\n' for m in modules)
    result = subprocess.run([sys.executable, '-c', code], cwd=_ROOT,
                            capture_output=True, text=True, check=False)
    self.assertEqual(result.returncode, 0,
                     f'importing {modules} together failed:\n'
                     f'{result.stderr[-2000:]}')


if __name__ == '__main__':
  unittest.main()
