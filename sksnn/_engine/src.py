r"""Spiking Recurrent Cell (SRC) layers over whole sequences.

De Geeter, Ernst, Drion, "Spike-based computation using classical recurrent neural networks"
(arXiv 2306.03623). The SRC derives from the bistable recurrent cell: a fast variable with
positive self-feedback (bistability) and a slow variable with negative feedback make each unit
fire spikes by itself; the spikes are the positive part of the fast variable. Per unit and
time step :math:`t`, all states zero before the first step:

.. math::

    i_t &= \alpha\, i_{t-1} + (W x_t)                      &&\text{synaptic integrator} \\
    u_t &= \rho \tanh(i_t / \rho)                           &&\text{bounded input current} \\
    h_t &= z\, h_{t-1} + (1 - z) \tanh\big(u_t + r\, h_{t-1} + r_s\, h^s_{t-1} + b\big)
        &&\text{fast variable} \\
    z^s_t &= z_{hyp} + (z_{dep} - z_{hyp})\, H(h_{t-1} - 1/2) \\
    h^s_t &= z^s_t\, h^s_{t-1} + (1 - z^s_t)\, h_{t-1}        &&\text{slow variable} \\
    y_t &= \max(h_t, 0)                                      &&\text{spikes}

Learned per layer: :math:`W` and the bias :math:`b` (kept at most ``bias_max``). The
constants :math:`\alpha, \rho, r, r_s, z, z_{hyp}, z_{dep}` are the cell's configuration. The
cell is differentiable except the Heaviside :math:`H` in :math:`z^s_t`, which passes no
gradient. The derivative of the spike non-linearity is the ReLU's (``spike_gradient="relu"``)
or 1 (``"identity"``, straight-through: a silent unit still learns).

Backward recursion, with :math:`\delta^y_t` the gradient arriving from outside, and
:math:`g^h, g^s, g^i` the gradients of :math:`h_t, h^s_t, i_t` from step :math:`t+1`:

.. math::

    \delta^h_t &= g^h_t + \delta^y_t\, y'(h_t), \qquad
    \delta^a_t = (1 - z)\, \delta^h_t\, (1 - q_t^2), \qquad
    \delta^i_t = g^i_t + \delta^a_t\, (1 - u_t^2 / \rho^2) \\
    g^h_{t-1} &= z\,\delta^h_t + r\,\delta^a_t + (1 - z^s_t)\, g^s_t, \qquad
    g^s_{t-1} = r_s\,\delta^a_t + z^s_t\, g^s_t, \qquad
    g^i_{t-1} = \alpha\, \delta^i_t

with :math:`q_t = \tanh(a_t)`, :math:`a_t` the argument of the tanh; then
:math:`\partial W = X^\top \delta^i`, :math:`\partial b = \sum \delta^a`.
"""

import numpy as np

from ._numba import jit
from .fastmath import tanh
from .parallel import run_over_batch
from .state import state_arrays

SPIKE_GRADIENTS = ("relu", "identity")


@jit
def _src_forward_rows(A, bias, c, I0, H0, S0, Hf, Hs, Y, b0, b1):
    """SRC time loop over the batch rows ``b0:b1``.

    A : (T, B, n) input currents ``W x_t``, overwritten by the integrator states ``i_t``;
    bias : (n,); c : the constants (alpha, rho, r, r_s, z, z_hyp, z_dep) in the dtype of A;
    I0, H0, S0 : (B, n) states before the first step, or (0, n) for zero. Writes the fast
    states Hf, the slow states Hs and the spikes Y, each (T, B, n).
    """
    T, _B, n = A.shape
    alpha, rho, r, rs, z, zhyp, zdep = c[0], c[1], c[2], c[3], c[4], c[5], c[6]
    zero = A.dtype.type(0.0)
    one = A.dtype.type(1.0)
    half = A.dtype.type(0.5)
    inv_rho = one / rho
    carried = I0.shape[0] > 0
    for t in range(T):
        for b in range(b0, b1):
            for j in range(n):
                if t > 0:
                    i_prev = A[t - 1, b, j]
                    h_prev = Hf[t - 1, b, j]
                    s_prev = Hs[t - 1, b, j]
                elif carried:
                    i_prev = I0[b, j]
                    h_prev = H0[b, j]
                    s_prev = S0[b, j]
                else:
                    i_prev = zero
                    h_prev = zero
                    s_prev = zero
                i = alpha * i_prev + A[t, b, j]
                A[t, b, j] = i
                u = rho * tanh(i * inv_rho)
                q = tanh(u + r * h_prev + rs * s_prev + bias[j])
                h = z * h_prev + (one - z) * q
                zs = zdep if h_prev > half else zhyp
                Hf[t, b, j] = h
                Hs[t, b, j] = zs * s_prev + (one - zs) * h_prev
                Y[t, b, j] = h if h > zero else zero


