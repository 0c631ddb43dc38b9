r"""Spiking Neural Unit (SNU) and soft SNU (sSNU) layers over whole sequences.

Woźniak et al., *Nature Machine Intelligence* 2 (2020). Per layer and time step :math:`t`,
with state and output zero before the first step:

.. math::

    r_{t-1} &= 1 - y_{t-1}
        \quad(\text{lateral inhibition: } r_{t-1} = 1 - \max_j y_{t-1,j}) \\
    s_t &= g\big(W x_t + H y_{t-1} + l \odot s_{t-1} \odot r_{t-1}\big) \\
    y_t &= h(s_t - \theta)

The SNU uses the Heaviside step :math:`h` forward and a surrogate derivative backward
(:mod:`.surrogates`); the sSNU uses the logistic sigmoid and its exact derivative. The
recurrent term :math:`H y_{t-1}` is optional. :math:`\theta` (threshold, initial 1.0) and
:math:`l` (decay, initial 0.8, kept in [0, 1]) are per-unit vectors.

Computation is layer-major: the input projection of all steps is one matrix product over
:math:`(T B, n_{in})`; the elementwise time loop (with the recurrent product, if any) is one
fused Numba kernel; the backward pass is the mirrored reverse kernel, then one product each for
:math:`\partial W`, :math:`\partial H` and :math:`\partial x`.

Backward recursion, with :math:`\delta^y_t` the gradient arriving from outside the layer and
:math:`\delta^v_{t+1}` the gradient of the next pre-activation:

.. math::

    \bar\delta^y_t &= \delta^y_t + \delta^v_{t+1} H^\top
        - \delta^v_{t+1} \odot l \odot s_t \\
    \delta^v_t &= g'(v_t) \odot \big(\bar\delta^y_t \odot h'(s_t - \theta)
        + \delta^v_{t+1} \odot l \odot r_t\big)

and :math:`\partial\theta = -\sum \bar\delta^y_t h'`, :math:`\partial l = \sum
\delta^v_t \odot s_{t-1} \odot r_{t-1}`, :math:`\partial W = X^\top \delta^v`,
:math:`\partial H = Y_{t-1}^\top \delta^v_t`. In the lateral variant the reset gradient
:math:`-\sum_i \delta^v_{t+1,i} l_i s_{t,i}` goes to the first most active unit.
"""

import math

import numpy as np

from ._numba import jit
from .activations import act, act_grad_from_output, activation_code
from .surrogates import default_slope, surrogate_code, surrogate_grad


@jit
def _snu_forward_kernel(A, H, threshold, decay, soft, g_code, lateral, rec, S, Y):
    """Fused SNU time loop.

    A : (T, B, n) input currents ``W x_t``; H : (n, n) recurrent matrix (used as ``y @ H``)
    or (0, 0) for none; rec : (B, n) scratch buffer. Writes S and Y.
    """
    T, B, n = A.shape
    has_rec = H.shape[0] > 0
    for t in range(T):
        if has_rec and t > 0:
            np.dot(Y[t - 1], H, rec)
        for b in range(B):
            r_lat = 1.0
            if lateral and t > 0:
                m = Y[t - 1, b, 0]
                for j in range(1, n):
                    if Y[t - 1, b, j] > m:
                        m = Y[t - 1, b, j]
                r_lat = 1.0 - m
            for j in range(n):
                v = A[t, b, j]
                if t > 0:
                    if has_rec:
                        v += rec[b, j]
                    r = r_lat if lateral else 1.0 - Y[t - 1, b, j]
                    v += decay[j] * S[t - 1, b, j] * r
                s = act(g_code, v)
                S[t, b, j] = s
                u = s - threshold[j]
                if soft:
                    Y[t, b, j] = 1.0 / (1.0 + math.exp(-u))
                else:
                    Y[t, b, j] = 1.0 if u > 0.0 else 0.0


