"""Hash splits: fixed, near the fraction asked, unmoved by new keys."""

import numpy as np
import tensorflow as tf

from aiqn_tf.data import splits


class SplitsTest(tf.test.TestCase):

  def test_hash_is_fixed(self):
    # SHA-1 of b'0' starts b6589fc6ab0dc82c: pinned so no change of hash
    # function moves examples between splits unnoticed.
    self.assertEqual(splits.hash_unit('0'), 0xb6589fc6ab0dc82c / 2.0**64)
    self.assertBetween(splits.hash_unit('cats/a.png'), 0.0, 1.0)

  def test_fraction_and_stability(self):
    keys = [f'img{i}.png' for i in range(2000)]
    test = splits.is_test(keys, 0.1)
    self.assertBetween(test.mean(), 0.08, 0.12)
    self.assertEqual(splits.sizes(keys, 0.1),
                     {'train': 2000 - test.sum(), 'test': test.sum()})
    more = splits.is_test(keys + [f'new{i}.png' for i in range(500)], 0.1)
    self.assertAllEqual(more[:2000], test)

  def test_select_partitions_in_fixed_order(self):
    keys = [str(i) for i in range(300)]
    train = splits.select(keys, 'train', 0.2)
    test = splits.select(keys, 'test', 0.2)
    self.assertCountEqual(np.concatenate([train, test]), range(300))
    self.assertAllEqual(test, splits.select(keys, 'test', 0.2))
    self.assertFalse(np.all(np.diff(train) > 0))  # Not in key order.
    self.assertEmpty(splits.select(keys, 'test', 0.0))


if __name__ == '__main__':
  tf.test.main()
