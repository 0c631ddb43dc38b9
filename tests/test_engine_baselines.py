"""LSTM, GRU and tanh-RNN kernels: forward against the NumPy references, BPTT against central
finite differences of the reference in float64, and against PyTorch when it is installed."""

import numpy as np
import pytest
from finite_differences import numerical_gradient
from reference_baselines import REFERENCES

from sksnn._engine import CELLS, Network

NAMES = ["lstm", "gru", "rnn"]


def _setup(name, dtype=np.float64, T=6, B=3, n_in=4, n=5, seed=0):
    rng = np.random.default_rng(seed)
    cell = CELLS[name]()
    p = cell.init(rng, n_in, n, dtype=dtype)
    for k in p:
        p[k] *= 2.0  # larger weights: gates away from their linear regime
    X = rng.standard_normal((T, B, n_in)).astype(dtype)
    return cell, p, X, rng


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_forward_matches_reference(name, dtype):
    cell, p, X, _ = _setup(name, dtype)
    Y, _ = cell.forward(p, X)
    assert Y.dtype == dtype
    ref = REFERENCES[name](X.astype(np.float64), {k: v.astype(np.float64) for k, v in p.items()})
    tol = 1e-5 if dtype == np.float32 else 1e-12
    np.testing.assert_allclose(Y, ref, rtol=tol, atol=tol)


@pytest.mark.parametrize("name", NAMES)
def test_backward_matches_finite_differences_of_the_reference(name):
    cell, p, X, rng = _setup(name)
    R = rng.standard_normal((6, 3, 5))
    _, cache = cell.forward(p, X)
    dX, grads = cell.backward(p, cache, R)

    def loss():
        return float((REFERENCES[name](X, p) * R).sum())

    for key, arr, got in [*[(k, p[k], grads[k]) for k in p], ("x", X, dX)]:
        num = numerical_gradient(loss, arr)
        err = np.linalg.norm(num - got) / np.linalg.norm(num + got)
        assert err < 1e-7, f"{name} d{key}: relative error {err:.1e}"


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("readout,loss", [("last", "softmax_ce"), ("linear", "binary")])
def test_network_gradient_finite_differences(name, readout, loss):
    rng = np.random.default_rng(1)
    net = Network([CELLS[name](), CELLS[name]()], [True, True], readout=readout, loss=loss)
    params = net.init(rng, [3, 4, 4], n_out=3, dtype=np.float64)
    X = rng.standard_normal((5, 2, 3))
    if loss == "softmax_ce":
        Y, mask = np.eye(3)[[0, 2]], None
    else:
        Y = (rng.random((5, 2, 3)) < 0.5).astype(float)
        mask = np.ones((5, 2))
        mask[3:, 1] = 0
    _, grads, _ = net.loss_grad(params, X, Y, mask)
    for p, g in zip(net.flat(params), net.flat(params, grads)):
        num = np.empty_like(p)
        for idx in np.ndindex(p.shape):
            old = p[idx]
            p[idx] = old + 1e-6
            lp = net.loss_grad(params, X, Y, mask)[0]
            p[idx] = old - 1e-6
            lm = net.loss_grad(params, X, Y, mask)[0]
            p[idx] = old
            num[idx] = (lp - lm) / 2e-6
        assert np.linalg.norm(num - g) / np.linalg.norm(num + g) < 1e-6


@pytest.mark.parametrize("name", NAMES)
def test_against_pytorch(name):
    torch = pytest.importorskip("torch", reason="PyTorch is an optional cross-check")
    cell, p, X, rng = _setup(name, T=7, B=4, n_in=3, n=6)
    module = {"lstm": torch.nn.LSTM, "gru": torch.nn.GRU, "rnn": torch.nn.RNN}[name](3, 6)
    module = module.double()
    n = 6
    with torch.no_grad():
        module.weight_ih_l0.copy_(torch.from_numpy(p["W"].T.copy()))
        module.weight_hh_l0.copy_(torch.from_numpy(p["H"].T.copy()))
        bias_hh = np.zeros_like(p["b"])
        if name == "gru":
            bias_hh[2 * n :] = p["b_hn"]
        module.bias_ih_l0.copy_(torch.from_numpy(p["b"].copy()))
        module.bias_hh_l0.copy_(torch.from_numpy(bias_hh))
    x = torch.from_numpy(X.copy()).requires_grad_(True)
    out, _ = module(x)
    R = rng.standard_normal(out.shape)
    (out * torch.from_numpy(R)).sum().backward()
    Y, cache = cell.forward(p, X)
    dX, grads = cell.backward(p, cache, R)
    np.testing.assert_allclose(Y, out.detach().numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(dX, x.grad.numpy(), rtol=1e-9, atol=1e-11)
    np.testing.assert_allclose(grads["W"], module.weight_ih_l0.grad.numpy().T, atol=1e-10)
    np.testing.assert_allclose(grads["H"], module.weight_hh_l0.grad.numpy().T, atol=1e-10)
    np.testing.assert_allclose(grads["b"], module.bias_ih_l0.grad.numpy(), atol=1e-10)
    if name == "gru":
        np.testing.assert_allclose(grads["b_hn"], module.bias_hh_l0.grad.numpy()[2 * n :],
                                   atol=1e-10)  # fmt: skip


@pytest.mark.parametrize("name", NAMES)
def test_batch_parallel_path_matches_serial(monkeypatch, name):
    import numba

    from sksnn._engine import numba_threads, parallel

    if numba.config.NUMBA_NUM_THREADS < 2:
        pytest.skip("Numba has a single thread on this machine")
    cell, params, X, _ = _setup(name, B=5)
    dY = np.random.default_rng(1).normal(size=(X.shape[0], 5, 5))

    def run():
        Y, cache = cell.forward(params, X)
        dX, grads = cell.backward(params, cache, dY)
        return Y, dX, grads

    monkeypatch.setattr(parallel, "MIN_PARALLEL_WORK", 10**12)
    Y1, dX1, g1 = run()
    monkeypatch.setattr(parallel, "MIN_PARALLEL_WORK", 0)
    with numba_threads(2):
        Y2, dX2, g2 = run()
    np.testing.assert_array_equal(Y1, Y2)
    np.testing.assert_allclose(dX1, dX2, rtol=1e-12, atol=1e-13)
    for key in g1:
        np.testing.assert_allclose(g1[key], g2[key], rtol=1e-12, atol=1e-13)
