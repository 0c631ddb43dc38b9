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


def test_only_the_last_steps_arrays_are_kept():
    with workspace():
        a = empty((3,), np.float32)
        recycle()
        b = empty((4,), np.float32)  # this step uses another shape only
        recycle()
        assert empty((4,), np.float32) is b
        assert empty((3,), np.float32) is not a  # let go with the step that did not use it


def test_windowed_prediction_holds_one_window_of_temporaries(monkeypatch):
    """Prediction in ``bptt_steps`` windows recycles per window: the arrays in use at once
    do not grow with the length of the sequence."""
    from sksnn import SNUSequencePredictor
    from sksnn._engine import workspace as ws_module

    rng = np.random.default_rng(0)
    X = (rng.random((2, 400, 6)) < 0.2).astype(float)
    est = SNUSequencePredictor((8,), bptt_steps=20, max_iter=2, random_state=0).fit(X)
    held = []
    original = ws_module.Workspace.recycle

    def recycle_and_count(self):
        held.append(len(self._used))
        original(self)

    monkeypatch.setattr(ws_module.Workspace, "recycle", recycle_and_count)
    windowed = est.predict_proba(X)
    assert held and max(held) <= 8  # one window's arrays (S, Y, events), not twenty windows'
    est.set_params(bptt_steps=None)
    np.testing.assert_allclose(est.predict_proba(X), windowed, rtol=1e-5, atol=1e-6)
