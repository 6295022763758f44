"""The generated reference pages are what the code says, and what they say holds."""

import dataclasses
import os

from absl.testing import absltest
from absl.testing import parameterized

from aiqn_tf.core import config_fields
from aiqn_tf.models import registry
from aiqn_tf.runs import config as config_lib
from tools import make_reference


def _outside(field):
  """A value just outside a field's range, or None if it has no bound."""
  meta = config_fields.info(field)
  if meta['choices']:
    return 'not-a-choice' if field.type is str else max(meta['choices']) + 1
  for bound, step in (('minimum', -1), ('above', 0), ('maximum', 1),
                      ('below', 0)):
    if meta[bound] is not None:
      value = meta[bound] + step
      return field.type(value) if field.type is int else float(value)
  return None


def _model_sections():
  return [(name, registry.get(name).Config)
          for name in registry.builtin_names()]


class MakeReferenceTest(parameterized.TestCase):

  def test_checked_in_pages_are_up_to_date(self):
    for path, text in make_reference.pages().items():
      full = os.path.join(make_reference.ROOT, path)
      self.assertTrue(os.path.exists(full), f'{path} is missing: run python '
                      '-m tools.make_reference')
      with open(full) as f:
        self.assertEqual(
            f.read(), text, f'{path} differs from the code: run python -m '
            'tools.make_reference and commit the result')

  def test_every_field_and_flag_is_documented(self):
    page = make_reference.configuration_page()
    for cls in list(config_lib.SECTIONS.values()) + [
        c for _, c in _model_sections()]:
      for field in dataclasses.fields(cls):
        if field.name == 'resolved':
          continue  # Written by the run, not set.
        self.assertIsNotNone(config_fields.info(field),
                             f'{cls.__name__}.{field.name} has no setting()')
        self.assertIn(f'| `{field.name}` |', page)
    flags_page = make_reference.flags_page()
    train = make_reference.binary_flags('train')
    for flag in train['flags']:
      self.assertIn(f'| `--{flag["name"]}` |', flags_page)

  def test_section_ranges_are_enforced(self):
    """Each stated bound of a section field refuses a value just outside."""
    for cls in config_lib.SECTIONS.values():
      for field in config_fields.fields(cls):
        value = _outside(field)
        if value is None:
          continue
        with self.subTest(field=field.name, value=value):
          with self.assertRaisesRegex(ValueError, field.name):
            cls(**{field.name: value})

  def test_model_ranges_are_enforced(self):
    """A model field's stated bound is refused when the run is validated."""
    for model_name, cls in _model_sections():
      for field in config_fields.fields(cls):
        value = _outside(field)
        if value is None:
          continue
        with self.subTest(model=model_name, field=field.name, value=value):
          config = config_lib.Config(model_name=model_name).replace(
              dataset='digits', image_size=8 if 'vae' in model_name else 0,
              **{field.name: value})
          with self.assertRaisesRegex(ValueError, field.name):
            config.validate()

  def test_resumable_fields(self):
    config = config_lib.Config(model_name='pixel_iqn')
    self.assertEqual(
        config.resumable_fields(),
        {'train_steps', 'checkpoint_every', 'summary_every', 'sample_every',
         'num_samples', 'eval_every', 'eval_num_samples', 'eval_classifier',
         'eval_classifier_path', 'eval_likelihood_images',
         'eval_critic_steps', 'skip_nonfinite'})


if __name__ == '__main__':
  absltest.main()
