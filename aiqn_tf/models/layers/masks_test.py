"""Channel groups and autoregressive masks."""

import numpy as np
import tensorflow as tf

from aiqn_tf.models.layers import masks


class MasksTest(tf.test.TestCase):

  def test_groups_repeat_in_each_split(self):
    self.assertAllEqual(masks.channel_groups(6, 3), [0, 0, 1, 1, 2, 2])
    self.assertAllEqual(masks.channel_groups(6, 3, num_splits=2),
                        [0, 1, 2, 0, 1, 2])
    self.assertAllEqual(np.bincount(masks.channel_groups(128, 3)), [43, 43, 42])
    with self.assertRaisesRegex(ValueError, 'equal'):
      masks.channel_groups(9, 3, num_splits=2)
    with self.assertRaisesRegex(ValueError, 'one per group'):
      masks.channel_groups(4, 3, num_splits=2)

  def test_mask_a_and_b(self):
    rgb = np.arange(3)
    self.assertAllEqual(masks.autoregressive_mask(rgb, rgb, 'A'),
                        [[0, 1, 1], [0, 0, 1], [0, 0, 0]])
    self.assertAllEqual(masks.autoregressive_mask(rgb, rgb, 'B'),
                        [[1, 1, 1], [0, 1, 1], [0, 0, 1]])
    with self.assertRaises(ValueError):
      masks.autoregressive_mask(rgb, rgb, 'C')


  def test_prefix_size_counts_the_leading_groups(self):
    groups = masks.channel_groups(128, 3)  # 43, 43, 42.
    for last in (-1, 0, 1, 2):
      size = masks.prefix_size(128, 3, last)
      self.assertEqual(size, (groups <= last).sum())
      self.assertTrue(np.all(groups[:size] <= last))
    self.assertEqual(masks.prefix_size(24, 3, 0), 8)

if __name__ == '__main__':
  tf.test.main()
