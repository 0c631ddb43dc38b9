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
def surrogate_grad(code, k, u):
    """Surrogate derivative number ``code`` with slope ``k`` at ``u`` (scalar kernel)."""
    if code == 0:
        t = math.tanh(k * u)
        return k * (1.0 - t * t)
    if code == 1:
        ku = k * u
        # stable sigma(x) (1 - sigma(x)) = e^{-|x|} / (1 + e^{-|x|})^2
        e = math.exp(-abs(ku))
        return k * e / ((1.0 + e) * (1.0 + e))
    if code == 2:
        d = 1.0 + k * abs(u)
        return 1.0 / (d * d)
    if code == 3:
        a = 0.5 * math.pi * k * u
        return 0.5 * k / (1.0 + a * a)
    if code == 4:
        return k * max(0.0, 1.0 - k * abs(u))
    return 1.0


@jit
def _surrogate_array(code, k, u, out):
    flat_u = u.ravel()
    flat_out = out.ravel()
    for i in range(flat_u.size):
        flat_out[i] = surrogate_grad(code, k, flat_u[i])


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