@jit
def _src_backward_rows(dY, Isyn, Hf, Hs, bias, c, straight, H0, S0, dI, dA, gh, gs, gi, b0, b1):
    """Reverse SRC time loop over the batch rows ``b0:b1``.

    dY : (T, B, n) gradient of the spikes; Isyn, Hf, Hs : the forward states; ``straight``: the
    spike non-linearity's derivative is 1 instead of the ReLU's. Writes dI (gradient of the
    input currents ``W x_t``) and dA (gradient of the tanh's argument, summed into the bias
    gradient); gh, gs, gi : (B, n) work arrays.
    """
    T, _B, n = dY.shape
    alpha, rho, r, rs, z, zhyp, zdep = c[0], c[1], c[2], c[3], c[4], c[5], c[6]
    zero = dY.dtype.type(0.0)
    one = dY.dtype.type(1.0)
    half = dY.dtype.type(0.5)
    inv_rho = one / rho
    carried = H0.shape[0] > 0
    for b in range(b0, b1):
        for j in range(n):
            gh[b, j] = zero
            gs[b, j] = zero
            gi[b, j] = zero
    for t in range(T - 1, -1, -1):
        for b in range(b0, b1):
            for j in range(n):
                if t > 0:
                    h_prev = Hf[t - 1, b, j]
                    s_prev = Hs[t - 1, b, j]
                elif carried:
                    h_prev = H0[b, j]
                    s_prev = S0[b, j]
                else:
                    h_prev = zero
                    s_prev = zero
                h = Hf[t, b, j]
                dy = dY[t, b, j]
                if not straight and h <= zero:
                    dy = zero
                dh = gh[b, j] + dy
                u = rho * tanh(Isyn[t, b, j] * inv_rho)
                q = tanh(u + r * h_prev + rs * s_prev + bias[j])
                da = (one - z) * dh * (one - q * q)
                dA[t, b, j] = da
                w = u * inv_rho
                di = gi[b, j] + da * (one - w * w)
                dI[t, b, j] = di
                zs = zdep if h_prev > half else zhyp
                g_s = gs[b, j]
                gh[b, j] = z * dh + r * da + (one - zs) * g_s
                gs[b, j] = rs * da + zs * g_s
                gi[b, j] = alpha * di


