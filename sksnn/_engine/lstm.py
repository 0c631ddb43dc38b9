r"""Long short-term memory layer (the baseline of the SNU paper), as PyTorch's ``nn.LSTM``.

Per time step, with gates in PyTorch's order i, f, g, o along the 4n axis:

.. math::

    \begin{aligned}
    (a_i, a_f, a_g, a_o) &= x_t W + h_{t-1} H + b \\
    i &= \sigma(a_i),\quad f = \sigma(a_f),\quad g = \tanh(a_g),\quad o = \sigma(a_o) \\
    c_t &= f \odot c_{t-1} + i \odot g, \qquad h_t = o \odot \tanh(c_t)
    \end{aligned}

with :math:`h_0 = c_0 = 0`. Mapping to PyTorch: ``W = weight_ih_l0.T`` (n_in, 4n),
``H = weight_hh_l0.T`` (n, 4n), ``b = bias_ih_l0 + bias_hh_l0``. Initialisation as PyTorch:
every entry uniform in :math:`\pm 1/\sqrt{n}`.

The input projection of all steps is one matrix product; the time loop (with the recurrent
product) is one fused Numba kernel, mirrored by the backward kernel:

.. math::

    \delta c_t = \delta h_t\, o\, (1 - \tanh^2 c_t) + \delta c_{t+1} f_{t+1}, \quad
    \delta a_i = \delta c_t\, g\, i(1-i), \quad \delta a_f = \delta c_t\, c_{t-1} f(1-f),

:math:`\delta a_g = \delta c_t\, i\,(1-g^2)`, :math:`\delta a_o = \delta h_t \tanh(c_t)\,
o(1-o)`, and :math:`\delta h_{t-1} \mathrel{+}= \delta a_t H^\top`.
"""

import numpy as np

from ._numba import jit
from .fastmath import sigmoid, tanh
from .parallel import run_over_batch
from .state import state_arrays


@jit
def _lstm_forward_kernel(A, H, H0, C0, G, C, Y, rec, b0, b1):
    """A (T, B, 4n) input projections with bias; H (n, 4n); writes gates G, cells C, outputs Y
    for the batch rows ``b0:b1`` (see :mod:`.parallel`).

    H0, C0 (B, n): output and cell before the first step (truncated BPTT), or (0, n) for zero.
    rec (B, 4n) scratch. At t = 0 the recurrent term and the previous cell are zero buffers
    (without a state), so one branch-free loop per row serves every step (vectorised; see
    :mod:`.fastmath`).
    """
    T, _B, n4 = A.shape
    n = n4 // 4
    zeros = np.zeros(n, dtype=A.dtype)
    has_state = H0.shape[0] > 0
    rec[b0:b1] = 0.0
    for t in range(T):
        if t > 0:
            np.dot(Y[t - 1, b0:b1], H, rec[b0:b1])
        elif has_state:
            np.dot(H0[b0:b1], H, rec[b0:b1])
        for b in range(b0, b1):
            a = A[t, b]
            r = rec[b]
            g_ = G[t, b]
            c_ = C[t, b]
            y_ = Y[t, b]
            if t > 0:
                cp = C[t - 1, b]
            elif has_state:
                cp = C0[b]
            else:
                cp = zeros
            for j in range(n):
                i = sigmoid(a[j] + r[j])
                f = sigmoid(a[n + j] + r[n + j])
                g = tanh(a[2 * n + j] + r[2 * n + j])
                o = sigmoid(a[3 * n + j] + r[3 * n + j])
                c = f * cp[j] + i * g
                g_[j] = i
                g_[n + j] = f
                g_[2 * n + j] = g
                g_[3 * n + j] = o
                c_[j] = c
                y_[j] = o * tanh(c)


@jit
def _lstm_backward_kernel(dY, G, C, C0, HT, dA, dc, rec, b0, b1):
    """Reverse loop. HT (4n, n) = H.T contiguous; dc (B, n) scratch; writes dA (T, B, 4n)."""
    T, _B, n4 = G.shape
    n = n4 // 4
    one = G.dtype.type(1.0)
    zeros = np.zeros(n, dtype=G.dtype)
    rec[b0:b1] = 0.0
    dc[b0:b1] = 0.0
    for t in range(T - 1, -1, -1):
        if t < T - 1:
            np.dot(dA[t + 1, b0:b1], HT, rec[b0:b1])
        for b in range(b0, b1):
            dy = dY[t, b]
            r = rec[b]
            g_ = G[t, b]
            c_ = C[t, b]
            d = dA[t, b]
            dcb = dc[b]  # already times f_{t+1}; zero at the last step
            if t > 0:
                cp = C[t - 1, b]
            elif C0.shape[0] > 0:
                cp = C0[b]
            else:
                cp = zeros
            for j in range(n):
                dh = dy[j] + r[j]
                i = g_[j]
                f = g_[n + j]
                g = g_[2 * n + j]
                o = g_[3 * n + j]
                tc = tanh(c_[j])
                dct = dh * o * (one - tc * tc) + dcb[j]
                d[j] = dct * g * i * (one - i)
                d[n + j] = dct * cp[j] * f * (one - f)
                d[2 * n + j] = dct * i * (one - g * g)
                d[3 * n + j] = dh * tc * o * (one - o)
                dcb[j] = dct * f


