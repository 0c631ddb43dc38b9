r"""Gated recurrent unit layer (a baseline of the SNU paper), as PyTorch's ``nn.GRU``.

Per time step, gates in PyTorch's order r, z, n along the 3n axis:

.. math::

    \begin{aligned}
    (a_r, a_z, a_n) &= x_t W + b, \qquad (u_r, u_z, u_n) = h_{t-1} H \\
    r &= \sigma(a_r + u_r), \quad z = \sigma(a_z + u_z), \quad
    n = \tanh\big(a_n + r \odot (u_n + b_{hn})\big) \\
    h_t &= (1 - z) \odot n + z \odot h_{t-1}
    \end{aligned}

with :math:`h_0 = 0`. Mapping to PyTorch: ``W = weight_ih_l0.T``, ``H = weight_hh_l0.T``,
``b = bias_ih_l0 + [bias_hh_r, bias_hh_z, 0]``, ``b_hn = bias_hh_n`` (it sits inside the reset
gate, so it cannot be folded into ``b``).
"""

import math

import numpy as np

from ._numba import jit
from .lstm import _sig, _uniform_init, dense_grads, project


@jit
def _gru_forward_kernel(A, H, b_hn, G, HN, Y, rec):
    """A (T, B, 3n); H (n, 3n); writes gates G (r, z, n), HN = u_n + b_hn, outputs Y."""
    T, B, n3 = A.shape
    n = n3 // 3
    for t in range(T):
        if t > 0:
            np.dot(Y[t - 1], H, rec)
        for b in range(B):
            for j in range(n):
                ar = A[t, b, j]
                az = A[t, b, n + j]
                hn = b_hn[j]
                h_prev = 0.0
                if t > 0:
                    ar += rec[b, j]
                    az += rec[b, n + j]
                    hn += rec[b, 2 * n + j]
                    h_prev = Y[t - 1, b, j]
                r = _sig(ar)
                z = _sig(az)
                nn = math.tanh(A[t, b, 2 * n + j] + r * hn)
                G[t, b, j] = r
                G[t, b, n + j] = z
                G[t, b, 2 * n + j] = nn
                HN[t, b, j] = hn
                Y[t, b, j] = (1.0 - z) * nn + z * h_prev


@jit
def _gru_backward_kernel(dY, G, HN, Y, HT, dA, dR, dh_carry, rec):
    """Reverse loop. HT (3n, n) = H.T; writes dA (input-side pre-activations) and dR (the
    gradient of h_{t-1} H); dh_carry (B, n) scratch."""
    T, B, n3 = G.shape
    n = n3 // 3
    for t in range(T - 1, -1, -1):
        nxt = t < T - 1
        if nxt:
            np.dot(dR[t + 1], HT, rec)
        for b in range(B):
            for j in range(n):
                dh = dY[t, b, j]
                if nxt:
                    dh += rec[b, j] + dh_carry[b, j]
                r = G[t, b, j]
                z = G[t, b, n + j]
                nn = G[t, b, 2 * n + j]
                h_prev = Y[t - 1, b, j] if t > 0 else 0.0
                dn = dh * (1.0 - z) * (1.0 - nn * nn)
                daz = dh * (h_prev - nn) * z * (1.0 - z)
                dar = dn * HN[t, b, j] * r * (1.0 - r)
                dA[t, b, j] = dar
                dA[t, b, n + j] = daz
                dA[t, b, 2 * n + j] = dn
                dR[t, b, j] = dar
                dR[t, b, n + j] = daz
                dR[t, b, 2 * n + j] = dn * r
                dh_carry[b, j] = dh * z


class GRUCell:
    """A GRU layer over whole sequences (stateless configuration; weights in a dict)."""

    spiking = False
    param_names = ("W", "H", "b", "b_hn")
    weight_names = ("W", "H")

    @staticmethod
    def init(rng, n_in, n_out, *, recurrent=True, dtype=np.float32, **unused):
        """PyTorch-style uniform initialisation."""
        params = _uniform_init(rng, n_in, n_out, 3, dtype)
        k = 1.0 / np.sqrt(n_out)
        params["b_hn"] = rng.uniform(-k, k, n_out).astype(dtype)
        return params

    def forward(self, params, X):
        """Run over X (T, B, n_in); return outputs (T, B, n) and the cache."""
        W = params["W"]
        T, B = X.shape[:2]
        n3 = W.shape[1]
        n = n3 // 3
        A = project(X, W, params["b"])
        G = np.empty_like(A)
        HN = np.empty((T, B, n), dtype=W.dtype)
        Y = np.empty_like(HN)
        rec = np.empty((B, n3), dtype=W.dtype)
        _gru_forward_kernel(A, params["H"], params["b_hn"], G, HN, Y, rec)
        return Y, (X, G, HN, Y)

    def backward(self, params, cache, dY, need_dX=True):
        """BPTT; returns ``dX`` (or None) and the gradients."""
        X, G, HN, Y = cache
        W, H = params["W"], params["H"]
        B = X.shape[1]
        n = H.shape[0]
        dA = np.empty_like(G)
        dR = np.empty_like(G)
        _gru_backward_kernel(
            np.ascontiguousarray(dY, dtype=W.dtype), G, HN, Y, np.ascontiguousarray(H.T), dA,
            dR, np.empty((B, n), dtype=W.dtype), np.empty((B, n), dtype=W.dtype),
        )  # fmt: skip
        dX, grads = dense_grads(X, Y, dA, dR, W, need_dX)
        grads["b_hn"] = dR[..., 2 * n :].sum(axis=(0, 1))
        return dX, grads

    @staticmethod
    def states(cache):
        """Per-step hidden output for recording."""
        return {"hidden": cache[3]}
