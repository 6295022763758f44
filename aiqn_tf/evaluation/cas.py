"""Classification Accuracy Score (Ravuri & Vinyals 2019).

A classifier trained on a class-conditional model's samples alone, N per
class, is scored on the real test split; the same classifier trained on N
real training images per class is the ceiling. A model whose samples carry
the features that tell its classes apart (and as diverse as the data) comes
close to it; one that drops modes or blurs them falls short, even where FID
and Inception score look good.
"""

import numpy as np

from aiqn_tf.evaluation import dataset_classifier


def per_class(examples, count, seed=0):
  """`count` examples of each class, drawn without replacement.

  Args:
    examples: {"images": [M, ...], "labels": int [M]}.
    count: N per class (at most what every class has).
    seed: which ones.

  Raises:
    ValueError: when a class has fewer than N examples.
  """
  rng = np.random.default_rng(seed)
  labels = np.asarray(examples['labels'])
  picked = []
  for label in np.unique(labels):
    where = np.flatnonzero(labels == label)
    if len(where) < count:
      raise ValueError(f'Class {label} has {len(where)} training images, '
                       f'fewer than the {count} per class asked for.')
    picked.append(rng.choice(where, count, replace=False))
  picked = np.sort(np.concatenate(picked))
  return {k: np.asarray(v)[picked] for k, v in examples.items()}


def classification_accuracy_score(sample_fn, train, test, num_classes,
                                  count, epochs=None, seed=0):
  """CAS of a class-conditional model, and the real-data ceiling.

  Args:
    sample_fn: callable(labels int32 [n]) -> uint8 samples [n, H, W, C] of
      those classes.
    train: {"images", "labels"}: the real training split (the ceiling's
      images).
    test: {"images", "labels"}: the real test split, scored on.
    num_classes: K.
    count: N, samples (and real images) per class.
    epochs: the classifier's passes (None: its default for K * N images).
    seed: classifier and image-choice seed.

  Returns:
    dict of floats: cas (accuracy of the classifier trained on samples),
    cas_ceiling (trained on real images), cas_per_class (N).
  """
  labels = np.repeat(np.arange(num_classes, dtype=np.int32), count)
  samples = {'images': sample_fn(labels), 'labels': labels}
  _, accuracy = dataset_classifier.fit(samples, test, num_classes, epochs,
                                       seed)
  _, ceiling = dataset_classifier.fit(per_class(train, count, seed), test,
                                      num_classes, epochs, seed)
  return dict(cas=accuracy, cas_ceiling=ceiling, cas_per_class=count)
