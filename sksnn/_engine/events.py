r"""Event-driven products for binary spike inputs.

A layer's input current :math:`A = X W` and its weight gradient :math:`\partial W = X^\top
\delta` are dense matrix products. When :math:`X` holds spikes (0/1) and few of them, both are
cheaper as row accumulation over the active inputs only:

.. math::

    A_r = \sum_{i:\,X_{ri} = 1} W_i, \qquad \partial W_i = \sum_{r:\,X_{ri} = 1} \delta_r ,

that is :math:`\mathrm{nnz}(X)\cdot n_{out}` additions instead of
:math:`2\,R\,n_{in}\,n_{out}` flops. :func:`to_events` builds the compact form once per batch
(for each row, the indices of its active inputs), checking on the way that :math:`X` is binary;
:func:`event_matmul` and :func:`event_grad` are the two products. The results equal the dense
products up to the order of the float additions.

Whether the event path pays depends on the density of spikes: :func:`use_events` compares it
with :data:`BREAK_EVEN_DENSITY`, measured on this kind of machine (``benchmarks/speed``): above
it the dense GEMM is faster.
"""

import numpy as np

from ._numba import jit
from .parallel import batch_chunks, run_slices

#: spike density above which the dense products are faster, for a training step (forward and
#: weight gradient share the events) and for a forward pass alone; measured with
#: ``benchmarks/speed/events.py`` on 2 cores (784 -> 256, 2560 rows)
BREAK_EVEN_DENSITY = 0.10
BREAK_EVEN_DENSITY_FORWARD = 0.06

EVENT_MODES = ("auto", "dense", "event")


@jit
def _events_kernel(X, indptr, indices, max_active):
    """Compressed rows of the ones of X (R, n): row r's active inputs are
    ``indices[indptr[r]:indptr[r + 1]]``. ``indices`` holds ``max_active + n + 1`` entries.

    Returns the number of ones, or -1 as soon as X holds a value other than 0 and 1, or -2 when
    more than ``max_active`` ones are found (the dense path is then faster anyway).
    """
    R, n = X.shape
    zero = X.dtype.type(0.0)
    one = X.dtype.type(1.0)
    total = 0
    indptr[0] = 0
    for r in range(R):
        x = X[r]
        for i in range(n):
            v = x[i]
            if v != zero:  # rare in a sparse spike train: a well-predicted branch
                if v != one:
                    return -1
                indices[total] = i
                total += 1
        indptr[r + 1] = total
        if total > max_active:
            return -2
    return total


class Events:
    """The active inputs of a binary (R, n) matrix in compressed rows (see :func:`to_events`).

    ``indptr`` (R + 1,) and ``indices``: row r's active inputs are
    ``indices[indptr[r]:indptr[r + 1]]``; ``density`` is the fraction of ones.
    """

    __slots__ = ("density", "indices", "indptr", "n_active", "shape")

    def __init__(self, indptr, indices, n_active, shape):
        self.indptr = indptr
        self.indices = indices
        self.n_active = n_active
        self.shape = shape
        self.density = n_active / max(shape[0] * shape[1], 1)


def to_events(X2, max_density=1.0):
    """Compact form of a binary matrix, or None when it is not binary or too dense.

    Parameters
    ----------
    X2 : ndarray of shape (R, n)
        C-contiguous, floating.
    max_density : float
        Give up (return None) once more than this fraction of the entries are ones.

    Returns
    -------
    Events or None
    """
    R, n = X2.shape
    max_active = min(int(max_density * R * n), R * n)
    indptr = np.empty(R + 1, dtype=np.int64)
    indices = np.empty(min(max_active + n, R * n) + 1, dtype=np.int32)
    total = _events_kernel(X2, indptr, indices, max_active)
    if total < 0:
        return None
    return Events(indptr, indices, int(total), (R, n))


@jit
def _event_matmul_rows(indptr, indices, W, out, r0, r1):
    n_out = W.shape[1]
    zero = W.dtype.type(0.0)
    for r in range(r0, r1):
        o = out[r]
        for j in range(n_out):
            o[j] = zero
        for c in range(indptr[r], indptr[r + 1]):
            w = W[indices[c]]
            for j in range(n_out):
                o[j] += w[j]


@jit
def _event_grad_rows(indptr, indices, D, dW, r0, r1):
    n_out = D.shape[1]
    for r in range(r0, r1):
        d = D[r]
        for c in range(indptr[r], indptr[r + 1]):
            g = dW[indices[c]]
            for j in range(n_out):
                g[j] += d[j]


def event_matmul(ev, W):
    """``X @ W`` for the binary ``X`` behind ``ev``; shape (R, n_out)."""
    R = ev.shape[0]
    out = np.empty((R, W.shape[1]), dtype=W.dtype)
    with batch_chunks(R, ev.n_active * W.shape[1]) as k:
        if k == 1:
            _event_matmul_rows(ev.indptr, ev.indices, W, out, 0, R)
        else:
            run_slices(
                lambda c, r0, r1: _event_matmul_rows(ev.indptr, ev.indices, W, out, r0, r1), R, k
            )
    return out


def event_grad(ev, D):
    """``X.T @ D`` for the binary ``X`` behind ``ev``; shape (n_in, n_out)."""
    R, n_in = ev.shape
    with batch_chunks(R, ev.n_active * D.shape[1]) as k:
        parts = np.zeros((k, n_in, D.shape[1]), dtype=D.dtype)
        if k == 1:
            _event_grad_rows(ev.indptr, ev.indices, D, parts[0], 0, R)
        else:
            run_slices(
                lambda c, r0, r1: _event_grad_rows(ev.indptr, ev.indices, D, parts[c], r0, r1),
                R,
                k,
            )
    return parts[0] if k == 1 else parts.sum(axis=0)


def use_events(mode, X2, train=True):
    """The events of ``X2`` when ``mode`` asks for the event path (or allows it, "auto").

    "dense": None. "event": the events whenever ``X2`` is binary. "auto": the events when
    ``X2`` is binary and its density is below :data:`BREAK_EVEN_DENSITY` (with ``train``) or
    :data:`BREAK_EVEN_DENSITY_FORWARD` (a forward pass alone).
    """
    if mode == "dense":
        return None
    if mode == "event":
        return to_events(X2)
    return to_events(X2, BREAK_EVEN_DENSITY if train else BREAK_EVEN_DENSITY_FORWARD)
