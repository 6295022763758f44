"""Evaluation: classifiers, FID / Inception score through TF-GAN, results files."""
