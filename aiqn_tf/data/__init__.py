"""Datasets: bundled images, tfds, image folders, numpy files; the pipeline."""