def _uniform_init(rng, n_in, n, n_gates, dtype):
    k = 1.0 / np.sqrt(n)
    return {
        "W": rng.uniform(-k, k, (n_in, n_gates * n)).astype(dtype),
        "H": rng.uniform(-k, k, (n, n_gates * n)).astype(dtype),
        "b": (rng.uniform(-k, k, n_gates * n) + rng.uniform(-k, k, n_gates * n)).astype(dtype),
    }


def project(X, W, b):
    """Input projection of all steps in one matrix product: ``X W + b``, shape (T, B, m)."""
    T, B, n_in = X.shape
    A = (X.reshape(T * B, n_in) @ W).reshape(T, B, W.shape[1])
    A += b
    return A


def dense_grads(X, Y, dA, dR, W, need_dX, Y0=None):
    """Gradients of a gated layer from its pre-activation gradients, one product each.

    ``dA`` (T, B, m) is the gradient of the input-side pre-activations ``X W + b``; ``dR``
    that of the recurrent products ``Y_{t-1} H`` (the same array for LSTM and RNN); ``Y0``
    (B, n) the output before the first step, if any (truncated BPTT).
    Returns ``dX`` (or None) and the gradients of ``W``, ``H`` and ``b``.
    """
    T, B, n_in = X.shape
    n = Y.shape[2]
    dA2 = dA.reshape(T * B, -1)
    grads = {
        "W": X.reshape(T * B, n_in).T @ dA2,
        "H": Y[:-1].reshape(-1, n).T @ dR[1:].reshape(-1, dR.shape[2]),
        "b": dA2.sum(axis=0),
    }
    if Y0 is not None and Y0.shape[0]:
        grads["H"] += Y0.T @ dR[0]
    dX = (dA2 @ W.T).reshape(T, B, n_in) if need_dX else None
    return dX, grads


class LSTMCell:
    """An LSTM layer over whole sequences (stateless configuration; weights in a dict)."""

    spiking = False
    param_names = ("W", "H", "b")
    weight_names = ("W", "H")

    @staticmethod
    def init(rng, n_in, n_out, *, recurrent=True, dtype=np.float32, **unused):
        """PyTorch-style uniform initialisation of ``W``, ``H`` and ``b``."""
        return _uniform_init(rng, n_in, n_out, 4, dtype)

    def forward(self, params, X, state=None, train=True):
        """Run over X (T, B, n_in); return outputs (T, B, n) and the cache.

        ``state``: ``(h, c)`` of shape (B, n) before the first step (from :meth:`final_state`
        of the previous window, truncated BPTT); zero when None.
        """
        W = params["W"]
        T, B, _ = X.shape
        A = project(X, W, params["b"])
        n4 = W.shape[1]
        n = n4 // 4
        G = np.empty_like(A)
        C = np.empty((T, B, n), dtype=W.dtype)
        Y = np.empty_like(C)
        rec = np.empty((B, n4), dtype=W.dtype)
        H0, C0 = state_arrays(state, 2, n, W.dtype)
        run_over_batch(_lstm_forward_kernel, B, A.size, A, params["H"], H0, C0, G, C, Y, rec)
        return Y, (X, G, C, (H0, C0), Y)

    @staticmethod
    def final_state(cache):
        """The ``(h, c)`` after the last step: the ``state`` of the next window."""
        return cache[-1][-1].copy(), cache[2][-1].copy()

    def backward(self, params, cache, dY, need_dX=True):
        """BPTT; returns ``dX`` (or None) and the gradients of ``W``, ``H``, ``b``."""
        X, G, C, (H0, C0), Y = cache
        W, H = params["W"], params["H"]
        B = X.shape[1]
        n = H.shape[0]
        dA = np.empty_like(G)
        run_over_batch(
            _lstm_backward_kernel, B, G.size,
            np.ascontiguousarray(dY, dtype=W.dtype), G, C, C0, np.ascontiguousarray(H.T), dA,
            np.empty((B, n), dtype=W.dtype), np.empty((B, n), dtype=W.dtype),
        )  # fmt: skip
        return dense_grads(X, Y, dA, dA, W, need_dX, H0)

    @staticmethod
    def states(cache):
        """Per-step internal states for recording: hidden output and cell state."""
        return {"hidden": cache[-1], "cell": cache[2]}
