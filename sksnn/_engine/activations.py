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
def act(code, v):
    """:math:`g(v)` for activation ``code`` (scalar kernel)."""
    if code == 0:
        return v if v > 0.0 else 0.0 * v
    if code == 2:
        return v if v > 0.0 else LEAKY_SLOPE * v
    return v


@jit(inline="always")
def act_grad_from_output(code, s):
    """:math:`g'(v)` computed from :math:`s = g(v)` (scalar kernel)."""
    if code == 0:
        return 1.0 if s > 0.0 else 0.0
    if code == 2:
        return 1.0 if s > 0.0 else LEAKY_SLOPE
    return 1.0
