"""Learning curves keep every evaluation point and resume finished runs."""

import json
import os
import tempfile

from absl.testing import absltest

from experiments import _curves


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
    self.assertFalse(_curves.finished(_curves.points(model_dir), 3000))
    _write_point(model_dir, 2000, 9.0)
    self.assertFalse(_curves.finished(_curves.points(model_dir), 3000))
    _write_point(model_dir, 3000, 8.0)
    self.assertTrue(_curves.finished(_curves.points(model_dir), 3000))
    self.assertFalse(_curves.finished(_curves.points(model_dir), 4000))

  def test_curve_over_seeds_and_the_step_a_target_is_reached(self):
    root = self.enter_context(tempfile.TemporaryDirectory())
    for seed, fids in ((0, (12.0, 9.0, 7.0)), (1, (14.0, 11.0))):
      model_dir = _curves.run_dir(root, 'digits', 'pixel_iqn', seed)
      for i, fid in enumerate(fids):
        _write_point(model_dir, 1000 * (i + 1), fid)
    gathered = {f'pixel_iqn_seed{s}': _curves.points(
        _curves.run_dir(root, 'digits', 'pixel_iqn', s)) for s in (0, 1, 2)}
    models = _curves.by_model(gathered)
    self.assertEqual(sorted(models['pixel_iqn']), [0, 1])  # Seed 2: no run.
    steps, mean, low, high, seeds = _curves.curve(models['pixel_iqn'], 'fid')
    self.assertEqual(steps.tolist(), [1000, 2000, 3000])
    self.assertEqual(mean.tolist(), [13.0, 10.0, 7.0])
    self.assertEqual(low.tolist(), [12.0, 9.0, 7.0])
    self.assertEqual(high.tolist(), [14.0, 11.0, 7.0])
    self.assertEqual(seeds.tolist(), [2, 2, 1])
    self.assertEqual(_curves.best(steps, mean), (7.0, 3000))
    self.assertEqual(_curves.first_reaching(steps, mean, 10.0), 2000)
    self.assertIsNone(_curves.first_reaching(steps, mean, 5.0))

  def test_seeds_with_a_metric(self):
    # Older runs may lack a metric added later (PixelIQN's bits/dim).
    runs = {0: [{'step': 1000, 'fid': 9.0}],
            1: [{'step': 1000, 'fid': 8.0, 'test_bits_per_dim': None}],
            2: [{'step': 1000, 'fid': 7.0, 'test_bits_per_dim': 4.3}]}
    self.assertEqual(_curves.seeds_with(runs, 'fid'), [0, 1, 2])
    self.assertEqual(_curves.seeds_with(runs, 'test_bits_per_dim'), [2])

  def test_floor_is_the_test_images_figure_where_points_hold_it(self):
    models = {'a': {0: [{'step': 1, 'fid_floor': 9.0}, {'step': 2}]},
              'b': {1: [{'step': 1, 'fid_floor': 10.0}]}}
    self.assertAlmostEqual(_curves.floor(models, 'fid_floor'), 9.5)
    self.assertIsNone(_curves.floor(models, 'swd_floor'))
    self.assertIsNone(_curves.floor(models, None))

  def test_points_kept_from_a_results_file_of_the_same_settings(self):
    root = self.enter_context(tempfile.TemporaryDirectory())
    path = os.path.join(root, 'curves.json')
    runs = {'pixel_iqn_seed0': [{'step': 1000, 'fid': 9.0}]}
    with open(path, 'w') as f:
      json.dump({'dataset': 'digits', 'train_steps': 1000, 'eval_every': 1000,
                 'num_samples': 300, 'runs': runs}, f)
    self.assertEqual(
        _curves.kept_points(path, 'digits', 1000, 1000, 300), runs)
    self.assertEqual(_curves.kept_points(path, 'digits', 2000, 1000, 300), {})
    self.assertEqual(_curves.kept_points(path + 'x', 'digits', 1000, 1000,
                                         300), {})

  def test_a_sitting_of_a_subset_keeps_the_other_runs(self):
    kept = {'pixel_cnn_seed0': [{'step': 1000}],
            'pixel_iqn_seed0': [{'step': 1000}],
            'pixel_iqn_seed2': []}
    self.assertEqual(
        _curves.planned([('pixel_iqn', 0), ('pixel_iqn', 1)], kept),
        [('pixel_iqn', 0), ('pixel_iqn', 1), ('pixel_cnn', 0),
         ('pixel_iqn', 2)])


if __name__ == '__main__':
  absltest.main()
