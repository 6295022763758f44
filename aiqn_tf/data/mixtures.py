"""The 2-D Gaussian mixtures that count dropped modes (VEEGAN's benchmarks).

Srivastava et al. 2017 (VEEGAN) measure mode collapse on two mixtures of
equally weighted isotropic Gaussians in the plane, whose modes are known:

- ring: 8 components, centres evenly spaced on the circle of radius 1,
  standard deviation 0.01. The paper's text gives no numbers; its Figure 2
  shows the ring at radius 1, and PacGAN's replication
  (fjxmlzn/PacGAN, 2DRing config.py) and the unrolled GAN's reference
  notebook (poolio/unrolled_gan) use radius 1 and 0.01.
- grid: 25 components, centres {-4, -2, 0, 2, 4}^2, standard deviation
  0.05, as in the authors' notebook (akashgit/VEEGAN, VEEGAN_2D_RING.ipynb,
  whose "2D Grid" builds it).

`MIXTURES` holds their centres and standard deviation; `arrays` draws a
split as float32 vectors [N, 2] with labels (the component), from fixed
seeds (the test split from another seed than the training split). The
evaluation of samples against the modes is evaluation/modes.py.
"""

import dataclasses

import numpy as np

TRAIN_SIZE = 50_000
TEST_SIZE = 2_500  # VEEGAN's samples per run.


@dataclasses.dataclass(frozen=True)
class Mixture:
  """Equally weighted isotropic Gaussians.

  Attributes:
    centers: float [K, D], the modes.
    std: the components' standard deviation.
  """
  centers: np.ndarray
  std: float

  @property
  def num_modes(self):
    return len(self.centers)

  def sample(self, size, seed):
    """(float32 vectors [size, D], int32 component of each [size])."""
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, self.num_modes, size).astype(np.int32)
    points = self.centers[labels] + self.std * rng.standard_normal(
        (size, self.centers.shape[1]))
    return points.astype(np.float32), labels


def _ring(num_modes=8, radius=1.0, std=0.01):
  angles = 2 * np.pi * np.arange(num_modes) / num_modes
  return Mixture(radius * np.stack([np.cos(angles), np.sin(angles)], 1), std)


def _grid(side=5, spacing=2.0, std=0.05):
  values = spacing * (np.arange(side) - (side - 1) / 2)
  return Mixture(np.array([(x, y) for x in values for y in values]), std)


MIXTURES = {'ring': _ring(), 'grid': _grid()}


def arrays(name, split):
  """One split: {"vectors": float32 [N, 2], "labels": int32 [N]}.

  Args:
    name: a key of MIXTURES.
    split: 'train' (TRAIN_SIZE draws) or 'test' (TEST_SIZE draws).
  """
  size, seed = (TRAIN_SIZE, 0) if split == 'train' else (TEST_SIZE, 1)
  vectors, labels = MIXTURES[name].sample(size, seed)
  return {'vectors': vectors, 'labels': labels}
