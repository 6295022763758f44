"""The compatibility names import what they name, and warn where they go."""

import importlib
import sys
import warnings

import tensorflow as tf

from aiqn_tf.core import compat


class CompatTest(tf.test.TestCase):

  def test_every_moved_module_imports_as_itself_with_a_warning(self):
    import aiqn_tf.models  # pylint: disable=g-import-not-at-top,unused-import
    for old, new in compat.MOVED.items():
      sys.modules.pop(old, None)
      with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter('always')
        module = importlib.import_module(old)
      self.assertIs(module, importlib.import_module(new))
      self.assertEqual(module.__spec__.name, new)  # Its own spec kept.
      self.assertTrue(any(
          issubclass(w.category, DeprecationWarning) and
          f'dropped in {compat.MOVED_DROPPED_IN}' in str(w.message)
          for w in caught), old)
    sys.modules.pop('aiqn_tf.models.gan', None)
    from aiqn_tf.models import gan  # pylint: disable=g-import-not-at-top
    self.assertEqual(gan.__name__, 'aiqn_tf.models.adversarial.gan')

  def test_top_level_and_moved_names(self):
    import aiqn_tf  # pylint: disable=g-import-not-at-top
    for name, module in compat.TOP_LEVEL.items():
      self.assertIs(getattr(aiqn_tf, name), importlib.import_module(module))
    for module, names in compat.NAMES.items():
      for name, home in names.items():
        self.assertIs(getattr(importlib.import_module(module), name),
                      getattr(importlib.import_module(home), name))
    with self.assertRaisesRegex(AttributeError, 'no attribute'):
      getattr(importlib.import_module('aiqn_tf.models.sampling'), 'nothing')


if __name__ == '__main__':
  tf.test.main()
