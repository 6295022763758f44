"""Equal budgets: rates measured once, then read back on any machine."""

import json
import os
import tempfile
from unittest import mock

from absl.testing import absltest

from experiments import _budget
from experiments import _preset_runs


class _Trainer:
  """What a calibration run's trainer needs to be: closable."""

  def close(self):
    pass


class StepsInBudgetTest(absltest.TestCase):

  def setUp(self):
    super().setUp()
    self.root = self.enter_context(tempfile.TemporaryDirectory())
    self.results = os.path.join(self.root, 'results.json')

  def _calibrated(self, seconds):
    """train_preset replaced by a stand-in whose runs took seconds[model]
    [steps] for the 20- and 120-step runs, on their line for other lengths."""

    def took(model, steps):
      (a, t_a), (b, t_b) = sorted(seconds[model].items())
      return t_a + (steps - a) * (t_b - t_a) / (b - a)

    return mock.patch.object(
        _preset_runs, 'train_preset', side_effect=lambda dataset, model, path,
        seed, steps, **_: (None, _Trainer(), took(model, steps)))

  def _steps(self, models, store, work_dir):
    def save():
      with open(self.results, 'w') as f:
        json.dump(store, f)
    return _budget.steps_in_budget('digits', models, 10.0, work_dir, store,
                                   save)[0]

  def test_rates_are_measured_once_and_kept_in_the_results(self):
    seconds = {'pixel_iqn': {20: 3.0, 120: 13.0},  # 10 steps/s.
               'pixel_cnn': {20: 3.0, 120: 23.0},  # 5 steps/s.
               'wgan_gp': {20: 1.0, 120: 3.0}}  # 50 steps/s.
    with self._calibrated(seconds) as train:
      steps = self._steps(list(seconds), {}, os.path.join(self.root, 'a'))
    # An untimed warm-up and two timed runs each, and for WGAN-GP, whose two
    # differ by 2 s, longer ones (200, then 400 steps more) until they
    # differ by MIN_CALIBRATION_S.
    self.assertEqual(train.call_count, 11)
    # 10 s at each rate; one backbone, so PixelIQN gets PixelCNN's 50 too.
    self.assertEqual(steps, {'pixel_iqn': 50, 'pixel_cnn': 50,
                             'wgan_gp': 500})
    # Another machine, without the run directories: the same steps from the
    # saved results, no calibration.
    with open(self.results) as f:
      saved = json.load(f)
    elsewhere = os.path.join(self.root, 'elsewhere')
    with self._calibrated(seconds) as train:
      again = self._steps(list(seconds), saved, elsewhere)
    self.assertEqual(train.call_count, 0)
    self.assertEqual(again, steps)
    # A model added later is measured alone, and kept beside the others.
    seconds['dcgan'] = {20: 1.0, 120: 2.0}
    with self._calibrated(seconds) as train:
      more = self._steps(list(seconds), saved, elsewhere)
    self.assertEqual(train.call_count, 6)
    self.assertEqual(more['dcgan'], 1000)
    with open(self.results) as f:
      self.assertEqual(set(json.load(f)['budget/digits']['steps_per_s']),
                       set(seconds))

  def test_a_fast_model_is_timed_over_longer_runs(self):
    # 100 steps at 400 steps/s differ by 0.25 s: the longer run is
    # lengthened until the two differ by MIN_CALIBRATION_S.
    calls = []

    def train(dataset, model, path, seed, steps, **_):
      calls.append(steps)
      if path.endswith('_warmup'):  # A first run's one-time costs.
        return None, _Trainer(), 30.0
      noise = 0.05 if steps == 120 else 0.0  # Timing noise on one run.
      return None, _Trainer(), 2.0 + steps / 400.0 + noise

    with mock.patch.object(_preset_runs, 'train_preset', side_effect=train):
      steps = self._steps(['dcgan'], {}, os.path.join(self.root, 'runs'))
    self.assertGreater(calls[-1] - calls[0], 400 * _budget.MIN_CALIBRATION_S)
    self.assertLess(calls[-1], 400 * 4 * _budget.MIN_CALIBRATION_S)
    self.assertAlmostEqual(steps['dcgan'] / 10.0, 400.0, delta=1.0)

  def test_models_added_later_are_scaled_to_the_recorded_rates(self):
    # Recorded: dcgan at 10 steps/s, on a loaded machine. Today dcgan runs
    # at 20 steps/s, so a new model timed at 40 is recorded at 20.
    store = {'budget/digits': {'steps_per_s': {'dcgan': 10.0},
                               'gflops': 100.0, 'load_average': 2.0}}
    seconds = {'dcgan': {20: 1.0, 120: 6.0}, 'veegan': {20: 1.0, 120: 3.5}}
    with self._calibrated(seconds):
      steps, recorded = _budget.steps_in_budget(
          'digits', ['dcgan', 'veegan'], 10.0,
          os.path.join(self.root, 'runs'), store, lambda: None,
          reference='dcgan')
    self.assertEqual(steps, {'dcgan': 100, 'veegan': 200})
    self.assertEqual(recorded['rescaled'], {'veegan': 0.5})

  def test_a_variant_is_timed_as_its_model_with_its_changes(self):
    calls = []

    def train(dataset, model, path, seed, steps, **changes):
      calls.append((model, os.path.basename(path), changes))
      rate = 4.0 if changes.get('backbone') == 'row_lstm' else 10.0
      return None, _Trainer(), steps / rate

    variants = {'pixel_iqn_row_lstm': ('pixel_iqn', {'backbone': 'row_lstm'})}
    with mock.patch.object(_preset_runs, 'train_preset', side_effect=train):
      steps = _budget.steps_in_budget(
          'digits', ['pixel_iqn', 'pixel_iqn_row_lstm'], 10.0,
          os.path.join(self.root, 'runs'), {}, lambda: None, variants)[0]
    self.assertEqual(steps, {'pixel_iqn': 100, 'pixel_iqn_row_lstm': 40})
    self.assertIn(('pixel_iqn', 'pixel_iqn_row_lstm_20_warmup',
                   {'eval_every': 0, 'backbone': 'row_lstm'}), calls)
    self.assertIn(('pixel_iqn', 'pixel_iqn_row_lstm_120',
                   {'eval_every': 0, 'backbone': 'row_lstm'}), calls)
    self.assertIn(('pixel_iqn', 'pixel_iqn_120', {'eval_every': 0}), calls)

  def test_an_older_budget_file_is_read_when_the_results_have_none(self):
    work_dir = os.path.join(self.root, 'runs')
    os.makedirs(os.path.join(work_dir, 'digits'))
    with open(os.path.join(work_dir, 'digits', 'budget.json'), 'w') as f:
      json.dump({'steps_per_s': {'dcgan': 7.0}, 'gflops': 100.0,
                 'load_average': 0.1}, f)
    store = {}
    with self._calibrated({}) as train:
      steps = self._steps(['dcgan'], store, work_dir)
    self.assertEqual(train.call_count, 0)
    self.assertEqual(steps, {'dcgan': 70})
    self.assertEqual(store['budget/digits']['steps_per_s'], {'dcgan': 7.0})


if __name__ == '__main__':
  absltest.main()
