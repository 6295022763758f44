"""Build tools (tools/check_layer_imports.py); not part of the library."""
