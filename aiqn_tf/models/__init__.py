"""Models: layers, the model protocol and registry, losses and the sampler core. Imports only aiqn_tf.core."""
