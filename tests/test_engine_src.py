"""The SRC cell's Numba kernels against a slow NumPy reference, a hand-checkable trajectory,
finite-difference gradients (float64) and truncated-BPTT windows."""

import numpy as np
import pytest
from finite_differences import check_network_gradient, numerical_gradient

from sksnn._engine import CELLS, Network
from sksnn._engine.src import SRCCell

DEFAULTS = dict(alpha=0.9, rho=3.0, r=2.0, rs=-7.0, z=0.0, zhyp=0.9, zdep=0.0)


def ref_src_forward(X, W, b, c=DEFAULTS, state=None):
    """The SPEC equations, one step at a time."""
    T, B, _ = X.shape
    n = W.shape[1]
    i, h, hs = (np.zeros((B, n)),) * 3 if state is None else state
    out = {k: np.zeros((T, B, n)) for k in ("i", "h", "hs", "y")}
    for t in range(T):
        i = c["alpha"] * i + X[t] @ W
        u = c["rho"] * np.tanh(i / c["rho"])
        q = np.tanh(u + c["r"] * h + c["rs"] * hs + b)
        zs = np.where(h > 0.5, c["zdep"], c["zhyp"])
        h, hs = c["z"] * h + (1 - c["z"]) * q, zs * hs + (1 - zs) * h
        out["i"][t], out["h"][t], out["hs"][t], out["y"][t] = i, h, hs, np.maximum(h, 0)
    return out


def ref_src_backward(X, W, b, dY, straight, c=DEFAULTS):
    """Reverse-mode derivative of :func:`ref_src_forward` written out step by step."""
    f = ref_src_forward(X, W, b, c)
    T, B, _ = X.shape
    n = W.shape[1]
    gh, gs, gi = np.zeros((B, n)), np.zeros((B, n)), np.zeros((B, n))
    dI = np.zeros((T, B, n))
    db = np.zeros(n)
    for t in range(T - 1, -1, -1):
        h_prev = f["h"][t - 1] if t else np.zeros((B, n))
        s_prev = f["hs"][t - 1] if t else np.zeros((B, n))
        dy = dY[t] if straight else dY[t] * (f["h"][t] > 0)
        dh = gh + dy
        u = c["rho"] * np.tanh(f["i"][t] / c["rho"])
        q = np.tanh(u + c["r"] * h_prev + c["rs"] * s_prev + b)
        da = (1 - c["z"]) * dh * (1 - q**2)
        db += da.sum(axis=0)
        di = gi + da * (1 - (u / c["rho"]) ** 2)
        dI[t] = di
        zs = np.where(h_prev > 0.5, c["zdep"], c["zhyp"])
        gh, gs = c["z"] * dh + c["r"] * da + (1 - zs) * gs, c["rs"] * da + zs * gs
        gi = c["alpha"] * di
    dI2 = dI.reshape(T * B, n)
    return (dI2 @ W.T).reshape(X.shape), X.reshape(T * B, -1).T @ dI2, db


def _layer(seed=0, T=12, B=3, n_in=4, n=5, dtype=np.float64, scale=3.0):
    rng = np.random.default_rng(seed)
    X = (rng.random((T, B, n_in)) < 0.5).astype(dtype)
    cell = SRCCell()
    p = cell.init(rng, n_in, n, dtype=dtype)
    p["W"] *= scale
    p["b"][:] = rng.uniform(-6, -4, n)
    return cell, p, X, rng


def test_golden_trajectory_fires_and_recovers():
    """One unit under a constant strong input: silent while the slow variable sinks, a spike
    two steps wide, then silence while the slow variable recovers, then the next spike."""
    cell = SRCCell()
    p = {"W": np.array([[2.0]]), "b": np.array([-6.0])}
    X = np.ones((60, 1, 1))
    Y, cache = cell.forward(p, X)
    i, h, hs = cache[1][:, 0, 0], cache[2][:, 0, 0], cache[3][:, 0, 0]
    y = Y[:, 0, 0]
    # i_t = 2 (1 - 0.9^t) / 0.1
    np.testing.assert_allclose(i[:3], [2.0, 3.8, 5.42])
    # h_1 = tanh(3 tanh(2/3) - 6); h_s follows h with gate 0.9 while h < 1/2
    np.testing.assert_allclose(h[0], np.tanh(3 * np.tanh(2 / 3) - 6), rtol=1e-12)
    np.testing.assert_allclose(hs[:3], [0.0, 0.1 * h[0], 0.9 * 0.1 * h[0] + 0.1 * h[1]])
    spiking = np.flatnonzero(y > 0)
    assert spiking[:2].tolist() == [11, 12]  # the first spike
    assert y[11] > 0.5 and y[12] > 0.9
    # z_dep = 0: the step after h > 1/2, the slow variable copies h and the unit is reset
    np.testing.assert_allclose(hs[12], h[11])
    assert h[13] < -0.99
    second = spiking[spiking > 12]
    assert second.size and second[0] > 25, "silent for more than ten steps, then fires again"


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_forward_matches_reference(dtype):
    cell, p, X, _ = _layer(dtype=dtype)
    Y, cache = cell.forward(p, X)
    ref = ref_src_forward(X.astype(float), p["W"].astype(float), p["b"].astype(float))
    tol = 1e-12 if dtype == np.float64 else 2e-5
    np.testing.assert_allclose(Y, ref["y"], atol=tol)
    np.testing.assert_allclose(cache[2], ref["h"], atol=tol)
    np.testing.assert_allclose(cache[3], ref["hs"], atol=tol)
    assert (Y > 0.5).any() and (Y == 0).any(), "the test input must make the units spike"


