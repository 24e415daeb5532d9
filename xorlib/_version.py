"""The version of xorlib: its one source (``pyproject.toml`` reads it from here)."""

__version__ = "2.0.0"
