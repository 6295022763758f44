"""The benchmarks' timed runs: a finished run is restored, not retrained."""

import json
import os

import numpy as np
import tensorflow as tf

from experiments import _preset_runs


# The digits preset made small: what is tested is the bookkeeping, whose cost
# would otherwise be the preset's model.
SMALL = dict(num_layers=1, filters=8, output_filters=16, batch_size=8)


def _weights(trainer):
  return [w.numpy() for w in trainer.average_model.weights]


class TrainPresetTest(tf.test.TestCase):

  def test_a_finished_run_is_restored_with_its_time(self):
    model_dir = os.path.join(self.get_temp_dir(), 'run')
    _, first, seconds = _preset_runs.train_preset('digits', 'pixel_cnn',
                                                  model_dir, 0, 4, **SMALL)
    with open(os.path.join(model_dir, 'train_seconds.json')) as f:
      self.assertEqual(json.load(f)['seconds'], seconds)
    _, again, again_seconds = _preset_runs.train_preset(
        'digits', 'pixel_cnn', model_dir, 0, 4, **SMALL)
    self.assertEqual(again_seconds, seconds)
    self.assertEqual(int(again.step), 4)
    for a, b in zip(_weights(first), _weights(again)):
      self.assertAllEqual(a, b)
    # Another setting in the same directory trains afresh.
    _, other, _ = _preset_runs.train_preset('digits', 'pixel_cnn', model_dir,
                                            1, 4, **SMALL)
    self.assertFalse(all(np.array_equal(a, b) for a, b in
                         zip(_weights(first), _weights(other))))

  def test_a_run_recorded_before_a_setting_existed_is_still_finished(self):
    model_dir = os.path.join(self.get_temp_dir(), 'older')
    _, _, seconds = _preset_runs.train_preset('digits', 'pixel_iqn',
                                              model_dir, 0, 2, **SMALL)
    timing = os.path.join(model_dir, 'train_seconds.json')
    with open(timing) as f:
      recorded = json.load(f)
    del recorded['config']['model']['tau_draws']  # Added at its default.
    with open(timing, 'w') as f:
      json.dump(recorded, f)
    _, again, again_seconds = _preset_runs.train_preset(
        'digits', 'pixel_iqn', model_dir, 0, 2, **SMALL)
    self.assertEqual(again_seconds, seconds)
    # A changed setting is still a change.
    _, _, other_seconds = _preset_runs.train_preset(
        'digits', 'pixel_iqn', model_dir, 0, 2, tau_draws=2, **SMALL)
    self.assertNotEqual(other_seconds, seconds)

  def test_an_unfinished_run_starts_afresh(self):
    model_dir = os.path.join(self.get_temp_dir(), 'cut')
    _, whole, _ = _preset_runs.train_preset('digits', 'pixel_cnn', model_dir,
                                            0, 4, **SMALL)
    # As if interrupted after its checkpoint, before its time was written.
    os.remove(os.path.join(model_dir, 'train_seconds.json'))
    marker = os.path.join(model_dir, 'left_from_before')
    open(marker, 'w').close()
    _, again, _ = _preset_runs.train_preset('digits', 'pixel_cnn', model_dir,
                                            0, 4, **SMALL)
    self.assertFalse(os.path.exists(marker))  # The directory was cleared.
    self.assertTrue(os.path.exists(os.path.join(model_dir,
                                                'train_seconds.json')))
    self.assertEqual(int(again.step), 4)
    for a, b in zip(_weights(whole), _weights(again)):
      self.assertAllEqual(a, b)  # Seeded: the same run, trained again.



class TableTest(tf.test.TestCase):

  def test_mean_and_spread_of_finite_values_and_only_filled_columns(self):
    self.assertEqual(_preset_runs.cell([1.0, 3.0, float('nan'), None], 2),
                     '2.00 +- 1.00')
    self.assertEqual(_preset_runs.cell([None], 1), '-')
    lines = _preset_runs.table(
        {'a': [{'fid': 1.0}, {'fid': 2.0}], 'b': [{'fid': 4.0}]},
        (('fid', 'FID', 1), ('recall', 'recall', 2)))
    self.assertEqual(lines, ['| model | FID |', '|---|---|',
                             '| a | 1.5 +- 0.5 |', '| b | 4.0 |'])


if __name__ == '__main__':
  tf.test.main()
