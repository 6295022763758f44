"""Autoregressive masks over ordered groups of channels (or units).

A tensor's channels are split into `num_groups` ordered groups (R, G, B for an
RGB image; latent dimensions 1..m for the latent AIQN). Group `o` of an output
may see group `i` of an input when `i < o` (mask 'A', for the first layer, which
must not see the value it predicts) or `i <= o` (mask 'B', for later layers,
whose own group already carries only earlier information).
"""

import numpy as np

MASK_TYPES = ('A', 'B')


def channel_groups(num_channels, num_groups, num_splits=1):
  """Group index of each of `num_channels` channels.

  The channels are cut into `num_splits` equal consecutive parts (e.g. the tanh
  and sigmoid halves of a gated activation), and each part into `num_groups`
  consecutive blocks of sizes differing by at most one (128 planes for RGB:
  43, 43, 42), so every part has the same grouping and a feature of one group
  never gates a feature of another.

  Args:
    num_channels: int, divisible by num_splits, with at least num_groups
      channels per part.
    num_groups: int >= 1.
    num_splits: int >= 1.

  Returns:
    int array [num_channels] with values in [0, num_groups).

  Raises:
    ValueError: if the parts are uneven or a group would be empty.
  """
  part = num_channels // num_splits
  if num_channels % num_splits or part < num_groups:
    raise ValueError(
        f'{num_channels} channels cannot be cut into {num_splits} equal '
        f'part(s) of at least {num_groups} channel(s) (one per group).')
  return np.tile(np.arange(part) * num_groups // part, num_splits)


def prefix_size(num_channels, num_groups, last_group):
  """How many of `num_channels` (one part) are in groups <= last_group.

  Groups are consecutive (see `channel_groups`), so these channels come
  first: samplers cut kernels and inputs to them. last_group = -1 gives 0.
  """
  return int((channel_groups(num_channels, num_groups) <= last_group).sum())


def autoregressive_mask(in_groups, out_groups, mask_type):
  """Mask [in, out] letting output group o see input groups before (A) or up to (B) o.

  Args:
    in_groups: int array [in], group of each input channel.
    out_groups: int array [out], group of each output channel.
    mask_type: 'A' (strictly earlier groups) or 'B' (earlier or same group).

  Returns:
    float32 array [in, out] of zeros and ones.
  """
  if mask_type not in MASK_TYPES:
    raise ValueError(f"mask_type must be 'A' or 'B', got {mask_type!r}.")
  in_groups = np.asarray(in_groups)[:, None]
  out_groups = np.asarray(out_groups)[None, :]
  allowed = in_groups < out_groups if mask_type == 'A' else in_groups <= out_groups
  return allowed.astype(np.float32)