@jit
def _snu_backward_kernel(
    dY, S, Y, HT, threshold, decay, soft, g_code, lateral, s_code, slope, rec, dV, dth, ddec
):
    """Reverse fused SNU time loop.

    dY : (T, B, n) gradient from outside the layer; HT : (n, n) the transposed recurrent
    matrix, C-contiguous, or (0, 0); rec : (B, n)
    scratch. Writes dV (gradient of the pre-activation, i.e. of the input currents) and
    overwrites dth, ddec with the threshold and decay gradients.
    """
    T, B, n = dY.shape
    has_rec = HT.shape[0] > 0
    dth[:] = 0.0
    ddec[:] = 0.0
    for t in range(T - 1, -1, -1):
        nxt = t < T - 1
        if has_rec and nxt:
            np.dot(dV[t + 1], HT, rec)
        for b in range(B):
            lat_grad = 0.0
            arg = 0
            r_lat = 1.0
            if lateral:
                m = Y[t, b, 0]
                for j in range(1, n):
                    if Y[t, b, j] > m:
                        m = Y[t, b, j]
                        arg = j
                r_lat = 1.0 - m
                if nxt:
                    for j in range(n):
                        lat_grad -= dV[t + 1, b, j] * decay[j] * S[t, b, j]
            r_prev_lat = 1.0
            if lateral and t > 0:
                m = Y[t - 1, b, 0]
                for j in range(1, n):
                    if Y[t - 1, b, j] > m:
                        m = Y[t - 1, b, j]
                r_prev_lat = 1.0 - m
            for j in range(n):
                s = S[t, b, j]
                dy = dY[t, b, j]
                ds = 0.0
                if nxt:
                    dvn = dV[t + 1, b, j]
                    if has_rec:
                        dy += rec[b, j]
                    if lateral:
                        ds = dvn * decay[j] * r_lat
                        if j == arg:
                            dy += lat_grad
                    else:
                        dy -= dvn * decay[j] * s
                        ds = dvn * decay[j] * (1.0 - Y[t, b, j])
                if soft:
                    yv = Y[t, b, j]
                    hp = yv * (1.0 - yv)
                else:
                    hp = surrogate_grad(s_code, slope, s - threshold[j])
                dyh = dy * hp
                dth[j] -= dyh
                dv = (dyh + ds) * act_grad_from_output(g_code, s)
                dV[t, b, j] = dv
                if t > 0:
                    r = r_prev_lat if lateral else 1.0 - Y[t - 1, b, j]
                    ddec[j] += dv * S[t - 1, b, j] * r


def snu_init(rng, n_in, n_out, *, recurrent=False, threshold=1.0, decay=0.8, dtype=np.float32):
    """Initial parameters of one SNU layer (Glorot-uniform weights).

    Parameters
    ----------
    rng : numpy.random.Generator
    n_in, n_out : int
    recurrent : bool
        Also create the within-layer matrix ``H``.
    threshold, decay : float
        Initial threshold :math:`\\theta` and decay :math:`l` of every unit.
    dtype : dtype

    Returns
    -------
    dict
        ``W`` (n_in, n_out), ``H`` (n_out, n_out) if recurrent, ``threshold`` (n_out,),
        ``decay`` (n_out,).
    """
    limit = np.sqrt(6.0 / (n_in + n_out))
    params = {"W": rng.uniform(-limit, limit, (n_in, n_out)).astype(dtype)}
    if recurrent:
        lim_h = np.sqrt(6.0 / (2 * n_out))
        params["H"] = rng.uniform(-lim_h, lim_h, (n_out, n_out)).astype(dtype)
    params["threshold"] = np.full(n_out, threshold, dtype=dtype)
    params["decay"] = np.full(n_out, decay, dtype=dtype)
    return params


