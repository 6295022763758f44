"""The pixel heads on any backbone (PixelIQN, PixelCNN, PixelCNN++) and PixelIQN's likelihood."""
