r"""Readouts: how the last layer's output sequence becomes the network's output.

``mean``
    Classification. The time average of the last layer's outputs (its firing rates),
    :math:`z = \frac{1}{T}\sum_t y_t`, used as logits of a softmax. No parameters.
``linear``
    Sequences. A per-step affine map :math:`z_t = y_t W_o + b_o`; the loss applies the sigmoid
    (``binary``), softmax (``categorical``) or identity (``squared_error``) link.
"""

import numpy as np


class MeanReadout:
    """Time average of the last layer (no parameters)."""

    param_names = ()
    weight_names = ()

    @staticmethod
    def init(rng, n_in, n_out, dtype=np.float32):
        """No parameters."""
        return {}

    @staticmethod
    def forward(params, Y):
        """Return the time average ``Y.mean(axis=0)`` of shape (B, n) and the cache."""
        return Y.mean(axis=0), Y.shape[0]

    @staticmethod
    def backward(params, cache, dZ):
        """Spread the gradient evenly over the time steps."""
        T = cache
        dY = np.empty((T, *dZ.shape), dtype=dZ.dtype)
        dY[...] = dZ / T
        return dY, {}


class LinearReadout:
    """Per-step affine readout ``z_t = y_t W + b`` (Glorot-uniform ``W``, zero ``b``)."""

    param_names = ("W", "b")
    weight_names = ("W",)

    @staticmethod
    def init(rng, n_in, n_out, dtype=np.float32):
        """Glorot-uniform weights, zero bias."""
        limit = np.sqrt(6.0 / (n_in + n_out))
        return {
            "W": rng.uniform(-limit, limit, (n_in, n_out)).astype(dtype),
            "b": np.zeros(n_out, dtype=dtype),
        }

    @staticmethod
    def forward(params, Y):
        """Return ``Z`` of shape (T, B, n_out) and the cache."""
        T, B, n = Y.shape
        Z = (Y.reshape(T * B, n) @ params["W"]).reshape(T, B, -1)
        Z += params["b"]
        return Z, Y

    @staticmethod
    def backward(params, cache, dZ):
        """Gradients of the weights and of the last layer's outputs."""
        Y = cache
        T, B, n = Y.shape
        dZ2 = dZ.reshape(T * B, -1)
        grads = {"W": Y.reshape(T * B, n).T @ dZ2, "b": dZ2.sum(axis=0)}
        return (dZ2 @ params["W"].T).reshape(T, B, n), grads


READOUTS = {"mean": MeanReadout, "linear": LinearReadout}
