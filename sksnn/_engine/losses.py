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

from ._numba import jit
from .fastmath import sigmoid as _sigmoid
from .fastmath import softplus


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
    """Logistic sigmoid to the last bits of the result's dtype (the output link: small
    probabilities keep their relative precision), stable for large \\|z\\|:
    :math:`\\sigma(z) = e^{\\min(z, 0)} / (1 + e^{-|z|})`, with NumPy's vectorised ``exp``
    and no select (a masked select cost 5x the rest)."""
    z = np.asarray(z)
    if z.dtype not in (np.float32, np.float64):
        z = z.astype(np.float64)
    num = np.minimum(z, 0.0, out=np.empty_like(z))
    np.exp(num, out=num)
    den = np.abs(z, out=np.empty_like(z))
    np.negative(den, out=den)
    np.exp(den, out=den)
    den += 1.0
    num /= den
    return num


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


@jit
def _binary_ce_kernel(Z, Y, mask, scale, dZ):
    """Fused loss and gradient over (T, B, C); mask (T, B) or (0, 0) for none.

    Returns the summed loss (row sums in the arrays' dtype, their total in float64); writes
    ``dZ = (sigma(z) - y) m scale``; the loss of a step is weighted by its mask value.
    """
    T, B, C = Z.shape
    has_mask = mask.shape[0] > 0
    zero = Z.dtype.type(0.0)
    sc = Z.dtype.type(scale)
    total = 0.0
    for t in range(T):
        for b in range(B):
            z = Z[t, b]
            y = Y[t, b]
            d = dZ[t, b]
            m = mask[t, b] if has_mask else Z.dtype.type(1.0)
            if m == zero:
                for c in range(C):
                    d[c] = zero
                continue
            acc = zero
            w = sc * m
            for c in range(C):
                # -[y log s + (1-y) log(1-s)] = softplus(z) - y z, stably
                acc += softplus(z[c]) - y[c] * z[c]
                d[c] = (_sigmoid(z[c]) - y[c]) * w
            total += acc * m
    return total


def binary_ce(Z, Y, mask=None):
    """Sigmoid cross-entropy summed over outputs, averaged over valid steps."""
    n = float(Z.shape[0] * Z.shape[1]) if mask is None else float(mask.sum())
    n = max(n, 1.0)
    Z = np.ascontiguousarray(Z)
    Y = np.ascontiguousarray(Y, dtype=Z.dtype)
    mask = np.empty((0, 0), Z.dtype) if mask is None else np.ascontiguousarray(mask, Z.dtype)
    dZ = np.empty_like(Z)
    total = _binary_ce_kernel(Z, Y, mask, 1.0 / n, dZ)
    return float(total) / n, dZ


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
