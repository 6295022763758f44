"""Layers the models share: the masked convolution and its masks, slices of the sampler loops."""