class SNUCell:
    """Configuration of an SNU/sSNU layer and its forward/backward over a sequence.

    The object holds only hyper-parameters (no weights, no state between calls); weights come
    in a parameter dict (see :func:`snu_init`), so it pickles and can be shared.

    Parameters
    ----------
    soft : bool
        False for the SNU (Heaviside + surrogate), True for the sSNU (sigmoid).
    activation : {"relu", "identity", "leaky_relu"}
        The membrane non-linearity :math:`g`.
    surrogate : str
        Name in :data:`~sksnn._engine.surrogates.SURROGATES` (SNU only).
    slope : float or None
        Surrogate sharpness; the surrogate's default when None.
    lateral : bool
        Lateral-inhibition reset :math:`1 - \\max_j y_{t-1,j}`.
    """

    spiking = True
    param_names = ("W", "H", "threshold", "decay")
    weight_names = ("W", "H")

    def __init__(self, soft=False, activation="relu", surrogate="tanh", slope=None, lateral=False):
        self.soft = bool(soft)
        self.activation = activation
        self.surrogate = surrogate
        self.g_code = activation_code(activation)
        self.s_code = surrogate_code(surrogate)
        self.slope = float(default_slope(surrogate) if slope is None else slope)
        self.lateral = bool(lateral)

    init = staticmethod(snu_init)

    def forward(self, params, X):
        """Run the layer over a sequence.

        Parameters
        ----------
        params : dict
            Layer parameters.
        X : ndarray of shape (T, B, n_in)
            Input sequence, time-major, C-contiguous, of the parameters' dtype.

        Returns
        -------
        Y : ndarray of shape (T, B, n_out)
            Outputs (spikes for the SNU).
        cache : tuple
            What :meth:`backward` needs.
        """
        W = params["W"]
        T, B, n_in = X.shape
        n = W.shape[1]
        A = (X.reshape(T * B, n_in) @ W).reshape(T, B, n)
        H = params.get("H")
        if H is None:
            H = np.empty((0, 0), dtype=W.dtype)
        S = np.empty_like(A)
        Y = np.empty_like(A)
        rec = np.empty((B, n), dtype=W.dtype)
        _snu_forward_kernel(
            A, H, params["threshold"], params["decay"], self.soft, self.g_code,
            self.lateral, rec, S, Y,
        )  # fmt: skip
        return Y, (X, S, Y)

    def backward(self, params, cache, dY, need_dX=True):
        """Backpropagation through time for one layer.

        Parameters
        ----------
        params : dict
        cache : tuple
            From :meth:`forward`.
        dY : ndarray of shape (T, B, n_out)
            Gradient of the loss with respect to the outputs, from outside the layer.
        need_dX : bool
            Compute the gradient with respect to the input (skipped for the first layer).

        Returns
        -------
        dX : ndarray of shape (T, B, n_in) or None
        grads : dict
            Same keys as ``params``.
        """
        X, S, Y = cache
        W = params["W"]
        T, B, n_in = X.shape
        n = W.shape[1]
        H = params.get("H")
        HT = np.ascontiguousarray(H.T) if H is not None else np.empty((0, 0), W.dtype)
        dV = np.empty_like(S)
        dth = np.empty(n, dtype=W.dtype)
        ddec = np.empty(n, dtype=W.dtype)
        rec = np.empty((B, n), dtype=W.dtype)
        _snu_backward_kernel(
            np.ascontiguousarray(dY, dtype=W.dtype), S, Y, HT, params["threshold"],
            params["decay"], self.soft, self.g_code, self.lateral, self.s_code, self.slope,
            rec, dV, dth, ddec,
        )  # fmt: skip
        dV2 = dV.reshape(T * B, n)
        grads = {"W": X.reshape(T * B, n_in).T @ dV2, "threshold": dth, "decay": ddec}
        if H is not None:
            grads["H"] = Y[:-1].reshape(-1, n).T @ dV[1:].reshape(-1, n)
        dX = (dV2 @ W.T).reshape(T, B, n_in) if need_dX else None
        return dX, grads

    @staticmethod
    def states(cache):
        """Per-step internal states for recording: spikes (outputs) and membrane states."""
        return {"spikes": cache[2], "membrane": cache[1]}
