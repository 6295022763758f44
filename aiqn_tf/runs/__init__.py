"""Run configuration (sections and presets) and run directories: config, checkpoints, the averaged model."""
