"""Reused step temporaries (``sksnn._engine.workspace``): reuse, isolation, same results."""

import contextlib
import threading

import numpy as np
import pytest

from sksnn._engine import SNUCell, snu_init
from sksnn._engine.workspace import empty, recycle, workspace


def test_arrays_are_reused_only_after_recycle():
    outside = empty((4, 3), np.float32)
    with workspace():
        a = empty((4, 3), np.float32)
        b = empty((4, 3), np.float32)
        assert a is not b and not np.shares_memory(a, b)  # one step: distinct arrays
        c = empty((4, 3), np.float64)
        assert c.dtype == np.float64
        recycle()
        again = {id(empty((4, 3), np.float32)), id(empty((4, 3), np.float32))}
        assert again == {id(a), id(b)}  # next step: the same two arrays
        assert empty((4, 3), np.float32) is not outside
    assert empty((4, 3), np.float32) is not a  # outside a scope: plain np.empty


def test_nested_scopes_and_threads_do_not_share_arrays():
    with workspace():
        a = empty((5,), np.float32)
        with workspace():
            recycle()  # the inner scope's step; the outer one's array stays in use
            inner = empty((5,), np.float32)
            assert inner is not a
        seen = []
        worker = threading.Thread(target=lambda: seen.append(empty((5,), np.float32)))
        worker.start()
        worker.join()
        assert seen[0] is not a
        recycle()
        assert empty((5,), np.float32) is a


@pytest.mark.parametrize("path", ["dense", "event"])
def test_layer_results_do_not_depend_on_the_workspace(path):
    rng = np.random.default_rng(0)
    p = snu_init(rng, 40, 16, recurrent=True, dtype=np.float64)
    p["W"] *= 3
    cell = SNUCell(spike_path=path)
    batches = [(rng.random((6, 5, 40)) < 0.1).astype(float) for _ in range(3)]
    dY = rng.normal(size=(6, 5, 16))

    def run(X):
        Y, cache = cell.forward(p, X)
        dX, grads = cell.backward(p, cache, dY)
        return Y.copy(), dX.copy(), {k: v.copy() for k, v in grads.items()}

    plain = [run(X) for X in batches]
    with workspace():
        reused = []
        for X in batches + batches:  # the second round runs on reused arrays
            recycle()
            reused.append(run(X))
    for (Y1, dX1, g1), (Y2, dX2, g2) in zip(plain + plain, reused):
        np.testing.assert_array_equal(Y1, Y2)
        np.testing.assert_array_equal(dX1, dX2)
        for k in g1:
            np.testing.assert_array_equal(g1[k], g2[k])


def test_estimator_results_do_not_depend_on_the_workspace(monkeypatch):
    """A fit and a prediction in chunks (reusing arrays) equal the same without reuse."""
    from sklearn.datasets import load_digits

    from sksnn import SNUClassifier, _base

    X, y = load_digits(return_X_y=True)
    X, y = X[:300] / 16.0, y[:300]
    kw = dict(hidden_layer_sizes=(32,), encoding="rate", n_steps=8, max_iter=3,
              batch_size=32, dtype="float64", random_state=0)  # fmt: skip
    monkeypatch.setattr(_base, "PREDICT_CHUNK", 64)
    reused = SNUClassifier(**kw).fit(X, y)
    proba = reused.predict_proba(X)
    monkeypatch.setattr(_base, "workspace", contextlib.nullcontext)  # every array new
    plain = SNUClassifier(**kw).fit(X, y)
    np.testing.assert_array_equal(plain.coefs_[0], reused.coefs_[0])
    np.testing.assert_array_equal(plain.predict_proba(X), proba)
