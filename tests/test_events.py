"""Event-driven products for spike inputs against the dense matrix products."""

import itertools

import numpy as np
import pytest

from sksnn._engine import SNUCell, numba_threads, parallel, snu_init
from sksnn._engine.events import event_grad, event_matmul, to_events, use_events


def _spikes(rng, shape, density, dtype):
    X = (rng.random(shape) < density).astype(dtype)
    X[0] = 0.0  # an empty row
    X[-1] = 1.0  # a full row
    return X


@pytest.mark.parametrize("density", [0.0, 0.01, 0.04, 0.2, 0.5, 1.0])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_event_products_equal_the_dense_products(density, dtype):
    rng = np.random.default_rng(0)
    X = _spikes(rng, (37, 23), density, dtype)
    W = rng.normal(size=(23, 11)).astype(dtype)
    D = rng.normal(size=(37, 11)).astype(dtype)
    ev = to_events(X)
    assert ev.n_active == int(X.sum())
    assert ev.density == pytest.approx(X.mean())
    tol = 1e-5 if dtype == np.float32 else 1e-12
    np.testing.assert_allclose(event_matmul(ev, W), X @ W, rtol=tol, atol=tol)
    np.testing.assert_allclose(event_grad(ev, D), X.T @ D, rtol=tol, atol=tol)


@pytest.mark.parametrize("n_in", [63, 64, 200])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_events_list_the_ones_of_every_row_in_order(n_in, dtype):
    """The extraction through 64-entry bit masks (and a tail) against np.nonzero."""
    rng = np.random.default_rng(4)
    X = np.zeros((50, n_in), dtype=dtype)
    for r in range(1, 49):  # densities from 0 to 1 across the rows
        X[r] = rng.random(n_in) < r / 48
    X[-1] = 1.0
    X[5, ::7] = -0.0  # a negative zero is a zero
    ev = to_events(X)
    assert ev.n_active == np.count_nonzero(X)
    for r in range(len(X)):
        np.testing.assert_array_equal(ev.indices[ev.starts[r] : ev.ends[r]], np.flatnonzero(X[r]))


def test_bit_helpers_match_python():
    from sksnn._engine._numba import jit, nonzero_bits, trailing_zeros

    @jit(cache=False)
    def mask(x, start):
        return nonzero_bits(x, start)

    @jit(cache=False)
    def tz(m):
        return trailing_zeros(m)

    rng = np.random.default_rng(5)
    for dtype in (np.float32, np.float64):
        x = np.where(rng.random(150) < 0.3, rng.normal(size=150), 0.0).astype(dtype)
        x[3], x[9] = np.nan, -0.0
        for start in (0, 1, 50, 86):
            want = sum(1 << i for i in range(64) if x[start + i] != 0 or np.isnan(x[start + i]))
            assert int(mask(x, start)) == want
    for k in (0, 1, 17, 63):
        assert int(tz(np.uint64(1 << k) | np.uint64(1 << 63))) == k


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_weight_gradient_over_several_tiles(dtype):
    """More rows than one tile of the event weight gradient, rows of every length (the
    four-at-a-time sums and their remainders), and inputs never active."""
    from sksnn._engine import events

    rng = np.random.default_rng(6)
    R = 2 * events.GRAD_TILE_ROWS + 37
    X = (rng.random((R, 90)) < rng.random((R, 1))).astype(dtype)
    X[:, 10:20] = 0.0
    D = rng.normal(size=(R, 33)).astype(dtype)
    W = rng.normal(size=(90, 33)).astype(dtype)
    ev = to_events(X)
    tol = 1e-4 if dtype == np.float32 else 1e-12
    np.testing.assert_allclose(event_grad(ev, D), X.T @ D, rtol=tol, atol=tol)
    np.testing.assert_allclose(event_matmul(ev, W), X @ W, rtol=tol, atol=tol)


def test_events_refuse_non_binary_and_too_dense_input():
    rng = np.random.default_rng(1)
    X = _spikes(rng, (20, 10), 0.3, np.float32)
    assert to_events(X) is not None
    assert to_events(X, max_density=0.1) is None  # auto: the dense path is faster
    assert use_events("dense", X, 256) is None
    assert use_events("event", X, 256) is not None
    assert use_events("auto", X, 256) is None  # 30 % spikes: above the break-even
    sparse = _spikes(rng, (20, 10), 0.05, np.float32)
    sparse[-1] = 0.0
    assert use_events("auto", sparse, 256) is not None
    assert use_events("auto", sparse, 20) is None  # too narrow to pay
    assert use_events("auto", sparse, 8) is not None  # an output layer: as the wide ones
    assert use_events("auto", X, 8) is None
    Y = X.copy()
    Y[3, 4] = 0.5
    assert to_events(Y) is None
    Y[3, 4] = np.nan
    assert to_events(Y) is None
    Y[3, 4] = 2.0
    assert to_events(Y) is None
    Y[3, 4] = -1.0
    assert to_events(Y) is None


