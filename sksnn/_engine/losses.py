r"""Losses and their gradients with respect to the network output.

Classification (``mean`` readout, logits :math:`z` of shape (B, C)):

``softmax_ce``
    :math:`L = -\frac{1}{B}\sum_b \log \mathrm{softmax}(z_b)_{c_b}`.

Sequences (per-step outputs :math:`z_t` of shape (T, B, C), a mask :math:`m_{t,b}\in\{0,1\}`
of valid steps, :math:`N = \sum m`):

``binary``
    Multi-label sigmoid cross-entropy summed over the C outputs and averaged over valid
    steps (the JSB convention: NLL per time step),
    :math:`L = -\frac{1}{N}\sum_{t,b} m_{t,b}\sum_c [y\log\sigma(z) + (1-y)\log(1-\sigma(z))]`.
``categorical``
    Softmax cross-entropy per step, averaged over valid steps; targets are one-hot.
``squared_error``
    :math:`L = \frac{1}{N}\sum_{t,b} m_{t,b}\,\frac12\sum_c (z - y)^2`.

Every function returns ``(loss, dZ)`` with ``dZ`` the gradient of ``L`` with respect to the
output (zero at masked steps), so padding never contributes.
"""

import numpy as np


def _log_softmax(z):
    z = z - z.max(axis=-1, keepdims=True)
    return z - np.log(np.exp(z).sum(axis=-1, keepdims=True))


def softmax(z):
    """Softmax over the last axis."""
    return np.exp(_log_softmax(z))


def log_softmax(z):
    """Log-softmax over the last axis (stable)."""
    return _log_softmax(z)


def sigmoid(z):
    """Logistic sigmoid (stable for large \\|z\\|)."""
    out = np.empty_like(z)
    pos = z >= 0
    out[pos] = 1.0 / (1.0 + np.exp(-z[pos]))
    ez = np.exp(z[~pos])
    out[~pos] = ez / (1.0 + ez)
    return out


def softmax_ce(z, Y):
    """Mean softmax cross-entropy of logits ``z`` (B, C) against one-hot ``Y`` (B, C)."""
    logp = _log_softmax(z)
    B = z.shape[0]
    loss = -float((Y * logp).sum()) / B
    return loss, (np.exp(logp) - Y) / B


def _valid(mask, shape):
    if mask is None:
        return None, float(shape[0] * shape[1])
    return mask[..., None], float(mask.sum())


def binary_ce(Z, Y, mask=None):
    """Sigmoid cross-entropy summed over outputs, averaged over valid steps."""
    m, n = _valid(mask, Z.shape)
    # -[y log s + (1-y) log(1-s)] = softplus(z) - y z, stably
    per = np.logaddexp(0.0, Z) - Y * Z
    dZ = sigmoid(Z) - Y
    if m is not None:
        per = per * m
        dZ = dZ * m
    return float(per.sum()) / max(n, 1.0), dZ / max(n, 1.0)


def categorical_ce(Z, Y, mask=None):
    """Softmax cross-entropy per step (one-hot targets), averaged over valid steps."""
    m, n = _valid(mask, Z.shape)
    logp = _log_softmax(Z)
    per = -(Y * logp)
    dZ = np.exp(logp) - Y
    if m is not None:
        per = per * m
        dZ = dZ * m
    return float(per.sum()) / max(n, 1.0), dZ / max(n, 1.0)


def squared_error(Z, Y, mask=None):
    """Half squared error summed over outputs, averaged over valid steps."""
    m, n = _valid(mask, Z.shape)
    diff = Z - Y
    if m is not None:
        diff = diff * m
    return 0.5 * float((diff * diff).sum()) / max(n, 1.0), diff / max(n, 1.0)


def identity(z):
    """The identity link."""
    return z


#: loss name -> (function, output link applied at prediction)
LOSSES = {
    "softmax_ce": (softmax_ce, softmax),
    "binary": (binary_ce, sigmoid),
    "categorical": (categorical_ce, softmax),
    "squared_error": (squared_error, identity),
}
