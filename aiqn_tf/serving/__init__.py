"""Serving: SavedModel export of a model's signatures."""
