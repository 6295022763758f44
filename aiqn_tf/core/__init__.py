"""Image scaling and picture grids, shared by every layer."""
