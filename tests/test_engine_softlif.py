"""Soft-LIF rate units and the spiking LIF simulation against NumPy references."""

import numpy as np
import pytest
from finite_differences import check_network_gradient

from sksnn._engine import CELLS, Network
from sksnn._engine.softlif import _lif_alpha_step, simulate_lif, softlif_rates

TAU_RC, TAU_REF, GAMMA = 0.022, 0.002, 0.02


def ref_rates(J, tau_rc=TAU_RC, tau_ref=TAU_REF, gamma=GAMMA):
    """The SPEC formula, with numpy's stable softplus."""
    p = gamma * np.logaddexp(0.0, (J - 1.0) / gamma)
    with np.errstate(divide="ignore", over="ignore"):
        return np.where(p > 0, 1.0 / (tau_ref + tau_rc * np.log1p(1.0 / p)), 0.0)


def lif_rate(j, tau_rc=TAU_RC, tau_ref=TAU_REF):
    """Firing rate of the (hard) LIF neuron under a constant current."""
    return 0.0 if j <= 1 else 1.0 / (tau_ref + tau_rc * np.log1p(1.0 / (j - 1.0)))


def ref_lif_alpha_step(J, V, ref, F1, F2, dt, tau_rc, tau_ref, pulse, a):
    """One step of :func:`_lif_alpha_step`, written with whole arrays."""
    r = ref - dt
    delta = np.clip(dt - r, 0.0, dt)
    v = V - (J - V) * np.expm1(-delta / tau_rc)
    spiked = v > 1.0
    with np.errstate(divide="ignore", invalid="ignore"):
        after = -tau_rc * np.log1p(-(v - 1.0) / (J - 1.0))
    r = np.where(spiked, tau_ref + dt - after, r)
    v = np.where(spiked, 0.0, np.maximum(v, 0.0))
    s = np.where(spiked, pulse, 0.0)
    F1n = a * F1 + (1 - a) * s
    F2n = a * F2 + (1 - a) * F1n
    return v, r, F1n, F2n, int(spiked.sum())


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_rates_match_reference_and_derivative_matches_finite_differences(dtype):
    J = np.concatenate([np.linspace(-20, 5, 301), [1.0, 1.0 - 1e-6, -1e3, 1e3]]).astype(dtype)
    R, D = softlif_rates(J, TAU_RC, TAU_REF, GAMMA)
    rtol = 1e-12 if dtype == np.float64 else 1e-5
    np.testing.assert_allclose(R, ref_rates(J.astype(float)), rtol=rtol, atol=1e-30)
    assert R.max() < 1 / TAU_REF and R[-1] > 0.9 / TAU_REF  # saturates at 1 / tau_ref
    assert np.all(np.diff(R[:301]) >= 0) and np.all(D >= 0)
    if dtype == np.float64:
        eps = 1e-7
        num = (ref_rates(J + eps) - ref_rates(J - eps)) / (2 * eps)
        np.testing.assert_allclose(D, num, rtol=1e-5, atol=1e-6)


def test_rate_approaches_the_hard_lif_rate_as_gamma_shrinks():
    J = np.array([1.05, 1.5, 3.0, 10.0])
    R, _ = softlif_rates(J, TAU_RC, TAU_REF, 1e-4)
    np.testing.assert_allclose(R, [lif_rate(j) for j in J], rtol=1e-3)


def test_lif_step_matches_reference():
    rng = np.random.default_rng(0)
    n = 400
    J = rng.uniform(-1, 6, n)
    V, ref = rng.uniform(0, 1, n), rng.uniform(0, 0.003, n)
    F1, F2 = rng.uniform(0, 5, n), rng.uniform(0, 5, n)
    args = (0.001, TAU_RC, TAU_REF, 63.0, np.exp(-0.2))
    want = ref_lif_alpha_step(J, V, ref, F1, F2, *args)
    count = _lif_alpha_step(J, V, ref, F1, F2, *args)
    assert count == want[4] > 0
    for got, exp in zip((V, ref, F1, F2), want[:4]):
        np.testing.assert_allclose(got, exp, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("j", [1.2, 2.0, 5.0])
def test_simulated_neuron_fires_at_the_lif_rate(j):
    """Over 4 s at dt = 1 ms the spike count is the analytic rate within one spike; the
    filtered output settles at amplitude x rate."""
    dt, T = 0.001, 4000
    J = np.array([j])
    V, ref, F1, F2 = (np.zeros(1) for _ in range(4))
    count, trace = 0, []
    for _ in range(T):
        count += _lif_alpha_step(J, V, ref, F1, F2, dt, TAU_RC, TAU_REF, 0.063 / dt,
                                 np.exp(-dt / 0.005))  # fmt: skip
        trace.append(F2[0])
    rate = lif_rate(j)
    assert abs(count - rate * T * dt) <= 1.0
    np.testing.assert_allclose(np.mean(trace[1000:]), 0.063 * rate, rtol=0.02)


def test_spiking_network_converges_to_the_rate_network():
    """With a long presentation the spiking layer's filtered output averages to its rate, so
    the output approaches the rate network's (a layer fed by spikes sees a fluctuating current,
    which the training noise is there to absorb; a constant input gives the exact rate)."""
    rng = np.random.default_rng(1)
    cell = CELLS["softlif"](gamma=1e-4)
    net = Network([cell], [False], readout="last")
    layers, readout = net.init(rng, [6, 20], n_out=3, dtype=np.float64)
    X = rng.random((8, 6))
    Z_rate, _ = net.forward((layers, readout), X[None], train=False)
    kw = dict(tau_rc=TAU_RC, tau_ref=TAU_REF, amplitude=0.063, dt=0.0005, tau_synapse=0.005)
    Z_short, rates = simulate_lif(layers, readout, X, n_steps=200, n_average=100, **kw)
    Z_long, _ = simulate_lif(layers, readout, X, n_steps=8000, n_average=7000, **kw)
    assert all(r > 1 for r in rates), "both layers must fire"
    err_long = np.abs(Z_long - Z_rate).max()
    assert err_long < 0.01 * np.abs(Z_rate).max()
    assert err_long < np.abs(Z_short - Z_rate).max()


def test_network_gradient_matches_finite_differences():
    rng = np.random.default_rng(2)
    cell = CELLS["softlif"](noise_std=10.0)  # no noise: noise_rng is None outside fit
    net = Network([cell, cell], [False, False], readout="last")
    params = net.init(rng, [4, 6, 5], n_out=3, dtype=np.float64)
    X = rng.random((1, 5, 4)) * 3
    Y = np.eye(3)[rng.integers(0, 3, 5)]
    check_network_gradient(net, params, X, Y, tol=1e-6)


def test_training_noise_only_with_a_generator_and_only_where_units_fire():
    cell = CELLS["softlif"](noise_std=10.0)
    rng = np.random.default_rng(3)
    p = cell.init(rng, 5, 40, dtype=np.float64)
    p["b"][:20] = -5.0  # silent units
    X = rng.random((1, 16, 5))
    clean, _ = cell.forward(p, X)
    cell.noise_rng = np.random.default_rng(0)
    noisy, _ = cell.forward(p, X)
    again, _ = cell.forward(p, X, train=False)
    np.testing.assert_array_equal(again, clean)
    diff = (noisy - clean) / cell.amplitude
    np.testing.assert_array_equal(diff[..., :20], 0.0)
    assert 5 < diff[..., 20:].std() < 15
