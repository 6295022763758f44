"""The 2-D mixtures: their modes, spreads and fixed draws."""

import numpy as np
from absl.testing import absltest

from aiqn_tf.data import mixtures


class MixturesTest(absltest.TestCase):

  def test_each_component_has_its_centre_and_spread(self):
    for name, modes in (('ring', 8), ('grid', 25)):
      mixture = mixtures.MIXTURES[name]
      self.assertLen(mixture.centers, modes)
      split = mixtures.arrays(name, 'train')
      vectors, labels = split['vectors'], split['labels']
      self.assertEqual(vectors.shape, (mixtures.TRAIN_SIZE, 2))
      self.assertEqual(vectors.dtype, np.float32)
      for k in range(modes):
        points = vectors[labels == k]
        # Equal weights: each component's share within 5 binomial sds.
        share = len(points) / len(vectors)
        self.assertAlmostEqual(share, 1 / modes, delta=5 * np.sqrt(
            (1 / modes) * (1 - 1 / modes) / len(vectors)))
        np.testing.assert_allclose(points.mean(0), mixture.centers[k],
                                   atol=5 * mixture.std / np.sqrt(len(points)))
        np.testing.assert_allclose(points.std(0), mixture.std, rtol=0.1)

  def test_ring_and_grid_geometry(self):
    ring = mixtures.MIXTURES['ring'].centers
    np.testing.assert_allclose(np.linalg.norm(ring, axis=1), 1.0)
    grid = mixtures.MIXTURES['grid'].centers
    self.assertEqual(sorted(set(np.round(grid[:, 0], 6))),
                     [-4.0, -2.0, 0.0, 2.0, 4.0])

  def test_splits_are_fixed_and_differ(self):
    first = mixtures.arrays('ring', 'test')['vectors']
    np.testing.assert_array_equal(first, mixtures.arrays('ring', 'test')[
        'vectors'])
    self.assertEqual(first.shape, (mixtures.TEST_SIZE, 2))
    self.assertFalse(np.allclose(
        first, mixtures.arrays('ring', 'train')['vectors'][:len(first)]))


if __name__ == '__main__':
  absltest.main()
