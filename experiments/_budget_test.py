"""Equal budgets: rates measured once, then read back on any machine."""

import json
import os
import tempfile
from unittest import mock

from absl.testing import absltest

from experiments import _budget
from experiments import _preset_runs


class StepsInBudgetTest(absltest.TestCase):

  def setUp(self):
    super().setUp()
    self.root = self.enter_context(tempfile.TemporaryDirectory())
    self.results = os.path.join(self.root, 'results.json')

  def _calibrated(self, seconds):
    """train_preset replaced by a stand-in that took `seconds[model][steps]`."""

    class Trainer:

      def close(self):
        pass

    return mock.patch.object(
        _preset_runs, 'train_preset', side_effect=lambda dataset, model, path,
        seed, steps, **_: (None, Trainer(), seconds[model][steps]))

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
    self.assertEqual(train.call_count, 6)
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
    self.assertEqual(train.call_count, 2)
    self.assertEqual(more['dcgan'], 1000)
    with open(self.results) as f:
      self.assertEqual(set(json.load(f)['budget/digits']['steps_per_s']),
                       set(seconds))

  def test_a_variant_is_timed_as_its_model_with_its_changes(self):
    calls = []

    class Trainer:

      def close(self):
        pass

    def train(dataset, model, path, seed, steps, **changes):
      calls.append((model, os.path.basename(path), changes))
      rate = 4.0 if changes.get('backbone') == 'row_lstm' else 10.0
      return None, Trainer(), steps / rate

    variants = {'pixel_iqn_row_lstm': ('pixel_iqn', {'backbone': 'row_lstm'})}
    with mock.patch.object(_preset_runs, 'train_preset', side_effect=train):
      steps = _budget.steps_in_budget(
          'digits', ['pixel_iqn', 'pixel_iqn_row_lstm'], 10.0,
          os.path.join(self.root, 'runs'), {}, lambda: None, variants)[0]
    self.assertEqual(steps, {'pixel_iqn': 100, 'pixel_iqn_row_lstm': 40})
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
