"""Classifiers for FID and Inception score: Inception from disk, or a digits CNN.

Both are SavedModels called on images and returning {"logits": [N, K],
"pool_3": [N, D]}, the interface of TF-Hub's `tfgan/eval/inception/1` (which
cannot be downloaded at run time here: the user provides a local copy).

- inception: TF-GAN's preprocessing (scale to [-1, 1], bilinear resize to
  299x299; TF-GAN 2.1 no longer exports the function) and the SavedModel at
  `path`.
- dataset (first called digits): a small CNN trained on a labelled
  dataset's train split by binaries/train_classifier.py (the evaluate and
  train binaries train it on first use for the bundled sets); its
  penultimate layer plays pool_3, and classifier.json beside it records the
  dataset and its test accuracy.
"""

import json
import os
import re

import tensorflow as tf

from aiqn_tf.core import images as image_lib

KINDS = ('inception', 'dataset', 'digits', 'none')
DEFAULT_DIGITS_PATH = os.path.join('classifiers', 'digits')
INFO_FILE = 'classifier.json'  # Beside a trained classifier's SavedModel.
INCEPTION_SIZE = 299  # TF-GAN's INCEPTION_DEFAULT_IMAGE_SIZE.


class SavedModelClassifier:
  """uint8 images [N, H, W, C] -> {"logits", "pool_3"} from a SavedModel.

  Args:
    path: a SavedModel directory whose object is callable on float images in
      [-1, 1] (or has a serving_default signature) returning "logits" and
      "pool_3".
    image_size: resize to this square size with TF-GAN's preprocessing
      (Inception: 299), or None to feed images at their size.
  """

  def __init__(self, path, image_size=None):
    self.loaded = tf.saved_model.load(path)
    self.image_size = image_size
    # 'rotation' for a dataset classifier of data without labels: its
    # logits tell an image's turn, not its class, so no Inception score.
    self.task = info(path).get('task', 'classes')
    self._call = (self.loaded if callable(self.loaded) else
                  self.loaded.signatures['serving_default'])

  def __call__(self, images):
    images = image_lib.to_float(images)
    if self.image_size:  # TF-GAN's Inception preprocessing.
      if images.shape[-1] == 1:
        images = tf.tile(images, [1, 1, 1, 3])
      images = tf.image.resize(images, [self.image_size, self.image_size],
                               method='bilinear')
    out = self._call(images)
    return {k: tf.reshape(out[k], [tf.shape(out[k])[0], -1])
            for k in ('logits', 'pool_3')}


def default_path(dataset, image_shape):
  """Where a dataset's classifier is cached: the user's cache directory.

  Args:
    dataset: the dataset string (e.g. 'digits', 'folder:~/pets').
    image_shape: (H, W, C) the classifier takes.

  Returns:
    $XDG_CACHE_HOME (default ~/.cache)/aiqn_tf/classifiers/<dataset>_HxWxC.
  """
  cache = os.environ.get('XDG_CACHE_HOME') or os.path.join(
      os.path.expanduser('~'), '.cache')
  slug = re.sub(r'[^A-Za-z0-9._-]+', '_', dataset).strip('_')
  shape = 'x'.join(str(int(d)) for d in image_shape)
  return os.path.join(cache, 'aiqn_tf', 'classifiers', f'{slug}_{shape}')


def info(path):
  """The classifier's record (dataset, image_shape, test_accuracy), or {}."""
  try:
    with open(os.path.join(path, INFO_FILE)) as f:
      return json.load(f)
  except (OSError, ValueError):
    return {}


def load(kind, path=None):
  """The classifier `kind` from `path`.

  Args:
    kind: 'inception' (a SavedModel of TF-Hub's tfgan/eval/inception/1 at
      `path`), 'dataset' / 'digits' (a small CNN trained on a dataset's
      labels by binaries/train_classifier.py; 'digits' is its first name),
      or 'none' (no classifier: returns None, and evaluations report the
      metrics that need none).
    path: the SavedModel's directory.

  Raises:
    ValueError: on an unknown kind.
    FileNotFoundError: when the classifier is not at `path`, saying how to get it.
  """
  if kind not in KINDS:
    raise ValueError(f'classifier must be one of {KINDS}, got {kind!r}.')
  if kind == 'none':
    return None
  if kind == 'inception':
    if not path or not os.path.isdir(path):
      raise FileNotFoundError(
          f'No Inception network at {path!r}. Give the path of a local copy '
          'of TF-Hub\'s tfgan/eval/inception/1 (download '
          'https://tfhub.dev/tensorflow/tfgan/eval/inception/1?tf-hub-format='
          'compressed on a machine with network access and untar it), or any '
          'SavedModel returning "logits" and "pool_3". For a dataset with '
          'labels use its own classifier.')
    return SavedModelClassifier(path, INCEPTION_SIZE)
  path = path or DEFAULT_DIGITS_PATH
  if not os.path.isdir(path):
    raise FileNotFoundError(
        f'No classifier at {path!r}. Train it (a minute on the bundled sets) '
        f'with: python -m binaries.train_classifier --output_dir={path} '
        '(and --dataset=... for another dataset than digits)')
  return SavedModelClassifier(path)
