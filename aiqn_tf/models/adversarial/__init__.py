"""The adversarial models: WGAN-GP, DCGAN, AAE, alpha-GAN; networks, losses."""

from aiqn_tf.core import compat

# The module adversarial.py had this package's name before 0.4.0.
__getattr__ = compat.names_moved_from(__name__)
