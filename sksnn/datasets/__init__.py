"""Data sets: digits as sequences and the JSB chorales (shipped with the package); MNIST,
Fashion-MNIST and the polyphonic music sets (read from a data folder, MNIST optionally
downloaded)."""

from ._fetch import get_data_home
from ._loaders import load_digits_sequences, load_jsb_chorales
from ._mnist import load_fashion_mnist, load_mnist
from ._music import load_polyphonic_music

__all__ = [
    "get_data_home",
    "load_digits_sequences",
    "load_fashion_mnist",
    "load_jsb_chorales",
    "load_mnist",
    "load_polyphonic_music",
]
