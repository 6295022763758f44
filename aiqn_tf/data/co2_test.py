"""Tests of the Mauna Loa CO2 windows."""

import numpy as np
import tensorflow as tf

from aiqn_tf.data import co2
from aiqn_tf.data import datasets


class CO2Test(tf.test.TestCase):

  def test_the_weekly_series_is_whole_with_its_trend_and_cycle(self):
    weeks = co2.weekly()
    self.assertLen(weeks, 2284)
    self.assertTrue(np.isfinite(weeks).all())
    # Keeling's curve: about 55 ppmv more in 2001 than in 1958...
    self.assertBetween(weeks[-52:].mean() - weeks[:52].mean(), 45, 65)
    # ... and a yearly cycle: the detrended series repeats after 52 weeks
    # and is opposite after 26.
    detrended = weeks - np.convolve(weeks, np.ones(53) / 53, 'same')
    detrended = detrended[60:-60]
    lag = lambda k: np.corrcoef(detrended[:-k], detrended[k:])[0, 1]
    self.assertGreater(lag(52), 0.8)
    self.assertLess(lag(26), -0.8)

  def test_windows_split_by_time_and_standardised_by_training_weeks(self):
    spec = datasets.resolve('co2')
    self.assertEqual(spec.event_space.describe(),
                     'sequences [104, 1] of float values')
    train = datasets.as_arrays(spec, 'train')['sequences'][..., 0]
    test = datasets.as_arrays(spec, 'test')['sequences'][..., 0]
    self.assertEqual((len(train), len(test)), (spec.split_sizes['train'],
                                               spec.split_sizes['test']))
    mean, deviation = co2.scale()
    weeks = (co2.weekly() - mean) / deviation
    cut = int(len(weeks) * co2.TRAIN_SHARE)
    self.assertAllClose(weeks[:cut].mean(), 0.0, atol=1e-9)
    self.assertAllClose(weeks[:cut].std(), 1.0, atol=1e-9)
    # Each window is a stretch of the series: training ones before the cut,
    # test ones after it, every STRIDE weeks.
    self.assertAllClose(train[1], weeks[co2.STRIDE:co2.STRIDE + 104],
                        atol=1e-6)
    self.assertAllClose(train[-1], weeks[(len(train) - 1) * co2.STRIDE:][
        :104], atol=1e-6)
    self.assertLessEqual((len(train) - 1) * co2.STRIDE + 104, cut)
    self.assertAllClose(test[0], weeks[cut:cut + 104], atol=1e-6)


if __name__ == '__main__':
  tf.test.main()
