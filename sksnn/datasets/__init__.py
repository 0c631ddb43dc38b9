"""Data sets: digits as sequences and the JSB chorales (shipped with the package)."""

from ._loaders import load_digits_sequences, load_jsb_chorales

__all__ = ["load_digits_sequences", "load_jsb_chorales"]
