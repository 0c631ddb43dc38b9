r"""Plain tanh recurrent layer (Elman RNN), as PyTorch's ``nn.RNN``.

.. math::

    h_t = \tanh(x_t W + h_{t-1} H + b), \qquad h_0 = 0

Mapping to PyTorch: ``W = weight_ih_l0.T``, ``H = weight_hh_l0.T``,
``b = bias_ih_l0 + bias_hh_l0``. Backward:
:math:`\delta a_t = (\delta h_t + \delta a_{t+1} H^\top)(1 - h_t^2)`.
"""

import numpy as np

from ._numba import jit
from .fastmath import tanh
from .lstm import _uniform_init, dense_grads, project


@jit
def _rnn_forward_kernel(A, H, Y, rec):
    T, B, n = A.shape
    rec[:] = 0.0
    for t in range(T):
        if t > 0:
            np.dot(Y[t - 1], H, rec)
        for b in range(B):
            a = A[t, b]
            u = rec[b]
            y = Y[t, b]
            for j in range(n):
                y[j] = tanh(a[j] + u[j])


@jit
def _rnn_backward_kernel(dY, Y, HT, dA, rec):
    T, B, n = Y.shape
    one = Y.dtype.type(1.0)
    rec[:] = 0.0
    for t in range(T - 1, -1, -1):
        if t < T - 1:
            np.dot(dA[t + 1], HT, rec)
        for b in range(B):
            dy = dY[t, b]
            u = rec[b]
            y = Y[t, b]
            d = dA[t, b]
            for j in range(n):
                d[j] = (dy[j] + u[j]) * (one - y[j] * y[j])


class RNNCell:
    """A tanh RNN layer over whole sequences (stateless configuration; weights in a dict)."""

    spiking = False
    param_names = ("W", "H", "b")
    weight_names = ("W", "H")

    @staticmethod
    def init(rng, n_in, n_out, *, recurrent=True, dtype=np.float32, **unused):
        """PyTorch-style uniform initialisation."""
        return _uniform_init(rng, n_in, n_out, 1, dtype)

    def forward(self, params, X):
        """Run over X (T, B, n_in); return outputs (T, B, n) and the cache."""
        W = params["W"]
        B, n = X.shape[1], W.shape[1]
        A = project(X, W, params["b"])
        Y = np.empty_like(A)
        _rnn_forward_kernel(A, params["H"], Y, np.empty((B, n), dtype=W.dtype))
        return Y, (X, Y)

    def backward(self, params, cache, dY, need_dX=True):
        """BPTT; returns ``dX`` (or None) and the gradients."""
        X, Y = cache
        W, H = params["W"], params["H"]
        B = X.shape[1]
        n = H.shape[0]
        dA = np.empty_like(Y)
        _rnn_backward_kernel(
            np.ascontiguousarray(dY, dtype=W.dtype), Y, np.ascontiguousarray(H.T), dA,
            np.empty((B, n), dtype=W.dtype),
        )  # fmt: skip
        return dense_grads(X, Y, dA, dA, W, need_dX)

    @staticmethod
    def states(cache):
        """Per-step hidden output for recording."""
        return {"hidden": cache[1]}
