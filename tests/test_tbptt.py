"""Truncated BPTT in the engine: a sequence cut into windows with the state carried across."""

import numpy as np
import pytest

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
