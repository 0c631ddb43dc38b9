r"""Soft-LIF rate units for training, and the spiking LIF network they convert to.

Hunsberger & Eliasmith, "Spiking deep networks with LIF neurons" (arXiv 1510.08829). A LIF
neuron (threshold 1, reset 0, membrane time constant :math:`\tau_{rc}`, refractory period
:math:`\tau_{ref}`) driven by a constant current :math:`j` fires at

.. math::

    r(j) = \Big[\tau_{ref} + \tau_{rc} \log\Big(1 + \frac{1}{\rho(j - 1)}\Big)\Big]^{-1},
    \qquad \rho(x) = \max(x, 0),

whose derivative is unbounded at threshold. The soft LIF replaces :math:`\rho` by
:math:`\rho_\gamma(x) = \gamma \log(1 + e^{x/\gamma})`, which makes :math:`r` smooth:

.. math::

    \frac{dr}{dj} = \frac{\tau_{rc}\, r^2}{\rho_\gamma (1 + \rho_\gamma)}\,
    \sigma\big((j - 1)/\gamma\big).

A layer computes :math:`j = x W + b` and outputs :math:`a \cdot r(j)` (``amplitude``
:math:`a` scales the rate to the next layer's input). During training, Gaussian noise of
standard deviation ``noise_std`` (Hz) is added to the rate where the neuron fires
(:math:`j > 1`), which makes the network robust to the variability of spike trains.

Conversion (:func:`simulate_lif`): every unit becomes a LIF neuron with the same
:math:`\tau_{rc}, \tau_{ref}`, weights and bias; each spike is a pulse of area :math:`a`,
filtered by an alpha synapse (two first-order low-pass filters of time constant
:math:`\tau_s`), so the filtered train of a neuron firing steadily at :math:`r` settles at
:math:`a\,r`, the value the rate network passes on. The membrane is integrated exactly over
each step of length :math:`dt` for the step's current, with the spike time inside the step
and the refractory period resolved below :math:`dt`.
"""

import math

import numpy as np

from ._numba import jit


@jit
def _softlif_rates(J, tau_rc, tau_ref, gamma, R, D):
    """Rates ``R`` and derivatives ``D = dR/dJ`` of soft-LIF units (flat arrays)."""
    for k in range(J.size):
        u = (J[k] - 1.0) / gamma
        # softplus and the logistic without overflow
        if u > 0:
            e = math.exp(-u)
            p = gamma * (u + math.log1p(e))
            sig = 1.0 / (1.0 + e)
        else:
            e = math.exp(u)
            p = gamma * math.log1p(e)
            sig = e / (1.0 + e)
        if p > 0.0:
            r = 1.0 / (tau_ref + tau_rc * math.log1p(1.0 / p))
            R[k] = r
            D[k] = tau_rc * r * r * sig / (p * (1.0 + p))
        else:  # far below threshold: no firing and no gradient (e^u underflowed)
            R[k] = 0.0
            D[k] = 0.0


def softlif_rates(J, tau_rc, tau_ref, gamma):
    """Soft-LIF firing rates (Hz) of currents ``J`` and their derivatives, arrays like ``J``."""
    J = np.ascontiguousarray(J)
    R = np.empty_like(J)
    D = np.empty_like(J)
    _softlif_rates(J.reshape(-1), tau_rc, tau_ref, gamma, R.reshape(-1), D.reshape(-1))
    return R, D


class SoftLIFCell:
    """A feed-forward layer of soft-LIF rate units (no state across time steps).

    Parameters
    ----------
    tau_rc, tau_ref : float
        Membrane time constant and refractory period, in seconds.
    gamma : float
        Smoothing of the rate function at threshold.
    amplitude : float
        Factor from rates (Hz) to the next layer's input.
    noise_std : float
        Standard deviation (Hz) of the training noise on the rates of firing units. Noise is
        drawn only while ``noise_rng`` is a generator (the estimator sets it during ``fit``).
    """

    spiking = False
    param_names = ("W", "b")
    weight_names = ("W",)

    def __init__(self, tau_rc=0.022, tau_ref=0.002, gamma=0.02, amplitude=0.063, noise_std=10.0):
        self.tau_rc = float(tau_rc)
        self.tau_ref = float(tau_ref)
        self.gamma = float(gamma)
        self.amplitude = float(amplitude)
        self.noise_std = float(noise_std)
        self.noise_rng = None

    @staticmethod
    def init(rng, n_in, n_out, *, dtype=np.float32, **unused):
        """Glorot-uniform ``W``; ``b = 1`` puts every unit at its threshold for zero input."""
        limit = np.sqrt(6.0 / (n_in + n_out))
        return {
            "W": rng.uniform(-limit, limit, (n_in, n_out)).astype(dtype),
            "b": np.ones(n_out, dtype=dtype),
        }

    def currents(self, params, X):
        """Input currents ``J = X W + b`` for ``X`` of shape (..., n_in)."""
        J = X @ params["W"]
        J += params["b"]
        return J

    def forward(self, params, X, state=None, train=True):
        """Outputs ``amplitude * rate``, shape (T, B, n), for ``X`` (T, B, n_in); and the cache."""
        J = self.currents(params, X)
        R, D = softlif_rates(J, self.tau_rc, self.tau_ref, self.gamma)
        if train and self.noise_rng is not None and self.noise_std > 0:
            noise = self.noise_rng.standard_normal(R.shape, dtype=R.dtype)
            noise *= self.noise_std
            R += np.where(J > 1, noise, 0)
        Y = R
        Y *= self.amplitude
        return Y, (X, D, Y)

    @staticmethod
    def final_state(cache):
        """No state is carried between steps."""
        return ()

    def backward(self, params, cache, dY, need_dX=True):
        """Gradients of ``W`` and ``b`` (and of the input unless ``need_dX`` is False)."""
        X, D, _ = cache
        W = params["W"]
        dJ = dY * D
        dJ *= self.amplitude
        n_in, n = W.shape
        dJ2 = dJ.reshape(-1, n)
        grads = {"W": X.reshape(-1, n_in).T @ dJ2, "b": dJ2.sum(axis=0)}
        dX = (dJ2 @ W.T).reshape(X.shape) if need_dX else None
        return dX, grads

    def states(self, cache):
        """The rates (Hz) for recording."""
        return {"rates": cache[2] / self.amplitude}


