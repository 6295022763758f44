"""Distances of vector samples: against scipy and against shifted samples."""

import numpy as np
from absl.testing import absltest
from scipy import stats

from aiqn_tf.evaluation import modes
from aiqn_tf.evaluation import vectors


class EnergyDistanceTest(absltest.TestCase):

  def test_one_dimension_is_scipys_squared(self):
    # scipy's energy_distance is the square root of the same statistic,
    # for 1-D samples.
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=300), rng.normal(0.5, 2.0, size=200)
    self.assertAlmostEqual(vectors.energy_distance(x[:, None], y[:, None]),
                           stats.energy_distance(x, y) ** 2, places=10)

  def test_zero_for_one_sample_and_growing_with_a_shift(self):
    rng = np.random.default_rng(1)
    y = rng.normal(size=(400, 2))
    self.assertAlmostEqual(vectors.energy_distance(y, y), 0.0, places=12)
    near = vectors.energy_distance(rng.normal(size=(400, 2)), y)
    far = vectors.energy_distance(rng.normal(size=(400, 2)) + [1.0, 0.0], y)
    self.assertLess(near, 0.05)
    self.assertGreater(far, 5 * near)

  def test_shapes_are_checked(self):
    with self.assertRaisesRegex(ValueError, 'one D'):
      vectors.energy_distance(np.zeros((3, 2)), np.zeros((3, 3)))


class QuantileErrorsTest(absltest.TestCase):

  def test_a_shifted_column_is_named(self):
    rng = np.random.default_rng(2)
    reference = rng.normal(size=(5000, 3)) * [1.0, 10.0, 0.1]
    samples = rng.normal(size=(5000, 3)) * [1.0, 10.0, 0.1]
    samples[:, 1] += 5.0  # Half a standard deviation.
    errors = vectors.quantile_errors(samples, reference)
    self.assertAlmostEqual(errors[1], 0.5, delta=0.05)
    self.assertLess(errors[0], 0.05)
    self.assertLess(errors[2], 0.05)


class EvaluateTest(absltest.TestCase):

  def test_the_model_samples_measured_against_the_test_rows(self):
    from aiqn_tf.data import mixtures  # pylint: disable=g-import-not-at-top
    from aiqn_tf.evaluation import evaluate as evaluate_lib  # pylint: disable=g-import-not-at-top
    from aiqn_tf.testing import conformance  # pylint: disable=g-import-not-at-top
    model = conformance.tiny_model('pixel_iqn', 'made', (2,))
    mixture = mixtures.MIXTURES['ring']
    test = mixtures.arrays('ring', 'test')['vectors'][:200]
    results = vectors.evaluate(model, test, num_samples=300, seed=4,
                               mixture=mixture)
    samples = evaluate_lib.draw_samples(model, 300, 256, seed=4)
    self.assertAlmostEqual(results['energy_distance'],
                           vectors.energy_distance(samples, test), places=6)
    self.assertAlmostEqual(results['quantile_error_max'], float(
        vectors.quantile_errors(samples, test).max()), places=6)
    self.assertEqual(
        {k: results[k] for k in ('modes', 'high_quality')},
        modes.coverage(samples, mixture.centers, mixture.std))
    self.assertEqual((results['num_samples'], results['num_test'],
                      results['modes_of']), (300, 200, 8))


if __name__ == '__main__':
  absltest.main()
