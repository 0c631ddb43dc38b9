r"""Surrogate derivatives of the Heaviside step, chosen by name plus one slope.

The SNU forward pass emits :math:`y = H(u)` with :math:`u = s - \theta`; the backward pass
replaces :math:`H'(u)` (zero almost everywhere) by a smooth surrogate with one sharpness
parameter :math:`k`. The same names mean different things across SNN libraries, so each one is
defined here by its formula:

==================  ==================================================  ==============
name                derivative :math:`\partial y / \partial u`          default k
==================  ==================================================  ==============
tanh (SNU paper)    :math:`k\,(1 - \tanh^2(k u))`                       1.0
sigmoid             :math:`k\,\sigma(k u)\,(1 - \sigma(k u))`           4.0
fast_sigmoid        :math:`1 / (1 + k\,|u|)^2` (SuperSpike)             10.0
atan                :math:`(k/2) / (1 + (\pi k u / 2)^2)`               2.0
triangle            :math:`k \max(0, 1 - k\,|u|)`                       1.0
straight_through    :math:`1`                                           (unused)
==================  ==================================================  ==============

The default slopes give every surrogate a peak of 1 at :math:`u = 0` (except ``sigmoid``,
whose peak is :math:`k/4 = 1` as well), so they can be swapped without retuning the learning
rate. The registry :data:`SURROGATES` is read both by parameter validation and by the kernels.
"""

import math

import numpy as np

from ._numba import jit
from .fastmath import sigmoid_grad, tanh

#: name -> (kernel code, default slope)
SURROGATES = {
    "tanh": (0, 1.0),
    "sigmoid": (1, 4.0),
    "fast_sigmoid": (2, 10.0),
    "atan": (3, 2.0),
    "triangle": (4, 1.0),
    "straight_through": (5, 1.0),
}


def surrogate_code(name):
    """Return the kernel code of a surrogate name, with a clear error for unknown names."""
    try:
        return SURROGATES[name][0]
    except KeyError:
        raise ValueError(
            f"Unknown surrogate {name!r}; valid names are {sorted(SURROGATES)}."
        ) from None


def default_slope(name):
    """Return the default slope ``k`` of a surrogate."""
    surrogate_code(name)
    return SURROGATES[name][1]


@jit(inline="always")
def surrogate_row(code, k, S, t, b, threshold, out):
    """``out[t, b, j] = h'(S[t, b, j] - threshold[j])`` for surrogate ``code``, slope ``k``.

    Row kernel on (T, B, n) arrays, indexed directly (a row view per (t, b) costs more than a
    short row's arithmetic): the branch on ``code`` sits outside the loops, and the arithmetic
    stays in the arrays' dtype, so each loop is vectorised (see :mod:`.fastmath`).
    """
    one = S.dtype.type(1.0)
    zero = S.dtype.type(0.0)
    k = S.dtype.type(k)
    n = S.shape[2]
    if code == 0:
        for j in range(n):
            h = tanh(k * (S[t, b, j] - threshold[j]))
            out[t, b, j] = k * (one - h * h)
    elif code == 1:
        for j in range(n):
            out[t, b, j] = k * sigmoid_grad(k * (S[t, b, j] - threshold[j]))
    elif code == 2:
        for j in range(n):
            d = one + k * abs(S[t, b, j] - threshold[j])
            out[t, b, j] = one / (d * d)
    elif code == 3:
        c = S.dtype.type(0.5 * math.pi) * k
        half_k = S.dtype.type(0.5) * k
        for j in range(n):
            a = c * (S[t, b, j] - threshold[j])
            out[t, b, j] = half_k / (one + a * a)
    elif code == 4:
        for j in range(n):
            out[t, b, j] = k * max(zero, one - k * abs(S[t, b, j] - threshold[j]))
    else:
        for j in range(n):
            out[t, b, j] = one


@jit
def _surrogate_array(code, k, u, out):
    flat_u = u.ravel()
    surrogate_row(
        code, k, flat_u.reshape(1, 1, -1), 0, 0, np.zeros_like(flat_u), out.reshape(1, 1, -1)
    )


def surrogate_derivative(name, u, slope=None):
    """Evaluate a surrogate derivative elementwise.

    Parameters
    ----------
    name : str
        One of :data:`SURROGATES`.
    u : array-like
        Distance to threshold, :math:`s - \\theta`.
    slope : float, optional
        Sharpness :math:`k`; the surrogate's default when omitted.

    Returns
    -------
    ndarray
        The derivative, same shape as ``u`` (float64 unless ``u`` is float32).
    """
    code = surrogate_code(name)
    k = default_slope(name) if slope is None else float(slope)
    u = np.asarray(u)
    dtype = u.dtype if u.dtype in (np.float32, np.float64) else np.float64
    u = np.ascontiguousarray(u, dtype=dtype)
    out = np.empty_like(u)
    _surrogate_array(code, k, u, out)
    return out
