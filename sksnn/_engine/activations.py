r"""The membrane non-linearity :math:`g` of the SNU, chosen by name.

=============  =====================================  ==================================
name           :math:`g(v)`                           :math:`g'(v)`, from :math:`s=g(v)`
=============  =====================================  ==================================
relu           :math:`\max(v, 0)` (SNU paper)         1 if :math:`s > 0` else 0
identity       :math:`v`                              1
leaky_relu     :math:`v` if :math:`v>0` else          1 if :math:`s > 0` else 0.01
               :math:`0.01\,v`
=============  =====================================  ==================================

The derivative is read from the stored post-:math:`g` state :math:`s`, since every
:math:`g` here keeps the sign of :math:`v`; the kernels therefore never store :math:`v`.
"""

from ._numba import jit

#: name -> kernel code
ACTIVATIONS = {"relu": 0, "identity": 1, "leaky_relu": 2}

LEAKY_SLOPE = 0.01


def activation_code(name):
    """Return the kernel code of an activation name, with a clear error for unknown names."""
    try:
        return ACTIVATIONS[name]
    except KeyError:
        raise ValueError(
            f"Unknown activation {name!r}; valid names are {sorted(ACTIVATIONS)}."
        ) from None


@jit(inline="always")
def act_row(code, S, t, b):
    """Apply :math:`g` in place to the row ``S[t, b]`` of a (T, B, n) array (row kernel,
    branch outside the loop).

    Written as selects that keep NaN, so a diverging fit stays visible.
    """
    zero = S.dtype.type(0.0)
    if code == 0:
        for j in range(S.shape[2]):
            x = S[t, b, j]
            S[t, b, j] = x if x > zero else zero * x
    elif code == 2:
        leak = S.dtype.type(LEAKY_SLOPE)
        for j in range(S.shape[2]):
            x = S[t, b, j]
            S[t, b, j] = x if x > zero else leak * x


@jit(inline="always")
def act_grad_row(code, S, D, t, b):
    """Multiply ``D[t, b]`` in place by :math:`g'(v)`, read from :math:`s = g(v)` in
    ``S[t, b]`` (row kernel)."""
    zero = D.dtype.type(0.0)
    if code == 0:
        for j in range(D.shape[2]):
            d = D[t, b, j]
            D[t, b, j] = d if S[t, b, j] > zero else zero * d
    elif code == 2:
        leak = D.dtype.type(LEAKY_SLOPE)
        for j in range(D.shape[2]):
            d = D[t, b, j]
            D[t, b, j] = d if S[t, b, j] > zero else leak * d
