"""DCGAN-style generator and discriminator (Radford et al. 2016), any image size.

Generator: dense to [s0, s0, w 2^(n-1)] -> batch norm -> ReLU, then n - 1
stages of [transposed conv 5x5 stride 2 (no bias) -> batch norm -> ReLU]
halving the width, and a last transposed conv 5x5 stride 2 to the image's
channels with tanh. Discriminator: n stages of [conv 5x5 stride 2 ->
(batch norm, not in the first stage) -> leaky ReLU 0.2] with widths w, 2w,
..., flattened to one linear score. s0 = size / 2^n, with n the number of
halvings that keep s0 a whole number >= 4: 8 -> 4 (n = 1), 28 -> 7 (n = 2),
32 -> 4 (n = 3), 64 -> 4 (n = 4). Gulrajani et al.'s CIFAR-10 WGAN-GP is this
with w = 128, a 128-dimensional code and no batch norm in the critic.
VEEGAN's reconstructor (`encoder`) and pair discriminator
(`joint_discriminator`) reuse the discriminator's stages.

Batch norm is synchronized across replicas, so a batch's statistics do not
depend on how tf.distribute splits it. A WGAN-GP critic takes none
(`batch_norm=False`): its gradient penalty is per example.
"""

import keras


def num_stages(size):
  """The stride-2 stages of a side of `size`; ValueError if there are none."""
  stages = 0
  while size % 2 == 0 and size // 2 >= 4:
    size //= 2
    stages += 1
  if not stages:
    raise ValueError(f'The DCGAN networks take square images whose side '
                     f'halves at least once to 4 or more (8, 28, 32, 64, ...),'
                     f' got {size}: set image_size.')
  return stages


def generator(image_shape, latent_dim, filters, name='generator'):
  """codes [B, latent_dim] (standard normal) -> images [B, H, W, C] in [-1, 1].

  Args:
    image_shape: (S, S, C).
    latent_dim: the code's size.
    filters: w, the discriminator's first width (the generator's last).
  """
  size, _, channels = image_shape
  stages = num_stages(size)
  start = size // 2**stages
  layers = keras.layers
  model = keras.Sequential(name=name)
  model.add(keras.Input((latent_dim,)))
  width = filters * 2**(stages - 1)
  model.add(layers.Dense(start * start * width, use_bias=False))
  model.add(layers.BatchNormalization(synchronized=True))
  model.add(layers.ReLU())
  model.add(layers.Reshape((start, start, width)))
  for stage in range(stages - 1):
    width //= 2
    model.add(layers.Conv2DTranspose(width, 5, 2, 'same', use_bias=False))
    model.add(layers.BatchNormalization(synchronized=True))
    model.add(layers.ReLU())
  model.add(layers.Conv2DTranspose(channels, 5, 2, 'same', activation='tanh'))
  return model


def _stages(model, image_shape, filters, batch_norm):
  """Adds the discriminator's conv stages and the flattening to `model`."""
  layers = keras.layers
  model.add(keras.Input(tuple(image_shape)))
  for stage in range(num_stages(image_shape[0])):
    model.add(layers.Conv2D(filters * 2**stage, 5, 2, 'same',
                            use_bias=not (batch_norm and stage)))
    if batch_norm and stage:
      model.add(layers.BatchNormalization(synchronized=True))
    model.add(layers.LeakyReLU(0.2))
  model.add(layers.Flatten())
  return model


def discriminator(image_shape, filters, batch_norm=True, name='discriminator'):
  """images [B, H, W, C] in [-1, 1] -> scores [B] (logits or critic values).

  Args:
    image_shape: (S, S, C).
    filters: w, the first stage's width.
    batch_norm: after every stage but the first (DCGAN); False for a
      WGAN-GP critic.
  """
  model = _stages(keras.Sequential(name=name), image_shape, filters,
                  batch_norm)
  model.add(keras.layers.Dense(1))
  model.add(keras.layers.Reshape(()))
  return model


def encoder(image_shape, latent_dim, filters, name='reconstructor'):
  """images [B, H, W, C] in [-1, 1] -> codes [B, latent_dim], unbounded.

  The generator transposed, as Rosca et al. 2018 build their encoders (the
  discriminator's stages, no activation after the last linear layer).
  """
  model = _stages(keras.Sequential(name=name), image_shape, filters, True)
  model.add(keras.layers.Dense(latent_dim))
  return model


def joint_discriminator(image_shape, latent_dim, filters, units,
                        name='joint_discriminator'):
  """(codes [B, latent_dim], images [B, H, W, C]) -> logits [B].

  A discriminator on pairs, as VEEGAN's (Srivastava et al. 2017): the
  images' features from the discriminator's stages, concatenated with the
  codes, through a hidden layer of `units` with leaky ReLU 0.2.
  """
  layers = keras.layers
  codes = keras.Input((latent_dim,))
  images = keras.Input(tuple(image_shape))
  features = _stages(keras.Sequential(name=f'{name}_features'), image_shape,
                     filters, True)(images)
  hidden = layers.LeakyReLU(0.2)(layers.Dense(units)(
      layers.Concatenate()([features, codes])))
  logits = layers.Reshape(())(layers.Dense(1)(hidden))
  return keras.Model([codes, images], logits, name=name)


def code_discriminator(latent_dim, units, num_layers=2,
                       name='code_discriminator'):
  """codes [B, latent_dim] -> logits [B]: an MLP with leaky ReLU, no batch norm.

  As in AAE (Makhzani et al. 2015) and alpha-GAN's code discriminator, where
  batch norm is best left out (victor-shepardson/alpha-GAN).
  """
  layers = keras.layers
  model = keras.Sequential(name=name)
  model.add(keras.Input((latent_dim,)))
  for _ in range(num_layers):
    model.add(layers.Dense(units))
    model.add(layers.LeakyReLU(0.2))
  model.add(layers.Dense(1))
  model.add(layers.Reshape(()))
  return model

