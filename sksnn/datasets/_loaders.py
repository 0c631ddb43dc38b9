"""Loaders of the data sets that ship with sksnn (no network access)."""

from importlib import resources

import numpy as np
from sklearn.utils import Bunch

from ._convert import SPLITS, unpack


def load_digits_sequences(*, return_X_y=False):
    """scikit-learn's 8x8 digits as sequences: 8 time steps (rows) of 8 pixels in [0, 1].

    Parameters
    ----------
    return_X_y : bool, default=False
        Return ``(X, y)`` instead of a Bunch.

    Returns
    -------
    Bunch with ``data`` of shape (1797, 8, 8), ``target`` (1797,), ``DESCR``; or ``(X, y)``.
    """
    from sklearn.datasets import load_digits

    X, y = load_digits(return_X_y=True)
    X = (X / 16.0).reshape(-1, 8, 8)
    if return_X_y:
        return X, y
    return Bunch(data=X, target=y, DESCR="Digits, rows as 8 time steps of 8 pixels in [0, 1].")


def load_jsb_chorales(*, dtype=np.float32):
    """The JSB chorales piano rolls (Boulanger-Lewandowski et al. 2012 split).

    Quarter-note time steps; each step holds the 88 piano keys (MIDI 21 to 108) as 0/1. The
    next-step task predicts step t + 1 from steps up to t; its score is the negative
    log-likelihood per step summed over the 88 keys.

    Parameters
    ----------
    dtype : dtype, default=np.float32

    Returns
    -------
    Bunch
        ``train``, ``valid``, ``test``: lists of (T, 88) arrays (229 / 76 / 77 chorales).
    """
    with resources.files(__package__).joinpath("jsb_chorales.npz").open("rb") as f:
        arrays = dict(np.load(f))
    return Bunch(
        **{split: unpack(arrays, split, dtype) for split in SPLITS},
        DESCR="JSB chorales, 88-key piano rolls at quarter-note steps, "
        "train/valid/test = 229/76/77 chorales (Boulanger-Lewandowski et al., ICML 2012).",
    )
