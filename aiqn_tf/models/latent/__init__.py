"""The latent models: the VAE, the latent AIQN on its codes, AIQN-VAE."""
