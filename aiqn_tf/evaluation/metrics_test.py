"""FID and Inception score against numpy/scipy references; sliced Wasserstein."""

import numpy as np
import scipy.linalg
import scipy.special
import tensorflow as tf

from aiqn_tf.evaluation import metrics


def _fid_reference(a, b):
  mu_a, mu_b = a.mean(0), b.mean(0)
  cov_a, cov_b = np.cov(a, rowvar=False), np.cov(b, rowvar=False)
  root = scipy.linalg.sqrtm(cov_a @ cov_b).real
  return np.sum((mu_a - mu_b)**2) + np.trace(cov_a + cov_b - 2 * root)


def _is_reference(logits):
  p = scipy.special.softmax(logits, axis=1)
  marginal = p.mean(0)
  kl = np.sum(p * (np.log(p) - np.log(marginal)), axis=1)
  return np.exp(kl.mean())


class MetricsTest(tf.test.TestCase):

  def test_fid_matches_scipy(self):
    rng = np.random.default_rng(0)
    a = rng.normal(size=(600, 32))
    b = rng.normal(size=(500, 32)) @ rng.normal(size=(32, 32)) * 0.3 + 0.5
    self.assertAllClose(metrics.frechet_distance(a, b), _fid_reference(a, b),
                        rtol=1e-6)

  def test_fid_of_a_set_with_itself_is_zero(self):
    a = np.random.default_rng(1).normal(size=(300, 16))
    self.assertAllClose(metrics.frechet_distance(a, a), 0.0, atol=1e-6)

  def test_inception_score_matches_formula(self):
    logits = np.random.default_rng(2).normal(size=(400, 10)) * 3
    single, mean, std = metrics.inception_score(logits, num_splits=10)
    self.assertAllClose(single, _is_reference(logits), rtol=1e-6)
    splits = [_is_reference(p) for p in np.array_split(logits, 10)]
    self.assertAllClose(mean, np.mean(splits), rtol=1e-6)
    self.assertAllClose(std, np.std(splits), rtol=1e-6)
    # Confident, balanced predictions over 10 classes score close to 10.
    confident = np.eye(10)[np.arange(400) % 10] * 50
    self.assertAllClose(metrics.inception_score(confident)[0], 10.0,
                        rtol=1e-3)

  def test_latent_wasserstein(self):
    rng = np.random.default_rng(0)
    reference = rng.normal(size=(20000, 3))
    shift = np.array([0.0, 0.5, -2.0])
    # W1 between N(0, 1) and N(mu, 1) is |mu|; between N(0, 1) and N(0, s^2)
    # it is |1 - s| * E|X| = |1 - s| sqrt(2 / pi).
    mean, per_dim = metrics.latent_wasserstein(
        rng.normal(size=(20000, 3)) + shift, reference)
    self.assertAllClose(per_dim, np.abs(shift), atol=0.03)
    self.assertAllClose(mean, np.abs(shift).mean(), atol=0.02)
    _, scaled = metrics.latent_wasserstein(
        0.3 * rng.normal(size=(20000, 3)), reference)
    self.assertAllClose(scaled, [0.7 * np.sqrt(2 / np.pi)] * 3, atol=0.03)
    self.assertEqual(metrics.latent_wasserstein(reference, reference)[0], 0)
    with self.assertRaisesRegex(ValueError, 'same m'):
      metrics.latent_wasserstein(reference, reference[:, :2])

  def test_evaluate_gathers_in_batches(self):
    rng = np.random.default_rng(3)
    images = rng.integers(0, 256, (50, 4, 4, 1), np.uint8)

    def classifier(x):  # Pixels as activations, their first 3 as logits.
      flat = np.asarray(x, np.float64).reshape(len(x), -1)
      return {'pool_3': flat, 'logits': flat[:, :3] / 50}

    results = metrics.evaluate(classifier, images[:25], images[25:],
                               images[:25], batch_size=7)
    self.assertAllClose(results['fid_floor'], results['fid'])  # Same sets.
    self.assertAllClose(results['fid'], _fid_reference(
        images[:25].reshape(25, -1).astype(float),
        images[25:].reshape(25, -1).astype(float)), rtol=1e-5)
    self.assertEqual(results['num_samples'], 25)
    self.assertAllClose(results['fid_against_test'], 0.0, atol=1e-6)
    results = metrics.evaluate(classifier, images[:25], images[25:],
                               images[10:35], batch_size=7)
    self.assertAllClose(results['fid_against_test'], _fid_reference(
        images[:25].reshape(25, -1).astype(float),
        images[10:35].reshape(25, -1).astype(float)), rtol=1e-5)



def _digit_like(rng, n, size=16, channels=1):
  """uint8 images: a bright random bar on black, a point mass at 0."""
  images = np.zeros((n, size, size, channels), np.uint8)
  for image in images:
    top, left = rng.integers(0, size - 6, 2)
    image[top:top + 6, left:left + 2] = 255
  return images


class PrecisionRecallTest(tf.test.TestCase):

  def test_matches_the_definition_point_by_point(self):
    rng = np.random.default_rng(0)
    real, fake = rng.normal(size=(40, 3)), rng.normal(0.5, 1.2, (30, 3))

    def inside(points, centres, k=3):
      radius = [sorted(np.linalg.norm(centres - c, axis=1))[k]
                for c in centres]
      return np.mean([any(np.linalg.norm(p - c) <= r
                          for c, r in zip(centres, radius)) for p in points])

    self.assertAllClose(metrics.precision_recall(real, fake),
                        (inside(fake, real), inside(real, fake)))

  def test_a_collapsed_generator_is_precise_and_covers_little(self):
    rng = np.random.default_rng(1)
    real = rng.normal(size=(200, 2))
    self.assertAllClose(metrics.precision_recall(real, real), (1.0, 1.0))
    collapsed = real[:1] + 0.01 * rng.normal(size=(100, 2))
    precision, recall = metrics.precision_recall(real, collapsed)
    self.assertEqual(precision, 1.0)
    self.assertLess(recall, 0.05)
    far = metrics.precision_recall(real, real + 100.0)
    self.assertAllEqual(far, (0.0, 0.0))
    with self.assertRaisesRegex(ValueError, 'more than k'):
      metrics.precision_recall(real, real[:3])


