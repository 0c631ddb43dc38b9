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

import math

import numpy as np

from ._numba import jit


@jit(inline="always")
def _sig(x):
    # branch-free (branches on the sign mispredict on real data: 2x slower); exp(-x)
    # overflowing to inf gives the right limit 0
    return 1.0 / (1.0 + math.exp(-x))


@jit
def _lstm_forward_kernel(A, H, G, C, Y, rec):
    """A (T, B, 4n) input projections with bias; H (n, 4n); writes gates G, cells C, outputs Y."""
    T, B, n4 = A.shape
    n = n4 // 4
    for t in range(T):
        if t > 0:
            np.dot(Y[t - 1], H, rec)
        for b in range(B):
            for j in range(n):
                ai = A[t, b, j]
                af = A[t, b, n + j]
                ag = A[t, b, 2 * n + j]
                ao = A[t, b, 3 * n + j]
                c = 0.0
                if t > 0:
                    ai += rec[b, j]
                    af += rec[b, n + j]
                    ag += rec[b, 2 * n + j]
                    ao += rec[b, 3 * n + j]
                i = _sig(ai)
                f = _sig(af)
                g = math.tanh(ag)
                o = _sig(ao)
                if t > 0:
                    c = f * C[t - 1, b, j]
                c += i * g
                G[t, b, j] = i
                G[t, b, n + j] = f
                G[t, b, 2 * n + j] = g
                G[t, b, 3 * n + j] = o
                C[t, b, j] = c
                Y[t, b, j] = o * math.tanh(c)


@jit
def _lstm_backward_kernel(dY, G, C, HT, dA, dc, rec):
    """Reverse loop. HT (4n, n) = H.T contiguous; dc (B, n) scratch; writes dA (T, B, 4n)."""
    T, B, n4 = G.shape
    n = n4 // 4
    for t in range(T - 1, -1, -1):
        nxt = t < T - 1
        if nxt:
            np.dot(dA[t + 1], HT, rec)
        for b in range(B):
            for j in range(n):
                dh = dY[t, b, j]
                if nxt:
                    dh += rec[b, j]
                i = G[t, b, j]
                f = G[t, b, n + j]
                g = G[t, b, 2 * n + j]
                o = G[t, b, 3 * n + j]
                tc = math.tanh(C[t, b, j])
                dct = dh * o * (1.0 - tc * tc)
                if nxt:
                    dct += dc[b, j]  # already times f_{t+1}
                c_prev = C[t - 1, b, j] if t > 0 else 0.0
                dA[t, b, j] = dct * g * i * (1.0 - i)
                dA[t, b, n + j] = dct * c_prev * f * (1.0 - f)
                dA[t, b, 2 * n + j] = dct * i * (1.0 - g * g)
                dA[t, b, 3 * n + j] = dh * tc * o * (1.0 - o)
                dc[b, j] = dct * f


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


def dense_grads(X, Y, dA, dR, W, need_dX):
    """Gradients of a gated layer from its pre-activation gradients, one product each.

    ``dA`` (T, B, m) is the gradient of the input-side pre-activations ``X W + b``; ``dR``
    that of the recurrent products ``Y_{t-1} H`` (the same array for LSTM and RNN).
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

    def forward(self, params, X):
        """Run over X (T, B, n_in); return outputs (T, B, n) and the cache."""
        W = params["W"]
        T, B, _ = X.shape
        A = project(X, W, params["b"])
        n4 = W.shape[1]
        n = n4 // 4
        G = np.empty_like(A)
        C = np.empty((T, B, n), dtype=W.dtype)
        Y = np.empty_like(C)
        _lstm_forward_kernel(A, params["H"], G, C, Y, np.empty((B, n4), dtype=W.dtype))
        return Y, (X, G, C, Y)

    def backward(self, params, cache, dY, need_dX=True):
        """BPTT; returns ``dX`` (or None) and the gradients of ``W``, ``H``, ``b``."""
        X, G, C, Y = cache
        W, H = params["W"], params["H"]
        B = X.shape[1]
        n = H.shape[0]
        dA = np.empty_like(G)
        _lstm_backward_kernel(
            np.ascontiguousarray(dY, dtype=W.dtype), G, C, np.ascontiguousarray(H.T), dA,
            np.empty((B, n), dtype=W.dtype), np.empty((B, n), dtype=W.dtype),
        )  # fmt: skip
        return dense_grads(X, Y, dA, dA, W, need_dX)

    @staticmethod
    def states(cache):
        """Per-step internal states for recording: hidden output and cell state."""
        return {"hidden": cache[3], "cell": cache[2]}
