"""FID and Inception score against numpy/scipy references."""

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


if __name__ == '__main__':
  tf.test.main()