def test_event_products_split_over_threads_match(monkeypatch):
    import numba

    if numba.config.NUMBA_NUM_THREADS < 2:
        pytest.skip("Numba has a single thread on this machine")
    rng = np.random.default_rng(2)
    X = _spikes(rng, (64, 30), 0.1, np.float64)
    W = rng.normal(size=(30, 8))
    D = rng.normal(size=(64, 8))
    ev = to_events(X)
    monkeypatch.setattr(parallel, "MIN_PARALLEL_WORK", 0)
    with numba_threads(2):
        np.testing.assert_allclose(event_matmul(ev, W), X @ W, rtol=1e-12)
        np.testing.assert_allclose(event_grad(ev, D), X.T @ D, rtol=1e-12)
        # the rows split over two threads, each filling its own part of the buffer
        split = to_events(X)
        assert split.n_active == ev.n_active
        for r in range(len(X)):
            np.testing.assert_array_equal(
                split.indices[split.starts[r] : split.ends[r]], np.flatnonzero(X[r])
            )
        # one half of the rows full, the other empty: 50 % overall, but the first slice
        # overflows its share of the first guess (25 %) and the matrix is scanned again
        half = np.zeros((64, 30))
        half[:32] = 1.0
        ev_half = to_events(half)
        assert ev_half.n_active == 32 * 30
        np.testing.assert_allclose(event_matmul(ev_half, W), half @ W, rtol=1e-12)
        assert to_events(half, max_density=0.4) is None  # too dense: given up
        assert to_events(half, max_density=0.5) is not None
        bad = half.copy()
        bad[50, 3] = 0.5  # in the second slice
        assert to_events(bad) is None


@pytest.mark.parametrize("recurrent", [False, True])
@pytest.mark.parametrize("density", [0.0, 0.05, 0.6])
def test_snu_layer_takes_the_event_path_with_the_same_results(recurrent, density):
    rng = np.random.default_rng(3)
    p = snu_init(rng, 12, 9, recurrent=recurrent, dtype=np.float64)
    p["W"] *= 3
    X = (rng.random((7, 5, 12)) < density).astype(np.float64)
    dY = rng.normal(size=(7, 5, 9))
    out = {}
    for path in ("dense", "event"):
        cell = SNUCell(spike_path=path)
        Y, cache = cell.forward(p, X)
        assert (cache[3] is None) == (path == "dense")
        dX, grads = cell.backward(p, cache, dY)
        out[path] = (Y, dX, grads)
    np.testing.assert_array_equal(out["dense"][0], out["event"][0])
    np.testing.assert_allclose(out["dense"][1], out["event"][1], rtol=1e-12, atol=1e-12)
    for key in out["dense"][2]:
        np.testing.assert_allclose(
            out["dense"][2][key], out["event"][2][key], rtol=1e-12, atol=1e-12
        )


def test_classifier_predictions_do_not_depend_on_the_path():
    from sklearn.datasets import load_digits

    from sksnn import SNUClassifier

    X, y = load_digits(return_X_y=True)
    X = X[:300] / 16.0
    y = y[:300]
    kw = dict(hidden_layer_sizes=(32,), encoding="rate", n_steps=8, max_iter=3,
              dtype="float64", random_state=0)  # fmt: skip
    dense = SNUClassifier(spike_path="dense", **kw).fit(X, y)
    event = SNUClassifier(spike_path="event", **kw).fit(X, y)
    np.testing.assert_allclose(dense.predict_proba(X), event.predict_proba(X), atol=1e-9)
    np.testing.assert_allclose(dense.coefs_[0], event.coefs_[0], atol=1e-9)


def test_unknown_path_is_a_clear_error():
    with pytest.raises(ValueError, match="spike_path"):
        SNUCell(spike_path="sparse")


def test_break_even_grows_with_the_width_of_the_layer():
    from sksnn._engine.events import NARROW, break_even_density

    widths = [16, 32, 64, 100, 150, 256, 1024]
    densities = [break_even_density(n) for n in widths]
    assert densities[0] == 0.0
    assert all(a <= b for a, b in itertools.pairwise(densities))
    assert 0.1 < densities[-1] < 0.5
    # narrow output layers follow the widest layers' rule
    assert break_even_density(NARROW - 1) == break_even_density(1) == densities[-1]


def test_events_of_strided_and_empty_input():
    rng = np.random.default_rng(7)
    big = (rng.random((9, 200)) < 0.2).astype(np.float32)
    strided = big[:, ::2]  # rows of 100 entries, not contiguous
    ev = to_events(strided)
    for r in range(len(strided)):
        np.testing.assert_array_equal(
            ev.indices[ev.starts[r] : ev.ends[r]], np.flatnonzero(strided[r])
        )
    for shape in [(0, 5), (4, 0)]:
        ev = to_events(np.zeros(shape, np.float32))
        assert ev.n_active == 0 and ev.shape == shape
        W = np.ones((shape[1], 3), np.float32)
        np.testing.assert_array_equal(event_matmul(ev, W), np.zeros((shape[0], 3)))
