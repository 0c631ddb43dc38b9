"""The fused SNU/sSNU kernels against the slow NumPy reference in ``reference.py``."""

import itertools

import numpy as np
import pytest
from reference import ref_snu_backward, ref_snu_forward

from sksnn._engine import SNUCell, snu_init

CONFIGS = list(
    itertools.product(
        [False, True],  # soft
        ["relu", "identity", "leaky_relu"],
        [False, True],  # recurrent
        [False, True],  # lateral
    )
)


def _layer(seed, dtype, recurrent, T=7, B=4, n_in=5, n=6, spikes=False):
    """Parameters, input and output gradient of one layer. With ``spikes``, the input is
    0/1 over 70 inputs (a full 64-entry word of the event extraction and a tail), about 20 %
    of them active, with an empty and a full row."""
    rng = np.random.default_rng(seed)
    if spikes:
        n_in = 70
    p = snu_init(rng, n_in, n, recurrent=recurrent, dtype=dtype)
    p["W"] *= 2.0
    p["threshold"][:] = rng.uniform(0.3, 1.2, n)
    p["decay"][:] = rng.uniform(0.5, 0.95, n)
    if spikes:
        X = (rng.random((T, B, n_in)) < 0.2).astype(dtype)
        X[1, 0] = 0.0
        X[2, 1] = 1.0
        p["W"] *= 0.4
    else:
        X = rng.uniform(0, 1, (T, B, n_in)).astype(dtype)
    dY = rng.standard_normal((T, B, n)).astype(dtype)
    return p, X, dY


# the dense path on real-valued input; the event path (forced) on spikes
PATHS = ["dense", "event"]


def _ref_args(p):
    return p["W"], p.get("H"), p["threshold"], p["decay"]


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("soft,activation,recurrent,lateral", CONFIGS)
def test_forward_matches_reference(dtype, soft, activation, recurrent, lateral, path):
    p, X, _ = _layer(0, dtype, recurrent, spikes=path == "event")
    cell = SNUCell(soft=soft, activation=activation, lateral=lateral, spike_path=path)
    Y, cache = cell.forward(p, X)
    assert (cache[3] is not None) == (path == "event")
    S = cell.states(cache)["membrane"]
    S_ref, Y_ref = ref_snu_forward(
        X.astype(np.float64), *[None if a is None else a.astype(np.float64) for a in _ref_args(p)],
        soft=soft, activation=activation, lateral=lateral,
    )  # fmt: skip
    tol = 1e-5 if dtype == np.float32 else 1e-12
    if not soft:
        # a float32 rounding can flip a spike that sits exactly on the threshold; there is
        # none in these draws, so spikes must agree exactly
        np.testing.assert_array_equal(Y, Y_ref)
        assert 0 < Y.mean() < 1, "test inputs should make some but not all units spike"
    np.testing.assert_allclose(S, S_ref, rtol=tol, atol=tol)
    np.testing.assert_allclose(Y, Y_ref, rtol=tol, atol=tol)


# the surrogate only enters the hard-step SNU
BACKWARD_CONFIGS = [
    (*c, s) for c in CONFIGS for s in (["tanh"] if c[0] else ["tanh", "fast_sigmoid", "triangle"])
]


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("soft,activation,recurrent,lateral,surrogate", BACKWARD_CONFIGS)
def test_backward_matches_reference(dtype, soft, activation, recurrent, lateral, surrogate, path):
    p, X, dY = _layer(1, dtype, recurrent, spikes=path == "event")
    cell = SNUCell(soft=soft, activation=activation, lateral=lateral, surrogate=surrogate,
                   slope=1.5, spike_path=path)  # fmt: skip
    _, cache = cell.forward(p, X)
    assert (cache[3] is not None) == (path == "event")
    dX, grads = cell.backward(p, cache, dY)
    f64 = [None if a is None else a.astype(np.float64) for a in _ref_args(p)]
    ref = ref_snu_backward(
        X.astype(np.float64), *f64, dY.astype(np.float64), soft=soft, activation=activation,
        lateral=lateral, surrogate=surrogate, slope=1.5,
    )  # fmt: skip
    tol = 2e-4 if dtype == np.float32 else 1e-10
    for got, want in [
        (dX, ref["dx"]),
        (grads["W"], ref["dW"]),
        (grads["threshold"], ref["dthreshold"]),
        (grads["decay"], ref["ddecay"]),
    ] + ([(grads["H"], ref["dH"])] if recurrent else []):
        assert got.dtype == dtype
        scale = max(1.0, np.abs(want).max())
        np.testing.assert_allclose(got, want, rtol=tol, atol=tol * scale)