class SRCCell:
    """Configuration of an SRC layer and its forward/backward over a sequence.

    Holds only the constants (no weights, no state between calls); weights come in a
    parameter dict (see :meth:`init`).

    Parameters
    ----------
    synapse_decay : float
        :math:`\\alpha`, the decay of the synaptic integrator per step.
    current_bound : float
        :math:`\\rho`, the bound of the input current.
    fast_feedback, slow_feedback : float
        :math:`r` and :math:`r_s`.
    z, z_hyp, z_dep : float
        The fast variable's update gate and the slow variable's gates below and above
        :math:`h = 1/2`.
    bias_init, bias_max : float
        Initial bias of every unit and the largest bias allowed.
    spike_gradient : {"relu", "identity"}
        Derivative of :math:`y = \\max(h, 0)` used in the backward pass.
    """

    spiking = True
    param_names = ("W", "b")
    weight_names = ("W",)
    # share of (step, sample, unit) with a spike that the input-gain calibration aims at: a
    # spike is two steps wide and followed by about ten silent ones, so an SRC cannot reach
    # the SNU's 30 % (on digits, 5 % gave 0.96 accuracy; 10 % and more saturate the gain)
    calibration_target = 0.05
    # an SRC output layer starts silent (bias -6, slow variable at rest) and may stay so
    calibrate_output = True

    def __init__(
        self, synapse_decay=0.9, current_bound=3.0, fast_feedback=2.0, slow_feedback=-7.0,
        z=0.0, z_hyp=0.9, z_dep=0.0, bias_init=-6.0, bias_max=-4.0, spike_gradient="identity",
    ):  # fmt: skip
        if spike_gradient not in SPIKE_GRADIENTS:
            raise ValueError(
                f"spike_gradient must be one of {SPIKE_GRADIENTS}; got {spike_gradient!r}."
            )
        if current_bound <= 0:
            raise ValueError(f"current_bound must be positive; got {current_bound}.")
        self.constants = tuple(
            float(v)
            for v in (synapse_decay, current_bound, fast_feedback, slow_feedback, z, z_hyp, z_dep)
        )
        self.bias_init = float(bias_init)
        self.bias_max = float(bias_max)
        self.spike_gradient = spike_gradient

    def init(self, rng, n_in, n_out, *, dtype=np.float32, **unused):
        """Glorot-uniform ``W`` (n_in, n_out) and the bias ``b`` at ``bias_init``."""
        limit = np.sqrt(6.0 / (n_in + n_out))
        return {
            "W": rng.uniform(-limit, limit, (n_in, n_out)).astype(dtype),
            "b": np.full(n_out, min(self.bias_init, self.bias_max), dtype=dtype),
        }

    def project(self, params):
        """Keep the bias at most ``bias_max`` (after every update)."""
        np.minimum(params["b"], self.bias_max, out=params["b"])

    def forward(self, params, X, state=None, train=True):
        """Run the layer over ``X`` (T, B, n_in); return the spikes (T, B, n) and the cache.

        ``state``: ``(i, h, h_s)`` of shape (B, n) before the first step (truncated BPTT);
        zero when None. The cache holds the input, the states and the spikes, spikes last.
        """
        W = params["W"]
        T, B, n_in = X.shape
        n = W.shape[1]
        A = (X.reshape(T * B, n_in) @ W).reshape(T, B, n)  # becomes the integrator states
        Hf = np.empty_like(A)
        Hs = np.empty_like(A)
        Y = np.empty_like(A)
        I0, H0, S0 = state_arrays(state, 3, n, W.dtype)
        c = np.asarray(self.constants, dtype=W.dtype)
        run_over_batch(_src_forward_rows, B, A.size, A, params["b"], c, I0, H0, S0, Hf, Hs, Y)
        return Y, (X, A, Hf, Hs, (H0, S0), Y)

    @staticmethod
    def final_state(cache):
        """``(i, h, h_s)`` after the last step: the ``state`` of the next window."""
        _, Isyn, Hf, Hs, _, _ = cache
        return (Isyn[-1].copy(), Hf[-1].copy(), Hs[-1].copy())

    def backward(self, params, cache, dY, need_dX=True):
        """BPTT; returns ``dX`` (or None) and the gradients of ``W`` and ``b``."""
        X, Isyn, Hf, Hs, (H0, S0), _ = cache
        W = params["W"]
        T, B, n_in = X.shape
        n = W.shape[1]
        dtype = W.dtype
        dI = np.empty_like(Isyn)
        dA = np.empty_like(Isyn)
        work = [np.empty((B, n), dtype=dtype) for _ in range(3)]
        c = np.asarray(self.constants, dtype=dtype)
        run_over_batch(
            _src_backward_rows, B, Isyn.size,
            np.ascontiguousarray(dY, dtype=dtype), Isyn, Hf, Hs, params["b"], c,
            self.spike_gradient == "identity", H0, S0, dI, dA, *work,
        )  # fmt: skip
        dI2 = dI.reshape(T * B, n)
        grads = {"W": X.reshape(T * B, n_in).T @ dI2, "b": dA.reshape(T * B, n).sum(axis=0)}
        dX = (dI2 @ W.T).reshape(T, B, n_in) if need_dX else None
        return dX, grads

    @staticmethod
    def active_fraction(params, cache):
        """Share of (step, sample, unit) with a spike (:math:`h_t > 0`), for calibration."""
        return float(np.mean(cache[-1] > 0))

    @staticmethod
    def states(cache):
        """Per-step spikes and fast/slow variables for recording."""
        _, _, Hf, Hs, _, Y = cache
        return {"spikes": Y, "membrane": Hf, "slow": Hs}