class DiversityTest(tf.test.TestCase):

  def test_settings_fit_the_image(self):
    self.assertEqual(metrics.ssim_settings(8, 8), (3, 1))
    self.assertEqual(metrics.ssim_settings(2, 2), (2, 1))
    self.assertEqual(metrics.ssim_settings(28, 28), (5, 3))
    self.assertEqual(metrics.ssim_settings(32, 32), (5, 3))
    self.assertEqual(metrics.ssim_settings(256, 256), (11, 5))

  def test_a_collapsed_set_is_less_diverse_than_a_varied_one(self):
    rng = np.random.default_rng(0)
    for shape in ((8, 8, 1), (28, 28, 1), (32, 32, 3)):
      varied = rng.integers(0, 256, (50,) + shape).astype(np.uint8)
      one = np.repeat(varied[:1], 50, axis=0)
      self.assertAllClose(metrics.sample_diversity(one, 20), 1.0, atol=1e-5)
      self.assertLess(metrics.sample_diversity(varied, 20), 0.2)
    # Single-scale: the mean of TF's SSIM over the same pairs.
    images = rng.integers(0, 256, (6, 8, 8, 1)).astype(np.uint8)
    pairs = np.random.default_rng(3)
    first = pairs.integers(0, 6, 10)
    second = (first + pairs.integers(1, 6, 10)) % 6
    expected = tf.reduce_mean(tf.image.ssim(
        tf.constant(images[first], tf.float32),
        tf.constant(images[second], tf.float32), 255.0, filter_size=3))
    self.assertAllClose(metrics.sample_diversity(images, 10, seed=3),
                        expected)
    with self.assertRaisesRegex(ValueError, 'at least 2'):
      metrics.sample_diversity(images[:1])

  def test_nearest_distances(self):
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, (5, 2, 2, 1)).astype(np.uint8)
    reference = rng.integers(0, 256, (7, 2, 2, 1)).astype(np.uint8)
    expected = [min(np.sqrt(np.mean((a.astype(float) - b) ** 2))
                    for b in reference) for a in images]
    self.assertAllClose(metrics.nearest_distances(images, reference),
                        expected)
    self.assertAllClose(metrics.nearest_distances(images, images), [0.0] * 5)


class SlicedWassersteinTest(tf.test.TestCase):

  def test_orders_samples_by_how_far_they_are(self):
    rng = np.random.default_rng(0)
    train, test = _digit_like(rng, 300), _digit_like(rng, 300)
    # Smeared: the point masses at 0 and 255 blurred into grey levels.
    smeared = np.clip(_digit_like(rng, 300).astype(float) * 0.6 +
                      rng.normal(40, 20, (300, 16, 16, 1)), 0,
                      255).astype(np.uint8)
    noise = rng.integers(0, 256, (300, 16, 16, 1), np.uint8)
    near = metrics.sliced_wasserstein(_digit_like(rng, 300), train, test,
                                      seed=1)
    mid = metrics.sliced_wasserstein(smeared, train, seed=1)
    far = metrics.sliced_wasserstein(noise, train, seed=1)
    # Samples from the data's own distribution are near the floor (finite:
    # the black patches are flat, see tfgan_compat), the others far above.
    self.assertLess(near['swd'], 1.5 * near['swd_floor'])
    self.assertLess(10 * near['swd'], mid['swd'])
    self.assertLess(mid['swd'], far['swd'])
    self.assertEqual(sorted(k for k in near if k[4:].isdigit()),
                     ['swd_16'])
    self.assertNotIn('swd_floor', mid)

  def test_levels_rgb_seeded_and_errors(self):
    rng = np.random.default_rng(0)
    train = rng.integers(0, 256, (40, 32, 32, 3), np.uint8)
    samples = rng.integers(0, 128, (40, 32, 32, 3), np.uint8)
    numpy_state = np.random.get_state()[1].copy()
    first = metrics.sliced_wasserstein(samples, train, seed=3)
    self.assertAllEqual(np.random.get_state()[1], numpy_state)
    self.assertEqual(first, metrics.sliced_wasserstein(samples, train, seed=3))
    self.assertEqual(sorted(first), ['swd', 'swd_16', 'swd_32'])
    self.assertAllClose(first['swd'], (first['swd_16'] + first['swd_32']) / 2)
    with self.assertRaisesRegex(ValueError, 'at least 7x7'):
      metrics.sliced_wasserstein(samples[:, :6, :6], train[:, :6, :6])



class ValueStatisticsTest(tf.test.TestCase):

  def test_counts_against_the_reference_levels(self):
    reference = np.array([0, 16, 255], np.uint8).reshape(3, 1, 1, 1)
    images = np.array([[0, 8], [255, 16]], np.uint8).reshape(2, 1, 2, 1)
    stats = metrics.value_statistics(images, reference)
    self.assertAllClose(stats['values_between_levels'], 0.25)  # Only 8.
    self.assertAllClose(stats['values_at_0'], 0.25)
    self.assertAllClose(stats['values_at_255'], 0.25)
    # Position 0: 0 and 255 (std 127.5); position 1: 8 and 16 (std 4).
    self.assertAllClose(stats['values_spread'], (127.5 + 4) / 2)


if __name__ == '__main__':
  tf.test.main()
