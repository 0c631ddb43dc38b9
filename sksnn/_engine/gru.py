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

import numpy as np

from ._numba import jit
from .fastmath import sigmoid, tanh
from .lstm import _uniform_init, dense_grads, project
from .parallel import run_over_batch
from .state import state_arrays


@jit
def _gru_forward_kernel(A, H, b_hn, H0, G, HN, Y, rec, b0, b1):
    """A (T, B, 3n); H (n, 3n); writes gates G (r, z, n), HN = u_n + b_hn, outputs Y for the
    batch rows ``b0:b1`` (see :mod:`.parallel`).

    H0 (B, n): the output before the first step (truncated BPTT), or (0, n) for zero.
    rec (B, 3n) scratch, zero at t = 0 without a state, so one loop serves every step.
    """
    T, _B, n3 = A.shape
    n = n3 // 3
    one = A.dtype.type(1.0)
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
            u = rec[b]
            g_ = G[t, b]
            hn_ = HN[t, b]
            y_ = Y[t, b]
            if t > 0:
                hp = Y[t - 1, b]
            elif has_state:
                hp = H0[b]
            else:
                hp = zeros
            for j in range(n):
                r = sigmoid(a[j] + u[j])
                z = sigmoid(a[n + j] + u[n + j])
                hn = u[2 * n + j] + b_hn[j]
                nn = tanh(a[2 * n + j] + r * hn)
                g_[j] = r
                g_[n + j] = z
                g_[2 * n + j] = nn
                hn_[j] = hn
                y_[j] = (one - z) * nn + z * hp[j]


@jit
def _gru_backward_kernel(dY, G, HN, Y, H0, HT, dA, dR, dh_carry, rec, b0, b1):
    """Reverse loop. HT (3n, n) = H.T; writes dA (input-side pre-activations) and dR (the
    gradient of h_{t-1} H); dh_carry (B, n) scratch."""
    T, _B, n3 = G.shape
    n = n3 // 3
    one = G.dtype.type(1.0)
    zeros = np.zeros(n, dtype=G.dtype)
    rec[b0:b1] = 0.0
    dh_carry[b0:b1] = 0.0
    for t in range(T - 1, -1, -1):
        if t < T - 1:
            np.dot(dR[t + 1, b0:b1], HT, rec[b0:b1])
        for b in range(b0, b1):
            dy = dY[t, b]
            u = rec[b]
            carry = dh_carry[b]
            g_ = G[t, b]
            hn_ = HN[t, b]
            da = dA[t, b]
            dr = dR[t, b]
            if t > 0:
                hp = Y[t - 1, b]
            elif H0.shape[0] > 0:
                hp = H0[b]
            else:
                hp = zeros
            for j in range(n):
                dh = dy[j] + u[j] + carry[j]
                r = g_[j]
                z = g_[n + j]
                nn = g_[2 * n + j]
                dn = dh * (one - z) * (one - nn * nn)
                daz = dh * (hp[j] - nn) * z * (one - z)
                dar = dn * hn_[j] * r * (one - r)
                da[j] = dar
                da[n + j] = daz
                da[2 * n + j] = dn
                dr[j] = dar
                dr[n + j] = daz
                dr[2 * n + j] = dn * r
                carry[j] = dh * z


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

    def forward(self, params, X, state=None, train=True):
        """Run over X (T, B, n_in); return outputs (T, B, n) and the cache.

        ``state``: ``(h,)`` of shape (B, n) before the first step (truncated BPTT); zero when
        None.
        """
        W = params["W"]
        T, B = X.shape[:2]
        n3 = W.shape[1]
        n = n3 // 3
        A = project(X, W, params["b"])
        G = np.empty_like(A)
        HN = np.empty((T, B, n), dtype=W.dtype)
        Y = np.empty_like(HN)
        rec = np.empty((B, n3), dtype=W.dtype)
        (H0,) = state_arrays(state, 1, n, W.dtype)
        run_over_batch(
            _gru_forward_kernel, B, A.size, A, params["H"], params["b_hn"], H0, G, HN, Y, rec
        )
        return Y, (X, G, HN, H0, Y)

    @staticmethod
    def final_state(cache):
        """The ``(h,)`` after the last step: the ``state`` of the next window."""
        return (cache[-1][-1].copy(),)

    def backward(self, params, cache, dY, need_dX=True):
        """BPTT; returns ``dX`` (or None) and the gradients."""
        X, G, HN, H0, Y = cache
        W, H = params["W"], params["H"]
        B = X.shape[1]
        n = H.shape[0]
        dA = np.empty_like(G)
        dR = np.empty_like(G)
        run_over_batch(
            _gru_backward_kernel, B, G.size,
            np.ascontiguousarray(dY, dtype=W.dtype), G, HN, Y, H0, np.ascontiguousarray(H.T),
            dA, dR, np.empty((B, n), dtype=W.dtype), np.empty((B, n), dtype=W.dtype),
        )  # fmt: skip
        dX, grads = dense_grads(X, Y, dA, dR, W, need_dX, H0)
        grads["b_hn"] = dR[..., 2 * n :].sum(axis=(0, 1))
        return dX, grads

    @staticmethod
    def states(cache):
        """Per-step hidden output for recording."""
        return {"hidden": cache[-1]}
