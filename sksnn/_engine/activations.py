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
def act_row(code, v):
    """Apply :math:`g` in place to the vector ``v`` (row kernel, branch outside the loop).

    Written as selects that keep NaN, so a diverging fit stays visible.
    """
    zero = v.dtype.type(0.0)
    if code == 0:
        for j in range(v.shape[0]):
            x = v[j]
            v[j] = x if x > zero else zero * x
    elif code == 2:
        leak = v.dtype.type(LEAKY_SLOPE)
        for j in range(v.shape[0]):
            x = v[j]
            v[j] = x if x > zero else leak * x


@jit(inline="always")
def act_grad_row(code, s, d):
    """Multiply ``d`` in place by :math:`g'(v)`, read from :math:`s = g(v)` (row kernel)."""
    zero = d.dtype.type(0.0)
    if code == 0:
        for j in range(d.shape[0]):
            d[j] = d[j] if s[j] > zero else zero * d[j]
    elif code == 2:
        leak = d.dtype.type(LEAKY_SLOPE)
        for j in range(d.shape[0]):
            d[j] = d[j] if s[j] > zero else leak * d[j]
