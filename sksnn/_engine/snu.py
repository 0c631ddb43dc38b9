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

import numpy as np

from ._numba import jit
from .activations import act_grad_row, act_row, activation_code
from .events import EVENT_MODES, add_weight_rows, event_grad, use_events
from .fastmath import sigmoid
from .parallel import batch_chunks, run_over_batch, run_slices
from .state import state_arrays
from .surrogates import default_slope, surrogate_code, surrogate_row
from .workspace import empty


@jit(inline="always")
def _row_max(Y, t, b):
    m = Y[t, b, 0]
    for j in range(1, Y.shape[2]):
        m = Y[t, b, j] if Y[t, b, j] > m else m
    return m


@jit(inline="always")
def _row_argmax(Y, t, b):
    m = Y[t, b, 0]
    arg = 0
    for j in range(1, Y.shape[2]):
        if Y[t, b, j] > m:
            m = Y[t, b, j]
            arg = j
    return arg


@jit
def _snu_forward_rows(
    S, H, threshold, decay, soft, g_code, lateral, S0, Y0, Y, starts, ends, indices, W, b0, b1
):  # fmt: skip
    """Fused SNU time loop over the batch rows ``b0:b1``.

    S : (T, B, n) the input currents ``W x_t`` on entry, overwritten by the states (each
    element is read just before it is written); H : (n, n) recurrent matrix (used as
    ``y @ H``) or (0, 0) for none; S0, Y0 : (B, n) state and output before the first step (a
    previous window of truncated BPTT), or (0, n) for zero. Writes Y.

    Event input (``starts`` of length T B, else empty): row ``t B + b`` of the input is given
    by its active inputs ``indices[starts[r]:ends[r]]``, and its current is summed from the
    rows of W into ``S[t, b]`` just before the step uses it (S need not hold anything on
    entry): the currents are never a separate pass over memory.

    Each (t, b) row runs a few short loops over the units with every branch on the
    configuration hoisted out of them, so each loop compiles to SIMD code; the arrays are
    indexed directly (a view per row would cost more than a short row's arithmetic). The
    currents and the states share one array, updated in place (``S[t, b] += ...``): with a
    separate currents array that is the same memory, LLVM's overlap check at run time fails
    and the loops fall back to scalar code (2.5 times slower on config A).
    """
    T, B, n = S.shape
    one = S.dtype.type(1.0)
    zero = S.dtype.type(0.0)
    has_rec = H.shape[0] > 0
    has_state = S0.shape[0] > 0
    events_in = starts.shape[0] > 0
    S0_ = S0.reshape(1, S0.shape[0], n)  # the step before the first, as a (1, B, n) slab
    Y0_ = Y0.reshape(1, Y0.shape[0], n)
    rec = np.empty((b1 - b0, n), dtype=S.dtype)
    for t in range(T):
        if has_rec and t > 0:
            np.dot(Y[t - 1, b0:b1], H, rec)
        elif has_rec and has_state:
            np.dot(Y0[b0:b1], H, rec)
        if t > 0:
            PS, PY, tp = S, Y, t - 1
        else:
            PS, PY, tp = S0_, Y0_, 0
        for b in range(b0, b1):
            if events_in:
                add_weight_rows(indices, starts[t * B + b], ends[t * B + b], W, S[t, b])
            if t > 0 or has_state:
                if lateral:
                    r = one - _row_max(PY, tp, b)
                    for j in range(n):
                        S[t, b, j] += decay[j] * PS[tp, b, j] * r
                else:
                    for j in range(n):
                        S[t, b, j] += decay[j] * PS[tp, b, j] * (one - PY[tp, b, j])
                if has_rec:
                    for j in range(n):
                        S[t, b, j] += rec[b - b0, j]
            act_row(g_code, S, t, b)
            if soft:
                for j in range(n):
                    Y[t, b, j] = sigmoid(S[t, b, j] - threshold[j])
            else:
                for j in range(n):
                    Y[t, b, j] = one if S[t, b, j] > threshold[j] else zero


