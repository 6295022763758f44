"""aiqn_tf: Autoregressive Implicit Quantile Networks (Ostrovski et al., 2018) in Keras."""

from aiqn_tf import images
from aiqn_tf import losses
from aiqn_tf.pixel_cnn import PixelCNN
from aiqn_tf.pixel_iqn import PixelIQN
from aiqn_tf.aiqn_vae import AIQNVAE
from aiqn_tf.latent_aiqn import LatentAIQN
from aiqn_tf.vae import ConvVAE
