"""MNIST and Fashion-MNIST, read from their original IDX files (optionally downloaded).

Layout under the data folder (see :func:`get_data_home`)::

    mnist/train-images-idx3-ubyte.gz          fashion_mnist/train-images-idx3-ubyte.gz
    mnist/train-labels-idx1-ubyte.gz          fashion_mnist/train-labels-idx1-ubyte.gz
    mnist/t10k-images-idx3-ubyte.gz           fashion_mnist/t10k-images-idx3-ubyte.gz
    mnist/t10k-labels-idx1-ubyte.gz           fashion_mnist/t10k-labels-idx1-ubyte.gz

Already gunzipped files (the same names without ``.gz``) are read as well. Every file is
checked against the sha256 of its *gunzipped* content, so the original downloads and
re-compressed copies both pass.

IDX format: big-endian; a 4-byte magic number ``0x0000080N`` (unsigned bytes, N dimensions),
N 4-byte sizes, then the values in row-major order.
"""

import gzip
import hashlib
import math
import zlib
from pathlib import Path

import numpy as np
from sklearn.utils import Bunch

from ._fetch import download as _download
from ._fetch import get_data_home, missing_file_message

SPLITS = ("train", "test")
# (images, labels) file stems of each split; the files on disk end in .gz
FILES = {
    "train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
    "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
}

# Base addresses tried in order by download=True (tests point them at a local server).
MIRRORS = {
    "mnist": [
        "https://ossci-datasets.s3.amazonaws.com/mnist/",
        "https://storage.googleapis.com/cvdf-datasets/mnist/",
        "http://yann.lecun.com/exdb/mnist/",
    ],
    "fashion_mnist": ["http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"],
}

# sha256 of the gunzipped content of every file
RAW_SHA256 = {
    "mnist": {
        "train-images-idx3-ubyte": (
            "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db"
        ),
        "train-labels-idx1-ubyte": (
            "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5"
        ),
        "t10k-images-idx3-ubyte": (
            "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7"
        ),
        "t10k-labels-idx1-ubyte": (
            "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2"
        ),
    },
    "fashion_mnist": {
        "train-images-idx3-ubyte": (
            "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888"
        ),
        "train-labels-idx1-ubyte": (
            "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9"
        ),
        "t10k-images-idx3-ubyte": (
            "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b"
        ),
        "t10k-labels-idx1-ubyte": (
            "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34"
        ),
    },
}

FASHION_NAMES = [
    "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
    "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
]  # fmt: skip

DESCR = {
    "mnist": (
        "MNIST handwritten digits (LeCun, Cortes, Burges): 28x28 grey images flattened to 784 "
        "features in [0, 1], labels 0-9; 60000 training and 10000 test images."
    ),
    "fashion_mnist": (
        "Fashion-MNIST (Xiao, Rasul, Vollgraf 2017, Zalando Research, MIT licence): 28x28 grey "
        "images of 10 kinds of clothing flattened to 784 features in [0, 1]; 60000 training "
        "and 10000 test images, 6000 / 1000 per class."
    ),
}


def _gunzip(path, label):
    """The decompressed bytes of a .gz file; a ValueError naming ``label`` if it is broken."""
    try:
        with gzip.open(path, "rb") as f:
            return f.read()
    except EOFError as exc:
        problem = f"is a truncated gzip file ({exc})"
    except (gzip.BadGzipFile, zlib.error) as exc:
        problem = f"is not a valid gzip file ({exc})"
    raise ValueError(f"{label} {problem}; delete it (download=True fetches a fresh copy).")


def _parse_idx(buf, ndim, label):
    """The uint8 array of an IDX buffer with ``ndim`` dimensions, after checking its header."""
    header = 4 + 4 * ndim
    what = "images" if ndim == 3 else "labels"
    magic = int.from_bytes(buf[:4], "big")
    if len(buf) >= 4 and magic != 0x800 + ndim:
        raise ValueError(
            f"{label} starts with the magic number 0x{magic:08x}, not the IDX magic "
            f"0x{0x800 + ndim:08x} of {what} (unsigned bytes, {ndim} dimensions): it is not an "
            f"IDX {what} file, or it is still compressed."
        )
    if len(buf) < header:
        raise ValueError(f"{label} holds {len(buf)} bytes: too short for an IDX {what} file.")
    dims = tuple(int.from_bytes(buf[4 + 4 * i : 8 + 4 * i], "big") for i in range(ndim))
    if len(buf) - header != math.prod(dims):
        raise ValueError(
            f"{label}: its IDX header announces {'x'.join(map(str, dims))} values but "
            f"{len(buf) - header} bytes follow; the file is truncated or corrupt."
        )
    return np.frombuffer(buf, dtype=np.uint8, offset=header).reshape(dims)


