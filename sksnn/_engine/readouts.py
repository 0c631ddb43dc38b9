r"""Readouts: how the last layer's output sequence becomes the network's output.

``mean``
    Classification. The time average of the last layer's outputs (its firing rates), times a
    fixed scale :math:`c`, :math:`z = \frac{c}{T}\sum_t y_t`, used as logits of a softmax.
    No trained parameters. Rates lie in [0, 1]; the scale lets the softmax become confident.
``last``
    Classification by non-spiking recurrent layers: an affine map of the last step,
    :math:`z = y_T W_o + b_o`, used as logits of a softmax.
``linear``
    Sequences. A per-step affine map :math:`z_t = y_t W_o + b_o`; the loss applies the sigmoid
    (``binary``), softmax (``categorical``) or identity (``squared_error``) link.
"""

import numpy as np


class MeanReadout:
    """Scaled time average of the last layer (no trained parameters).

    Parameters
    ----------
    scale : float
        Logits are ``scale * Y.mean(axis=0)``.
    """

    param_names = ()
    weight_names = ()

    def __init__(self, scale=1.0):
        self.scale = float(scale)

    @staticmethod
    def init(rng, n_in, n_out, dtype=np.float32):
        """No parameters."""
        return {}

    def forward(self, params, Y):
        """Return the scaled time average, shape (B, n), and the cache."""
        Z = Y.mean(axis=0)
        Z *= self.scale
        return Z, Y.shape[0]

    def backward(self, params, cache, dZ):
        """Spread the gradient evenly over the time steps."""
        T = cache
        dY = np.empty((T, *dZ.shape), dtype=dZ.dtype)
        dY[...] = dZ * (self.scale / T)
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


class LastReadout(LinearReadout):
    """Affine readout of the last step only, ``z = y_T W + b`` (classification by LSTM/GRU)."""

    def forward(self, params, Y):
        """Return ``Z`` of shape (B, n_out) and the cache."""
        Z = Y[-1] @ params["W"]
        Z += params["b"]
        return Z, Y

    def backward(self, params, cache, dZ):
        """Gradients of the weights and of the last layer's outputs (zero before the end)."""
        Y = cache
        dY = np.zeros_like(Y)
        dY[-1] = dZ @ params["W"].T
        return dY, {"W": Y[-1].T @ dZ, "b": dZ.sum(axis=0)}


READOUTS = {"mean": MeanReadout, "linear": LinearReadout, "last": LastReadout}
