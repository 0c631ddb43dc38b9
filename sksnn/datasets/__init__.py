"""Data sets: digits as sequences and the JSB chorales (shipped with the package); MNIST,
Fashion-MNIST, the polyphonic music sets and N-MNIST (read from a data folder, MNIST optionally
downloaded); N-MNIST event files read and binned into frames."""

from ._fetch import get_data_home
from ._loaders import load_digits_sequences, load_jsb_chorales
from ._mnist import load_fashion_mnist, load_mnist
from ._music import load_polyphonic_music
from ._nmnist import events_to_frames, load_nmnist, read_nmnist_events

__all__ = [
    "events_to_frames",
    "get_data_home",
    "load_digits_sequences",
    "load_fashion_mnist",
    "load_jsb_chorales",
    "load_mnist",
    "load_nmnist",
    "load_polyphonic_music",
    "read_nmnist_events",
]