def _read_checked(path, dataset, stem, label=None, compressed=None):
    """Read, parse and checksum one IDX file (gzipped or not); ValueError if anything is off.

    ``label`` names the file in error messages (default: ``path``); ``compressed`` defaults
    to whether ``path`` ends in ``.gz``.
    """
    path = Path(path)
    label = str(path) if label is None else label
    if path.suffix == ".gz" if compressed is None else compressed:
        buf = _gunzip(path, label)
    else:
        buf = path.read_bytes()
    array = _parse_idx(buf, 3 if "images" in stem else 1, label)
    digest = hashlib.sha256(buf).hexdigest()
    expected = RAW_SHA256[dataset][stem]
    if digest != expected:
        raise ValueError(
            f"{label}: wrong checksum. The sha256 of its gunzipped content is {digest}, but the "
            f"original {stem} of {dataset} has {expected}. The file is corrupt or another "
            "data set's; delete it (download=True fetches a fresh copy)."
        )
    return array


def _load_file(dataset, stem, data_home, download):
    """The array of one file of ``dataset``, downloading it first if asked and missing."""
    folder = get_data_home(data_home) / dataset
    for candidate in (folder / f"{stem}.gz", folder / stem):
        if candidate.is_file():
            return _read_checked(candidate, dataset, stem)
    target = folder / f"{stem}.gz"
    if not download:
        raise FileNotFoundError(
            missing_file_message(
                target,
                "Pass download=True to fetch it"
                + (f" from {MIRRORS[dataset][0]}." if MIRRORS[dataset] else "."),
            )
        )
    return _download(
        f"{stem}.gz",
        target,
        MIRRORS[dataset],
        lambda tmp, url: _read_checked(tmp, dataset, stem, label=url, compressed=True),
    )


def _load(dataset, split, data_home, download, return_X_y, target_names):
    if split not in FILES:
        raise ValueError(f"Unknown split {split!r}; valid splits are {list(SPLITS)}.")
    images, labels = (_load_file(dataset, stem, data_home, download) for stem in FILES[split])
    if len(images) != len(labels):
        raise ValueError(
            f"{dataset} {split}: {len(images)} images but {len(labels)} labels in "
            f"{get_data_home(data_home) / dataset}."
        )
    X = np.divide(images.reshape(len(images), -1), 255, dtype=np.float32)
    y = labels.astype(np.int64)
    if return_X_y:
        return X, y
    return Bunch(data=X, target=y, target_names=list(target_names), DESCR=DESCR[dataset])


_SHARED_DOC = """
    Parameters
    ----------
    split : {{"train", "test"}}, default="train"
        The 60000 training or the 10000 test images. (The SNU paper's protocol holds out the
        last 5000 training images for validation.)
    data_home : str or path-like, default=None
        Folder holding ``{dataset}/`` with the four original IDX files
        (``train-images-idx3-ubyte.gz`` and so on; gunzipped copies are read too). None: the
        ``SKSNN_DATA`` environment variable, else ``~/sksnn_data``
        (:func:`~sksnn.datasets.get_data_home`).
    download : bool, default=False
        Fetch missing files from {source} into ``data_home`` (standard library only). Each
        file is checked before it is put in place.
    return_X_y : bool, default=False
        Return ``(X, y)`` instead of a Bunch.

    Returns
    -------
    data : Bunch
        ``data``: float32 array of shape (n_samples, 784), pixels scaled to [0, 1];
        ``target``: int64 array of shape (n_samples,), labels 0-9; ``target_names``;
        ``DESCR``.
    (X, y) : tuple
        When ``return_X_y`` is True.

    Raises
    ------
    FileNotFoundError
        A file is missing and ``download`` is False.
    ValueError
        Unknown ``split``, or a file is not the original (truncated, not IDX, wrong checksum).

    Notes
    -----
    Every file is checked against the sha256 of its gunzipped content. To present the images
    as spike trains, as in the SNU paper's temporal MNIST (20 steps, about 6 spikes for a white
    pixel), use :func:`sksnn.encoding.rate_encode`: ``rate_encode(X, n_steps=20,
    max_spikes=6)``, or a classifier's ``encoding="rate"``.
"""


def load_mnist(split="train", *, data_home=None, download=False, return_X_y=False):
    return _load("mnist", split, data_home, download, return_X_y, map(str, range(10)))


def load_fashion_mnist(split="train", *, data_home=None, download=False, return_X_y=False):
    return _load("fashion_mnist", split, data_home, download, return_X_y, FASHION_NAMES)


load_mnist.__doc__ = (
    "MNIST handwritten digits from the original IDX files.\n"
    + _SHARED_DOC.format(
        dataset="mnist",
        source="https://ossci-datasets.s3.amazonaws.com/mnist/ (then other mirrors)",
    )
    + """
    Examples
    --------
    >>> from sksnn.datasets import load_mnist
    >>> X, y = load_mnist("test", return_X_y=True)  # doctest: +SKIP
    >>> X.shape, X.dtype, y[:5]  # doctest: +SKIP
    ((10000, 784), dtype('float32'), array([7, 2, 1, 0, 4]))
"""
)
load_fashion_mnist.__doc__ = (
    "Fashion-MNIST (Zalando Research) from the original IDX files.\n"
    + _SHARED_DOC.format(
        dataset="fashion_mnist",
        source="http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",
    )
    + """
    Examples
    --------
    >>> from sksnn.datasets import load_fashion_mnist
    >>> d = load_fashion_mnist("test")  # doctest: +SKIP
    >>> d.target_names[d.target[0]]  # doctest: +SKIP
    'Ankle boot'
"""
)
