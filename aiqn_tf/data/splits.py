"""Fixed train/test splits by a hash of each example's key.

An example goes to the test split when the SHA-1 of its key (a folder file's
path relative to the folder, an array row's index as a decimal string), read
as a number in [0, 1), is below `test_fraction`. The split of an example
depends on its key alone, so adding examples never moves an old one between
splits, and it is the same on every machine and Python version.
"""

import hashlib

import numpy as np


def hash_unit(key):
  """str -> float in [0, 1): the first 8 bytes of its SHA-1 over 2**64."""
  digest = hashlib.sha1(key.encode('utf-8')).digest()
  return int.from_bytes(digest[:8], 'big') / 2.0**64


def is_test(keys, test_fraction):
  """bool [N]: whether each key is in the test split."""
  return np.array([hash_unit(k) < test_fraction for k in keys], dtype=bool)


def sizes(keys, test_fraction):
  """{'train': N_train, 'test': N_test} of these keys."""
  test = int(is_test(keys, test_fraction).sum())
  return {'train': len(keys) - test, 'test': test}


def select(keys, split, test_fraction):
  """The positions in `keys` of one split's examples, in a fixed order.

  Args:
    keys: sequence of str.
    split: 'train' or 'test'.
    test_fraction: float in [0, 1).

  Returns:
    int64 [M] positions, ordered by hash: a fixed pseudo-random order, so a
    folder sorted by class (or an array sorted by label) reaches a shuffle
    buffer mixed.
  """
  hashes = np.array([hash_unit(k) for k in keys], dtype=np.float64)
  chosen = np.flatnonzero((hashes < test_fraction) == (split == 'test'))
  return chosen[np.argsort(hashes[chosen], kind='stable')]
