"""Learning curves keep every evaluation point and resume finished runs."""

import json
import os
import tempfile

from absl.testing import absltest

from bench import _curves


def _write_point(model_dir, step, fid, suffix=''):
  os.makedirs(os.path.join(model_dir, 'eval'), exist_ok=True)
  with open(os.path.join(model_dir, 'eval',
                         f'step_{step:08d}{suffix}.json'), 'w') as f:
    json.dump({'step': step, 'fid': fid}, f)


class LearningCurvesTest(absltest.TestCase):

  def test_points_in_step_order_without_prior_files(self):
    model_dir = self.enter_context(tempfile.TemporaryDirectory())
    for step, fid in ((2000, 9.0), (1000, 12.0), (10000, 6.0)):
      _write_point(model_dir, step, fid)
    _write_point(model_dir, 1000, 99.0, suffix='_prior')
    self.assertEqual(
        [(p['step'], p['fid']) for p in _curves.points(model_dir)],
        [(1000, 12.0), (2000, 9.0), (10000, 6.0)])

  def test_a_run_is_finished_only_at_its_last_point(self):
    model_dir = self.enter_context(tempfile.TemporaryDirectory())
    self.assertFalse(_curves.finished(model_dir, 3000))
    _write_point(model_dir, 2000, 9.0)
    self.assertFalse(_curves.finished(model_dir, 3000))
    _write_point(model_dir, 3000, 8.0)
    self.assertTrue(_curves.finished(model_dir, 3000))
    self.assertFalse(_curves.finished(model_dir, 4000))


if __name__ == '__main__':
  absltest.main()