@jit
def _lif_alpha_step(J, V, ref, F1, F2, dt, tau_rc, tau_ref, pulse, a):
    """Advance LIF neurons and their alpha synapses by one step of ``dt`` (flat arrays).

    ``J``: input currents; ``V``: membrane voltages; ``ref``: refractory time left at the end
    of the previous step, plus ``dt`` (s); each spike adds a pulse ``pulse`` (amplitude / dt)
    to the step's output, which goes through two low-pass filters ``F1``, ``F2`` with factor
    ``a = exp(-dt / tau_s)``. Several spikes fit in one step when ``tau_ref < dt``. Returns
    the number of spikes.
    """
    count = 0
    full = -math.expm1(-dt / tau_rc)  # the membrane's approach to j over a whole step
    for k in range(J.size):
        j = J[k]
        r = ref[k] - dt
        v = V[k]
        if r <= 0.0:  # not refractory during this step (the common case)
            v += (j - v) * full
        elif r < dt:  # refractory for part of it: integrate over the rest
            v -= (j - v) * math.expm1((r - dt) / tau_rc)
        s = 0.0
        # threshold crossings (only possible with j > v > 1); when the refractory period ends
        # before the step does, the membrane integrates again from 0 and may fire again
        while v > 1.0:
            after = -tau_rc * math.log1p(-(v - 1.0) / (j - 1.0))  # time since the crossing
            s += pulse
            count += 1
            free = after - tau_ref  # time left in the step after the refractory period
            if free > 0.0:
                v = -j * math.expm1(-free / tau_rc)
                r = 0.0
            else:
                v = 0.0
                r = dt - free  # the refractory time left at the end of the step, plus dt
        if v < 0.0:
            v = 0.0
        V[k] = v
        ref[k] = r
        f1 = a * F1[k] + (1.0 - a) * s
        F1[k] = f1
        F2[k] = a * F2[k] + (1.0 - a) * f1
    return count


def simulate_lif(layers, readout, X, *, tau_rc, tau_ref, amplitude, dt, n_steps, tau_synapse,
                 n_average):  # fmt: skip
    """Run a trained soft-LIF network as spiking LIF neurons with alpha synapses.

    Parameters
    ----------
    layers : list of dict
        ``W`` and ``b`` of every hidden layer.
    readout : dict
        ``W`` and ``b`` of the affine output layer (it reads the last hidden layer's filtered
        spikes).
    X : ndarray of shape (B, n_in)
        Inputs, presented as constant currents to the first layer for ``n_steps`` steps.
    tau_rc, tau_ref, amplitude : float
        The neurons' constants (those of the rate network).
    dt, tau_synapse : float
        Time step and synaptic time constant, in seconds.
    n_steps : int
        Steps of the presentation.
    n_average : int
        The output is averaged over the last ``n_average`` steps.

    Returns
    -------
    Z : ndarray of shape (B, n_out)
        The time-averaged output.
    rates : list of float
        Mean firing rate (Hz) of every hidden layer over the presentation.
    """
    dtype = X.dtype
    B = X.shape[0]
    a = math.exp(-dt / tau_synapse)
    pulse = amplitude / dt
    states = []
    for p in layers:
        n = p["W"].shape[1]
        states.append([np.zeros((B, n), dtype=dtype) for _ in range(4)])  # V, ref, F1, F2
    J0 = X @ layers[0]["W"]
    J0 += layers[0]["b"]
    Z = np.zeros((B, readout["W"].shape[1]), dtype=np.float64)
    counts = np.zeros(len(layers))
    start = n_steps - n_average
    for t in range(n_steps):
        H = None
        for i, (p, (V, ref, F1, F2)) in enumerate(zip(layers, states)):
            if i == 0:
                J = J0
            else:
                J = H @ p["W"]
                J += p["b"]
            counts[i] += _lif_alpha_step(
                J.reshape(-1), V.reshape(-1), ref.reshape(-1), F1.reshape(-1), F2.reshape(-1),
                dt, tau_rc, tau_ref, pulse, a,
            )  # fmt: skip
            H = F2
        if t >= start:
            Z += H @ readout["W"]
    Z /= max(n_average, 1)
    Z += readout["b"]
    rates = [c / (B * p["W"].shape[1] * n_steps * dt) for c, p in zip(counts, layers)]
    return Z.astype(dtype), rates