@pytest.mark.parametrize("straight", [False, True])
def test_backward_matches_reference(straight):
    cell = SRCCell(spike_gradient="identity" if straight else "relu")
    _, p, X, rng = _layer(seed=1)
    Y, cache = cell.forward(p, X)
    dY = rng.standard_normal(Y.shape)
    dX, g = cell.backward(p, cache, dY)
    rdX, rdW, rdb = ref_src_backward(X, p["W"], p["b"], dY, straight)
    np.testing.assert_allclose(dX, rdX, atol=1e-10)
    np.testing.assert_allclose(g["W"], rdW, atol=1e-10)
    np.testing.assert_allclose(g["b"], rdb, atol=1e-10)


def test_network_gradient_matches_finite_differences():
    """Two SRC layers, mean-rate readout, softmax cross-entropy, float64."""
    rng = np.random.default_rng(3)
    cells = [SRCCell(spike_gradient="relu"), SRCCell(spike_gradient="relu")]
    net = Network(cells, [False, False], readout="mean", loss="softmax_ce",
                  readout_kwargs={"scale": 10.0})  # fmt: skip
    params = net.init(rng, [4, 6, 3], dtype=np.float64)
    for p in params[0]:
        p["W"] *= 4.0
        p["b"][:] = rng.uniform(-5.5, -4.5, p["b"].shape)
    X = (rng.random((15, 3, 4)) < 0.6).astype(float)
    Y = np.eye(3)[[0, 1, 2]]
    _, (grads, _), _ = net.loss_grad(params, X, Y)
    assert any(np.abs(g["W"]).max() > 1e-6 for g in grads), "the gradient must not vanish"
    check_network_gradient(net, params, X, Y, tol=1e-6)


def test_windows_carry_the_state():
    """Two windows with the carried state give the outputs of one pass."""
    cell, p, X, _ = _layer(seed=4, T=16)
    Y, _ = cell.forward(p, X)
    Y1, c1 = cell.forward(p, X[:7])
    Y2, _ = cell.forward(p, X[7:], state=cell.final_state(c1))
    np.testing.assert_allclose(np.concatenate([Y1, Y2]), Y, atol=1e-13)


def test_bias_is_kept_below_its_maximum():
    net = Network([CELLS["src"](bias_max=-4.0)], [False], readout="mean")
    params = net.init(np.random.default_rng(0), [3, 2])
    params[0][0]["b"][:] = [-3.0, -5.0]
    net.project(params)
    np.testing.assert_array_equal(params[0][0]["b"], np.float32([-4.0, -5.0]))


def test_bad_configuration_is_refused():
    with pytest.raises(ValueError, match="spike_gradient"):
        SRCCell(spike_gradient="tanh")
    with pytest.raises(ValueError, match="current_bound"):
        SRCCell(current_bound=0.0)


@pytest.mark.parametrize("z,z_dep", [(0.0, 0.0), (0.3, 0.2)])
def test_layer_gradient_with_a_carried_state_matches_finite_differences(z, z_dep):
    """The gradient of a window that starts from a carried state (truncated BPTT), with
    non-zero gates, against central differences of L = sum(R * Y)."""
    cell = SRCCell(z=z, z_dep=z_dep, spike_gradient="relu")
    _, p, X, rng = _layer(seed=5, T=10)
    _, c0 = cell.forward(p, X[:6])
    state = cell.final_state(c0)
    assert (state[1] > 0).any() or (state[2] != 0).any()
    Xw = X[6:].copy()
    Y, cache = cell.forward(p, Xw, state=state)
    R = rng.standard_normal(Y.shape)
    dX, g = cell.backward(p, cache, R)

    def loss():
        return float((cell.forward(p, Xw, state=state)[0] * R).sum())

    for name, arr, grad in (("W", p["W"], g["W"]), ("b", p["b"], g["b"]), ("X", Xw, dX)):
        num = numerical_gradient(loss, arr)
        np.testing.assert_allclose(grad, num, rtol=1e-5, atol=1e-7, err_msg=name)
        assert np.abs(grad).max() > 1e-4, name
