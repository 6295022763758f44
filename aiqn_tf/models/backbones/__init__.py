"""The pixel backbones (the Gated PixelCNN, the snail one), their contract and registry."""
