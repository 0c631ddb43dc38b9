"""Truncated BPTT in the engine: a sequence cut into windows with the state carried across."""

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning

from sksnn._engine import CELLS

NAMES = ["snu", "ssnu", "lstm", "gru", "rnn"]


def _setup(name, recurrent=True, T=9, B=3, n_in=4, n=5):
    rng = np.random.default_rng(0)
    cell = CELLS[name]()
    p = cell.init(rng, n_in, n, recurrent=recurrent, dtype=np.float64)
    p["W"] *= 3.0
    X = rng.random((T, B, n_in))
    return cell, p, X, rng


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("recurrent", [False, True])
def test_windows_with_carried_state_reproduce_the_whole_sequence(name, recurrent):
    cell, p, X, _ = _setup(name, recurrent)
    Y_full, _ = cell.forward(p, X)
    state, outs = None, []
    for lo in (0, 4, 7):
        Y, cache = cell.forward(p, X[lo : lo + (4 if lo == 0 else 3)], state)
        state = cell.final_state(cache)
        outs.append(Y)
    np.testing.assert_allclose(np.concatenate(outs), Y_full, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("name", ["ssnu", "lstm", "gru", "rnn"])
def test_window_gradients_with_a_state_match_finite_differences(name):
    """The gradient of a window starting from a carried state (no gradient into the state)."""
    cell, p, X, rng = _setup(name, recurrent=True)
    _, cache = cell.forward(p, X[:5])
    state = cell.final_state(cache)
    Xw = X[5:]
    R = rng.normal(size=cell.forward(p, Xw, state)[0].shape)

    def loss(params):
        return float(np.sum(cell.forward(params, Xw, state)[0] * R))

    _, cache = cell.forward(p, Xw, state)
    _, grads = cell.backward(p, cache, R)
    for key in ("W", "H", "b", "threshold", "decay"):
        if key not in p:
            continue
        num = np.zeros_like(p[key])
        for idx in np.ndindex(p[key].shape):
            old = p[key][idx]
            p[key][idx] = old + 1e-6
            up = loss(p)
            p[key][idx] = old - 1e-6
            down = loss(p)
            p[key][idx] = old
            num[idx] = (up - down) / 2e-6
        np.testing.assert_allclose(grads[key], num, rtol=1e-5, atol=1e-7)


# ---------------------------------------------------------------- estimators: bptt_steps
def _sequences(T=300, n=3, d=6, seed=0):
    rng = np.random.default_rng(seed)
    return [(rng.random((T - (T // 8) * i, d)) < 0.3).astype(np.float32) for i in range(n)]


@pytest.mark.parametrize("name", ["SNUSequencePredictor", "LSTMSequencePredictor"])
def test_bptt_steps_longer_than_the_sequences_changes_nothing(name):
    import sksnn

    X = _sequences(T=40)
    est = getattr(sksnn, name)((8,), max_iter=2, random_state=0)
    a = est.fit(X).predict_proba(X)
    b = est.set_params(bptt_steps=1000).fit(X).predict_proba(X)
    for p, q in zip(a, b):
        np.testing.assert_array_equal(p, q)


@pytest.mark.parametrize("name", ["SNUSequencePredictor", "GRUSequencePredictor"])
def test_windowed_prediction_equals_whole_sequence_prediction(name):
    import sksnn

    X = _sequences()
    est = getattr(sksnn, name)((8,), max_iter=2, bptt_steps=25, random_state=0).fit(X)
    windowed = est.predict_proba(X)
    whole = est.set_params(bptt_steps=None).predict_proba(X)
    for p, q in zip(windowed, whole):
        np.testing.assert_allclose(p, q, rtol=1e-5, atol=1e-6)


def test_truncated_bptt_trains_and_updates_once_per_window():
    from sksnn import SNUSequencePredictor

    rng = np.random.default_rng(0)
    X = [(rng.random((200, 6)) < 0.3).astype(np.float32) for _ in range(2)]
    seen = []
    est = SNUSequencePredictor((8,), soft=True, max_iter=3, bptt_steps=50, random_state=0)
    est.set_params(callback=lambda e, info: seen.append(e._optimizer.t) and False)
    with pytest.warns(ConvergenceWarning):
        est.fit(X)
    # 2 sequences in one batch of 200 steps: 4 windows, so 4 optimizer steps per epoch
    assert seen == [4, 8, 12]
    assert est.loss_curve_[-1] < est.loss_curve_[0]


def test_truncated_bptt_bounds_the_memory_of_a_long_sequence():
    """20,000 steps: with windows of 100 the fit's peak memory is a small fraction."""
    import tracemalloc

    from sksnn import SNUSequencePredictor

    rng = np.random.default_rng(0)
    X = [(rng.random((20_000, 8)) < 0.2).astype(np.float32)]
    peaks = {}
    for k in (None, 100):
        est = SNUSequencePredictor((32,), soft=True, max_iter=1, bptt_steps=k, random_state=0)
        tracemalloc.start()
        with pytest.warns(ConvergenceWarning):
            est.fit(X)
        peaks[k] = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        assert np.isfinite(est.loss_)
    # the sequence itself (0.6 MB) and its targets stay; the activations shrink 200-fold
    assert peaks[100] < peaks[None] / 4, peaks


def test_bptt_steps_is_validated():
    from sksnn import SNUSequencePredictor

    with pytest.raises(ValueError, match="bptt_steps"):
        SNUSequencePredictor(bptt_steps=0).fit(_sequences(T=20))


def test_score_in_windows_equals_the_whole_sequence_score():
    from sksnn import SNUSequencePredictor

    X = _sequences()
    est = SNUSequencePredictor((8,), soft=True, max_iter=2, random_state=0)
    with pytest.warns(ConvergenceWarning):
        est.fit(X)
    whole = est.score(X)
    assert est.set_params(bptt_steps=30).score(X) == pytest.approx(whole, rel=1e-5)
