"""Writes testdata/inception_stand_in: a tiny SavedModel with Inception's interface.

Like TF-Hub's tfgan/eval/inception/1 it is called on float32 images
[N, 299, 299, 3] in [-1, 1] and returns {"logits": [N, 1008], "pool_3":
[N, D]}; inside it is only average pooling and fixed random projections
(drawn from stateless seeds in the graph, so nothing but the graph is stored).
Tests use it in place of the real network, which cannot be downloaded here.
Its pool_3 is 64 wide, not Inception's 2048: the code reads the width from the
output, and TF-GAN's Frechet distance takes SVDs of D x D covariances, which
at 2048 cost most of a test evaluation's time.

  python testdata/make_inception_stand_in.py
"""

import os

import tensorflow as tf

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                   'inception_stand_in')
POOL_WIDTH = 64


class StandIn(tf.Module):

  @tf.function(input_signature=[
      tf.TensorSpec([None, 299, 299, 3], tf.float32, name='images')])
  def __call__(self, images):
    pooled = tf.image.resize(images, [4, 4], method='area')
    features = tf.reshape(pooled, [-1, 48])
    pool_3 = tf.nn.relu(tf.matmul(
        features, tf.random.stateless_normal([48, POOL_WIDTH], seed=[1, 2])))
    logits = 3.0 * tf.nn.relu(tf.matmul(
        features, tf.random.stateless_normal([48, 1008], seed=[1, 3]))) - 1.0
    return {'logits': logits, 'pool_3': pool_3}


def main():
  module = StandIn()
  tf.saved_model.save(module, OUT,
                      signatures={'serving_default': module.__call__})
  print('wrote', OUT)


if __name__ == '__main__':
  main()
