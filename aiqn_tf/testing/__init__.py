"""Helpers for tests (test-only)."""