@jit
def _snu_backward_rows(
    dY, S, Y, HT, threshold, decay, soft, g_code, lateral, s_code, slope, S0, Y0, b0, b1, dV,
    dth, ddec,
):  # fmt: skip
    """Reverse fused SNU time loop over the batch rows ``b0:b1``.

    dY : (T, B, n) gradient from outside the layer; HT : (n, n) the transposed recurrent
    matrix, C-contiguous, or (0, 0). Writes dV (gradient of the pre-activation, i.e. of the
    input currents; it may be dY itself) and overwrites dth, ddec (n,) with these rows'
    threshold and decay gradients. S0, Y0 as in the forward kernel (no gradient flows into
    them: truncated BPTT).
    """
    T, _, n = dY.shape
    one = dY.dtype.type(1.0)
    has_rec = HT.shape[0] > 0
    has_state = S0.shape[0] > 0
    S0_ = S0.reshape(1, S0.shape[0], n)
    Y0_ = Y0.reshape(1, Y0.shape[0], n)
    dth[:] = 0.0
    ddec[:] = 0.0
    dy = np.empty(n, dtype=dY.dtype)
    rec = np.empty((b1 - b0, n), dtype=dY.dtype)
    for t in range(T - 1, -1, -1):
        nxt = t < T - 1
        if has_rec and nxt:
            np.dot(dV[t + 1, b0:b1], HT, rec)
        if t > 0:
            PS, PY, tp = S, Y, t - 1
        else:
            PS, PY, tp = S0_, Y0_, 0
        for b in range(b0, b1):
            # dy <- total gradient of y_t (from outside, through H and through the reset);
            # read before dV[t, b] is written, as dV may share dY's memory
            if has_rec and nxt:
                for j in range(n):
                    dy[j] = dY[t, b, j] + rec[b - b0, j]
            else:
                for j in range(n):
                    dy[j] = dY[t, b, j]
            # dV[t, b] <- h'(s - theta)
            if soft:
                for j in range(n):
                    dV[t, b, j] = Y[t, b, j] * (one - Y[t, b, j])
            else:
                surrogate_row(s_code, slope, S, t, b, threshold, dV)
            if nxt:
                if lateral:
                    r_lat = one - _row_max(Y, t, b)
                    lat_grad = dY.dtype.type(0.0)
                    for j in range(n):
                        lat_grad -= dV[t + 1, b, j] * decay[j] * S[t, b, j]
                    dy[_row_argmax(Y, t, b)] += lat_grad
                    for j in range(n):
                        dyh = dy[j] * dV[t, b, j]
                        dth[j] -= dyh
                        dV[t, b, j] = dyh + dV[t + 1, b, j] * decay[j] * r_lat
                else:
                    for j in range(n):
                        dn = dV[t + 1, b, j] * decay[j]
                        dyh = (dy[j] - dn * S[t, b, j]) * dV[t, b, j]
                        dth[j] -= dyh
                        dV[t, b, j] = dyh + dn * (one - Y[t, b, j])
            else:
                for j in range(n):
                    dyh = dy[j] * dV[t, b, j]
                    dth[j] -= dyh
                    dV[t, b, j] = dyh
            act_grad_row(g_code, S, dV, t, b)
            if t > 0 or has_state:
                if lateral:
                    r = one - _row_max(PY, tp, b)
                    for j in range(n):
                        ddec[j] += dV[t, b, j] * PS[tp, b, j] * r
                else:
                    for j in range(n):
                        ddec[j] += dV[t, b, j] * PS[tp, b, j] * (one - PY[tp, b, j])