@pytest.mark.parametrize("soft,activation,recurrent,lateral", CONFIGS)
def test_kernels_accept_read_only_inputs_and_leave_them_alone(
    soft, activation, recurrent, lateral
):
    p, X, dY = _layer(2, np.float32, recurrent)
    cell = SNUCell(soft=soft, activation=activation, lateral=lateral)
    Y_ref, cache = cell.forward(p, X)
    dX_ref, g_ref = cell.backward(p, cache, dY)
    originals = [a.copy() for a in [*p.values(), X, dY]]
    for a in [*p.values(), X, dY]:
        a.setflags(write=False)
    Y, cache = cell.forward(p, X)
    dX, g = cell.backward(p, cache, dY)
    np.testing.assert_array_equal(Y, Y_ref)
    np.testing.assert_array_equal(dX, dX_ref)
    for k in g_ref:
        np.testing.assert_array_equal(g[k], g_ref[k])
    for a, b in zip([*p.values(), X, dY], originals):
        np.testing.assert_array_equal(a, b)


def test_nan_input_propagates():
    p, X, dY = _layer(3, np.float64, False)
    X = X.copy()
    X[2, 1, 0] = np.nan
    cell = SNUCell(soft=True)
    Y, cache = cell.forward(p, X)
    assert np.isnan(Y[2:, 1]).any(), "a NaN input must not be hidden by the kernel"
    _, grads = cell.backward(p, cache, dY)
    assert not np.isfinite(grads["W"]).all()


def test_golden_trajectory():
    # One unit, one input, W = 0.5, decay 0.8, threshold 1, ReLU, hard step, x_t = 1.
    # s_1 = 0.5                    y = 0
    # s_2 = 0.5 + 0.8*0.5  = 0.9    y = 0
    # s_3 = 0.5 + 0.8*0.9  = 1.22   y = 1   (spike)
    # s_4 = 0.5 + 0.8*1.22*(1-1) = 0.5  y = 0   (reset)
    # and the pattern 0.5, 0.9, 1.22 repeats with period 3.
    p = {
        "W": np.array([[0.5]]),
        "threshold": np.array([1.0]),
        "decay": np.array([0.8]),
    }
    X = np.ones((10, 1, 1))
    cell = SNUCell(soft=False)
    Y, cache = cell.forward(p, X)
    S = cell.states(cache)["membrane"]
    s_expected = [0.5, 0.9, 1.22, 0.5, 0.9, 1.22, 0.5, 0.9, 1.22, 0.5]
    y_expected = [0, 0, 1, 0, 0, 1, 0, 0, 1, 0]
    np.testing.assert_allclose(S[:, 0, 0], s_expected, rtol=1e-12)
    np.testing.assert_array_equal(Y[:, 0, 0], y_expected)


def test_unknown_names_are_clear_errors():
    with pytest.raises(ValueError, match=r"Unknown surrogate 'nope'.*tanh"):
        SNUCell(surrogate="nope")
    with pytest.raises(ValueError, match=r"Unknown activation 'sigmoidal'.*relu"):
        SNUCell(activation="sigmoidal")


@pytest.mark.parametrize("soft", [False, True])
@pytest.mark.parametrize("recurrent", [False, True])
@pytest.mark.parametrize("lateral", [False, True])
@pytest.mark.parametrize("path", PATHS)
def test_batch_parallel_path_matches_serial(monkeypatch, soft, recurrent, lateral, path):
    """Slicing the batch over threads gives the serial results (sums up to rounding)."""
    import numba

    from sksnn._engine import numba_threads, parallel

    if numba.config.NUMBA_NUM_THREADS < 2:
        pytest.skip("Numba has a single thread on this machine")
    cell = SNUCell(soft=soft, lateral=lateral, spike_path=path)
    rng = np.random.default_rng(3)
    p = snu_init(rng, 9, 12, recurrent=recurrent, dtype=np.float64)
    if path == "event":
        X = (rng.random((6, 5, 9)) < 0.3).astype(np.float64)
        p["W"] *= 3.0
    else:
        X = rng.normal(size=(6, 5, 9)) * 2.0
    dY = rng.normal(size=(6, 5, 12))

    def run():
        Y, cache = cell.forward(p, X)
        dX, grads = cell.backward(p, cache, dY.copy())
        return Y, dX, grads

    monkeypatch.setattr(parallel, "MIN_PARALLEL_WORK", 10**12)
    Y1, dX1, g1 = run()
    monkeypatch.setattr(parallel, "MIN_PARALLEL_WORK", 0)
    with numba_threads(2), parallel.batch_chunks(5, 10**6) as k:
        assert k == 2
        with parallel.batch_chunks(5, 10**6) as k2:
            assert k2 == 1  # the slot is taken: a concurrent call gets the serial kernel
    with numba_threads(2):
        Y2, dX2, g2 = run()
    np.testing.assert_array_equal(Y1, Y2)
    np.testing.assert_allclose(dX1, dX2, rtol=1e-12, atol=1e-12)
    for name in g1:
        np.testing.assert_allclose(g1[name], g2[name], rtol=1e-12, atol=1e-12)
