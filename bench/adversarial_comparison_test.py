"""The comparison's budget: measured once, then read back on any machine."""

import json
import os
import tempfile
from unittest import mock

from absl import flags
from absl.testing import absltest
from absl.testing import flagsaver

from bench import _preset_runs
from bench import adversarial_comparison as comparison

FLAGS = flags.FLAGS


class BudgetTest(absltest.TestCase):

  def setUp(self):
    super().setUp()
    FLAGS.mark_as_parsed()
    self.root = self.enter_context(tempfile.TemporaryDirectory())
    self.enter_context(flagsaver.flagsaver(
        work_dir=os.path.join(self.root, 'runs'),
        output=os.path.join(self.root, 'out', 'adversarial'),
        budget_s=['digits=10']))

  def _calibrated(self, seconds):
    """train_preset replaced by a stand-in that took `seconds[steps]`."""

    class Trainer:

      def close(self):
        pass

    return mock.patch.object(
        _preset_runs, 'train_preset', side_effect=lambda dataset, model, path,
        seed, steps, **_: (None, Trainer(), seconds[model][steps]))

  def test_rates_are_measured_once_and_kept_in_the_results(self):
    seconds = {'pixel_iqn': {20: 3.0, 120: 13.0},  # 10 steps/s.
               'pixel_cnn': {20: 3.0, 120: 23.0},  # 5 steps/s.
               'wgan_gp': {20: 1.0, 120: 3.0}}  # 50 steps/s.
    store = {}
    with self._calibrated(seconds) as train:
      steps, _ = comparison._budget_steps('digits', list(seconds), store)
    self.assertEqual(train.call_count, 6)
    # 10 s of each rate; one backbone, so PixelIQN gets PixelCNN's 50 too.
    self.assertEqual(steps, {'pixel_iqn': 50, 'pixel_cnn': 50,
                             'wgan_gp': 500})
    # Another machine, without the run directories: the same steps from the
    # results file, no calibration.
    with open(comparison._results_file()) as f:
      saved = json.load(f)
    FLAGS.work_dir = os.path.join(self.root, 'elsewhere')
    with self._calibrated(seconds) as train:
      again, _ = comparison._budget_steps('digits', list(seconds), saved)
    self.assertEqual(train.call_count, 0)
    self.assertEqual(again, steps)
    # A model added later is measured alone.
    seconds['dcgan'] = {20: 1.0, 120: 2.0}
    with self._calibrated(seconds) as train:
      more, _ = comparison._budget_steps('digits', list(seconds), saved)
    self.assertEqual(train.call_count, 2)
    self.assertEqual(more['dcgan'], 1000)


if __name__ == '__main__':
  absltest.main()
