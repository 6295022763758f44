"""The adversarial models: WGAN-GP, DCGAN, AAE, alpha-GAN, their networks and losses."""
