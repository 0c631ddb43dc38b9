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
    """One step of LIF neurons, one neuron at a time, from the exact membrane solution
    ``v(t) = j + (v0 - j) exp(-t / tau_rc)``, going from event to event (the end of the
    refractory period, a threshold crossing, the end of the step).

    ``ref - dt`` is the time, from the start of the step, at which the neuron is free again
    (the kernel's convention); the same is returned for the next step.
    """
    out_v, out_r, spikes = np.empty_like(V), np.empty_like(ref), np.zeros_like(V)
    for k in range(J.size):
        j, v = J[k], V[k]
        free_at = ref[k] - dt
        while free_at < dt:
            t = max(free_at, 0.0)
            rest = dt - t
            t_cross = tau_rc * np.log((j - v) / (j - 1)) if j > 1 and v < 1 else np.inf
            if t_cross >= rest:
                v = max(j + (v - j) * np.exp(-rest / tau_rc), 0.0)
                break
            spikes[k] += pulse
            free_at = t + t_cross + tau_ref
            v = 0.0
        out_v[k], out_r[k] = v, free_at
    F1n = a * F1 + (1 - a) * spikes
    F2n = a * F2 + (1 - a) * F1n
    return out_v, out_r, F1n, F2n, round(float(spikes.sum()) / pulse)


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


@pytest.mark.parametrize("tau_ref", [TAU_REF, 0.0003, 0.0])
def test_lif_step_matches_reference(tau_ref):
    rng = np.random.default_rng(0)
    n = 400
    J = rng.uniform(-1, 30, n)
    V, ref = rng.uniform(0, 1, n), rng.uniform(0, 0.003, n)
    F1, F2 = rng.uniform(0, 5, n), rng.uniform(0, 5, n)
    args = (0.001, TAU_RC, tau_ref, 63.0, np.exp(-0.2))
    want = ref_lif_alpha_step(J, V, ref, F1, F2, *args)
    count = _lif_alpha_step(J, V, ref, F1, F2, *args)
    assert count == want[4] > 0
    np.testing.assert_allclose(V, want[0], rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(F1, want[2], rtol=1e-12)
    np.testing.assert_allclose(F2, want[3], rtol=1e-12)
    # the refractory time left at the end of the step agrees
    np.testing.assert_allclose(np.maximum(ref - 0.001, 0), np.maximum(want[1] - 0.001, 0),
                               atol=1e-12)  # fmt: skip
    assert (want[1] > 0.001).any(), "some neurons must stay refractory past the step"


@pytest.mark.parametrize(
    "j,tau_ref,dt",
    [(1.2, TAU_REF, 0.001), (2.0, TAU_REF, 0.001), (5.0, TAU_REF, 0.001), (2.0, 0.0, 0.001),
     (20.0, 0.0002, 0.001), (2.0, TAU_REF, 0.005)],
)  # fmt: skip
def test_simulated_neuron_fires_at_the_lif_rate(j, tau_ref, dt):
    """Over 4 s the spike count is the analytic rate within one spike, also with refractory
    periods shorter than a step and steps longer than the refractory period; the filtered
    output settles at amplitude x rate."""
    T = round(4.0 / dt)
    J = np.array([j])
    V, ref, F1, F2 = (np.zeros(1) for _ in range(4))
    count, trace = 0, []
    for _ in range(T):
        count += _lif_alpha_step(J, V, ref, F1, F2, dt, TAU_RC, tau_ref, 0.063 / dt,
                                 np.exp(-dt / 0.005))  # fmt: skip
        trace.append(F2[0])
    rate = lif_rate(j, tau_ref=tau_ref)
    assert abs(count - rate * T * dt) <= 1.0
    np.testing.assert_allclose(np.mean(trace[T // 4 :]), 0.063 * rate, rtol=0.02)


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


def test_gradient_with_dropout_matches_finite_differences():
    """Dropout between soft-LIF layers and before the affine readout, the same masks each time."""
    rng = np.random.default_rng(4)
    cell = CELLS["softlif"]()
    net = Network([cell, cell], [False, False], readout="last", dropout=0.3)
    params = net.init(rng, [4, 6, 5], n_out=3, dtype=np.float64)
    X = rng.random((1, 5, 4)) * 3
    Y = np.eye(3)[rng.integers(0, 3, 5)]

    def loss_grad(p, X_, Y_, M_=None):
        net.dropout_rng = np.random.default_rng(1)
        return Network.loss_grad(net, p, X_, Y_, M_)

    net.loss_grad = loss_grad
    masks = []
    net.dropout_rng = np.random.default_rng(1)
    net.forward(params, X, masks=masks)
    assert len(masks) == 2 and all((m == 0).any() for m in masks)
    check_network_gradient(net, params, X, Y, tol=1e-6)
