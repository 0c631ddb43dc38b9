"""The shipped data sets."""

import pathlib

import numpy as np
import pytest

from sksnn.datasets import load_digits_sequences, load_jsb_chorales
from sksnn.datasets._convert import pack, rolls_from_mat

SHARED_JSB = pathlib.Path(__file__).parents[2] / "shared" / "data" / "jsb_chorales"


def test_jsb_chorales_split_and_content():
    d = load_jsb_chorales()
    assert [len(d[s]) for s in ("train", "valid", "test")] == [229, 76, 77]
    assert [sum(len(r) for r in d[s]) for s in ("train", "valid", "test")] == [13807, 4602, 4725]
    rolls = np.concatenate(d.train)
    assert rolls.shape[1] == 88 and rolls.dtype == np.float32
    assert set(np.unique(rolls)) == {0.0, 1.0}
    keys = np.nonzero(rolls.any(axis=0))[0] + 21  # MIDI pitch of column j is 21 + j
    assert keys.min() == 43 and keys.max() == 96  # SOURCES.md: train range 43..96
    notes = rolls.sum(axis=1)
    assert np.bincount(notes.astype(int))[4] == 12478  # frames with 4 notes (SOURCES.md)


@pytest.mark.skipif(not SHARED_JSB.exists(), reason="../shared/data/jsb_chorales is absent")
def test_shipped_file_equals_a_fresh_conversion_of_the_original():
    shipped = np.load(pathlib.Path(__file__).parents[1] / "sksnn/datasets/jsb_chorales.npz")
    fresh = pack(rolls_from_mat(SHARED_JSB / "JSB_Chorales.mat"))
    assert set(shipped.files) == set(fresh)
    for key, value in fresh.items():
        np.testing.assert_array_equal(shipped[key], value)


def test_digits_sequences():
    X, y = load_digits_sequences(return_X_y=True)
    assert X.shape == (1797, 8, 8) and y.shape == (1797,)
    assert X.min() == 0 and X.max() == 1
    assert load_digits_sequences().data.shape == (1797, 8, 8)