_NO_ROWS = np.empty(0, dtype=np.int64)
_NO_INDICES = np.empty(0, dtype=np.int32)


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

    def __init__(
        self, soft=False, activation="relu", surrogate="tanh", slope=None, lateral=False,
        spike_path="auto",
    ):  # fmt: skip
        if spike_path not in EVENT_MODES:
            raise ValueError(f"spike_path must be one of {EVENT_MODES}; got {spike_path!r}.")
        self.spike_path = spike_path
        self.soft = bool(soft)
        self.activation = activation
        self.surrogate = surrogate
        self.g_code = activation_code(activation)
        self.s_code = surrogate_code(surrogate)
        self.slope = float(default_slope(surrogate) if slope is None else slope)
        self.lateral = bool(lateral)

    init = staticmethod(snu_init)

    def forward(self, params, X, state=None, train=True):
        """Run the layer over a sequence.

        Parameters
        ----------
        params : dict
            Layer parameters.
        X : ndarray of shape (T, B, n_in)
            Input sequence, time-major, C-contiguous, of the parameters' dtype.
        state : tuple of ndarray or None
            ``(s, y)`` of shape (B, n_out) before the first step, from :meth:`final_state`
            of the previous window (truncated BPTT); zero when None.
        train : bool
            Whether a backward pass follows. Part of every cell's interface; the SNU takes the
            same path either way (the two break even at about the same spike density).

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
        X2 = X.reshape(T * B, n_in)
        # binary, sparse input (spikes): accumulate the weight rows of the active inputs,
        # inside the time loop (the currents are never a separate pass over memory)
        ev = use_events(getattr(self, "spike_path", "auto"), X2, n)
        if ev is None:
            # the states overwrite the currents in place
            S = np.matmul(X2, W, out=empty((T * B, n), W.dtype)).reshape(T, B, n)
            starts = ends = _NO_ROWS
            indices = _NO_INDICES
            work = S.size
        else:
            S = empty((T, B, n), W.dtype)
            starts, ends, indices = ev.starts, ev.ends, ev.indices
            # an event's additions run 8 or 16 to a vector: split over the threads from
            # about 7 M additions (config A's input layer, 128 images: 18 M, gained)
            work = S.size + ev.n_active * n // 2
        H = params.get("H")
        if H is None:
            H = np.empty((0, 0), dtype=W.dtype)
        Y = empty((T, B, n), W.dtype)
        S0, Y0 = state_arrays(state, 2, n, W.dtype)
        run_over_batch(
            _snu_forward_rows, B, work, S, H, params["threshold"], params["decay"], self.soft,
            self.g_code, self.lateral, S0, Y0, Y, starts, ends, indices, W,
        )  # fmt: skip
        return Y, (X, S, (S0, Y0), ev, Y)

    @staticmethod
    def active_fraction(params, cache):
        """Share of (step, sample, unit) whose state exceeds the threshold (calibration)."""
        return float(np.mean(cache[1] > params["threshold"]))

    @staticmethod
    def final_state(cache):
        """The ``(s, y)`` after the last step: the ``state`` of the next window."""
        S, Y = cache[1], cache[-1]
        return S[-1].copy(), Y[-1].copy()

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
        X, S, (S0, Y0), ev, Y = cache
        W = params["W"]
        T, B, n_in = X.shape
        n = W.shape[1]
        H = params.get("H")
        HT = np.ascontiguousarray(H.T) if H is not None else np.empty((0, 0), W.dtype)
        dV = empty(S.shape, W.dtype)
        args = (
            np.ascontiguousarray(dY, dtype=W.dtype), S, Y, HT, params["threshold"],
            params["decay"], self.soft, self.g_code, self.lateral, self.s_code, self.slope,
            S0, Y0,
        )  # fmt: skip
        with batch_chunks(B, S.size) as k:
            dth = np.empty((k, n), dtype=W.dtype)
            ddec = np.empty((k, n), dtype=W.dtype)
            if k == 1:
                _snu_backward_rows(*args, 0, B, dV, dth[0], ddec[0])
            else:
                run_slices(
                    lambda c, b0, b1: _snu_backward_rows(*args, b0, b1, dV, dth[c], ddec[c]),
                    B, k,
                )  # fmt: skip
        dth, ddec = dth.sum(axis=0), ddec.sum(axis=0)
        dV2 = dV.reshape(T * B, n)
        dW = X.reshape(T * B, n_in).T @ dV2 if ev is None else event_grad(ev, dV2)
        grads = {"W": dW, "threshold": dth, "decay": ddec}
        if H is not None:
            grads["H"] = Y[:-1].reshape(-1, n).T @ dV[1:].reshape(-1, n)
            if Y0.shape[0]:
                grads["H"] += Y0.T @ dV[0]
        dX = None
        if need_dX:
            dX = np.matmul(dV2, W.T, out=empty((T * B, n_in), W.dtype)).reshape(T, B, n_in)
        return dX, grads

    @staticmethod
    def states(cache):
        """Per-step internal states for recording: spikes (outputs) and membrane states."""
        return {"spikes": cache[-1], "membrane": cache[1]}
