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
from .parallel import run_over_batch
from .state import state_arrays


@jit
def _rnn_forward_kernel(A, H, H0, Y, rec, b0, b1):
    T, _B, n = A.shape
    rec[b0:b1] = 0.0
    for t in range(T):
        if t > 0:
            np.dot(Y[t - 1, b0:b1], H, rec[b0:b1])
        elif H0.shape[0] > 0:
            np.dot(H0[b0:b1], H, rec[b0:b1])
        for b in range(b0, b1):
            a = A[t, b]
            u = rec[b]
            y = Y[t, b]
            for j in range(n):
                y[j] = tanh(a[j] + u[j])


@jit
def _rnn_backward_kernel(dY, Y, HT, dA, rec, b0, b1):
    T, _B, n = Y.shape
    one = Y.dtype.type(1.0)
    rec[b0:b1] = 0.0
    for t in range(T - 1, -1, -1):
        if t < T - 1:
            np.dot(dA[t + 1, b0:b1], HT, rec[b0:b1])
        for b in range(b0, b1):
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

    def forward(self, params, X, state=None, train=True):
        """Run over X (T, B, n_in); return outputs (T, B, n) and the cache.

        ``state``: ``(h,)`` of shape (B, n) before the first step (truncated BPTT); zero when
        None.
        """
        W = params["W"]
        B, n = X.shape[1], W.shape[1]
        A = project(X, W, params["b"])
        Y = np.empty_like(A)
        rec = np.empty((B, n), dtype=W.dtype)
        (H0,) = state_arrays(state, 1, n, W.dtype)
        run_over_batch(_rnn_forward_kernel, B, A.size, A, params["H"], H0, Y, rec)
        return Y, (X, H0, Y)

    @staticmethod
    def final_state(cache):
        """The ``(h,)`` after the last step: the ``state`` of the next window."""
        return (cache[-1][-1].copy(),)

    def backward(self, params, cache, dY, need_dX=True):
        """BPTT; returns ``dX`` (or None) and the gradients."""
        X, H0, Y = cache
        W, H = params["W"], params["H"]
        B = X.shape[1]
        n = H.shape[0]
        dA = np.empty_like(Y)
        run_over_batch(
            _rnn_backward_kernel, B, Y.size,
            np.ascontiguousarray(dY, dtype=W.dtype), Y, np.ascontiguousarray(H.T), dA,
            np.empty((B, n), dtype=W.dtype),
        )  # fmt: skip
        return dense_grads(X, Y, dA, dA, W, need_dX, H0)

    @staticmethod
    def states(cache):
        """Per-step hidden output for recording."""
        return {"hidden": cache[-1]}
