"""Image conversions shared by every source: channels, centre crop, resize.

All take and return uint8 images [..., H, W, C] (values 0..255); H, W and C
may be known only when the graph runs (e.g. images decoded from files).
"""

import tensorflow as tf

CELEBA_CROP = 108
CELEBA_OFFSETS = ((218 - 108) // 2, (178 - 108) // 2)


def target_channels(stored):
  """Channels yielded for `stored` ones: 1, 2 (grey + alpha) -> 1; 3, 4 -> 3."""
  return 1 if stored <= 2 else 3


def _round_uint8(images):
  return tf.cast(tf.clip_by_value(tf.round(images), 0, 255), tf.uint8)


def _grey(images):
  """Grey + alpha or grey -> grey: the first channel."""
  return images[..., :1]


def _rgb(images):
  """RGBA or RGB -> RGB: alpha dropped."""
  return images[..., :3]


def _grey_to_rgb(images):
  return tf.concat([images[..., :1]] * 3, axis=-1)


def _rgb_to_grey(images):
  grey = tf.image.rgb_to_grayscale(tf.cast(images[..., :3], tf.float32))
  return _round_uint8(grey)


def to_channels(images, channels):
  """uint8 [..., H, W, C], C in 1..4 -> uint8 [..., H, W, channels].

  Grey <-> RGB (RGB -> grey by ITU-R 601 luma, rounded), grey + alpha -> grey,
  RGBA -> RGB; alpha is dropped, not composited.

  Args:
    images: uint8 tensor [..., H, W, C]; C 1 (grey), 2 (grey + alpha), 3
      (RGB) or 4 (RGBA), static or known only at run time.
    channels: 1 or 3.

  Returns:
    uint8 tensor [..., H, W, channels].
  """
  if channels not in (1, 3):
    raise ValueError(f'channels must be 1 or 3, got {channels}.')
  images = tf.convert_to_tensor(images)
  stored = images.shape[-1]
  as_grey = channels == 1
  if stored is not None:
    if stored == channels:
      return images
    if stored <= 2:
      return _grey(images) if as_grey else _grey_to_rgb(images)
    return _rgb_to_grey(images) if as_grey else _rgb(images)
  is_grey = tf.shape(images)[-1] <= 2
  if as_grey:
    out = tf.cond(is_grey, lambda: _grey(images), lambda: _rgb_to_grey(images))
  else:
    out = tf.cond(is_grey, lambda: _grey_to_rgb(images),
                  lambda: _rgb(images))
  return tf.ensure_shape(out, images.shape[:-1] + [channels])


def center_crop(images):
  """uint8 [..., H, W, C] -> its centre square [..., S, S, C], S = min(H, W).

  The crop starts at ((H - S) // 2, (W - S) // 2).
  """
  images = tf.convert_to_tensor(images)
  height, width = images.shape[-3], images.shape[-2]
  if height is not None and height == width:
    return images
  shape = tf.shape(images)
  height, width = shape[-3], shape[-2]
  size = tf.minimum(height, width)
  top, left = (height - size) // 2, (width - size) // 2
  return images[..., top:top + size, left:left + size, :]


def resize(images, size):
  """uint8 [..., H, W, C] -> uint8 [..., size, size, C], bilinear, antialiased.

  Images of shape [..., size, size, C] come back unchanged.
  """
  resized = tf.image.resize(tf.cast(images, tf.float32), [size, size],
                            antialias=True)
  return _round_uint8(resized)


def fit(images, shape):
  """uint8 [..., H, W, C] (any H, W; C in 1..4) -> uint8 [..., *shape].

  Converts the channels (`to_channels`), then, unless the images already have
  the size, takes the centre square (`center_crop`) and resizes it (`resize`).

  Args:
    images: uint8 tensor [..., H, W, C].
    shape: (S, S, C') with C' 1 or 3.

  Returns:
    uint8 tensor [..., S, S, C'].
  """
  size, width, channels = shape
  if size != width:
    raise ValueError(f'fit needs a square shape, got {shape}.')
  images = to_channels(images, channels)
  if tuple(images.shape[-3:-1]) != (size, size):
    images = resize(center_crop(images), size)
  return tf.ensure_shape(images, images.shape[:-3] + [size, size, channels])


def celeba_crop(images, size=64):
  """CelebA [..., 218, 178, 3] uint8 -> centre 108x108 crop resized to size^2.

  As LynnHo/VAE-Tensorflow: crop at offsets (55, 35), bilinear resize; rounded
  back to uint8.
  """
  top, left = CELEBA_OFFSETS
  crop = images[..., top:top + CELEBA_CROP, left:left + CELEBA_CROP, :]
  return _round_uint8(tf.image.resize(tf.cast(crop, tf.float32), [size, size]))
