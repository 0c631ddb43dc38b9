r"""Event-driven products for binary spike inputs.

A layer's input current :math:`A = X W` and its weight gradient :math:`\partial W = X^\top
\delta` are dense matrix products. When :math:`X` holds spikes (0/1) and few of them, both are
cheaper as row accumulation over the active inputs only:

.. math::

    A_r = \sum_{i:\,X_{ri} = 1} W_i, \qquad \partial W_i = \sum_{r:\,X_{ri} = 1} \delta_r ,

that is :math:`\mathrm{nnz}(X)\cdot n_{out}` additions instead of
:math:`2\,R\,n_{in}\,n_{out}` flops.

The compact form (:class:`Events`) lists, for each row, the indices of its active inputs:
row :math:`r`'s are ``indices[starts[r]:ends[r]]``. :func:`to_events` builds it from a dense
matrix row by row (a vectorised count that also checks that the row is binary and stops early
when the matrix is too dense, then the extraction, 64 entries at a time through a bit mask).
:func:`event_matmul` and :func:`event_grad` are the two products; they equal the dense products
up to the order of the float additions. An SNU layer sums its input currents from the events
inside its time loop (:mod:`.snu`).

Whether the event path pays depends on the density of spikes and on the width of the layer:
:func:`use_events` compares the density with :func:`break_even_density`, measured on this kind
of machine (``benchmarks/speed``): above it the dense GEMM is faster.
"""

import numpy as np

from ._numba import jit, nonzero_bits, trailing_zeros
from .parallel import batch_chunks, run_slices, slice_bounds
from .workspace import empty

#: Break-even spike density of the event path against the dense products, by the number of
#: output units of the layer (below it the event path is faster), measured with
#: ``benchmarks/speed/events.py`` on the 2-core machine (2560 rows; 784 or 256 inputs). A
#: training step and a forward pass alone break even at about the same density. Linear in
#: between, the last value above 256.
BREAK_EVEN_OUTPUTS = (16, 32, 64, 150, 256)
BREAK_EVEN_DENSITIES = (0.0, 0.03, 0.085, 0.11, 0.19)

#: Layers with fewer outputs than this (in practice a classifier's output layer) follow the
#: rule of the widest layers. Their product costs little either way (config A's 256 -> 10
#: layer: 0.14 ms dense, 0.3 ms as events), but in a forward pass whose other layers run on
#: events, their BLAS call is the only one: it wakes OpenBLAS's worker thread, which then
#: spins (about 0.1 s by default) on the core the event kernels of the next batch need; that
#: cost 1.6 ms of a 4.3 ms config-A prediction of 128 images.
NARROW = 16

EVENT_MODES = ("auto", "dense", "event")

#: :func:`to_events` first makes room for this fraction of ones
FIRST_GUESS_DENSITY = 0.25
#: the scan of a matrix for its events costs about this many elements of a time loop per
#: entry (:func:`~.parallel.batch_chunks`): config A's input (2560 x 784) is split over the
#: threads (0.44 against 0.54 ms, just after the batch was written)
SCAN_WORK = 4


# ---------------------------------------------------------------------- row helpers
@jit(inline="always")
def add_weight_rows(indices, c0, c1, W, out):
    """``out[:] = sum(W[indices[c]] for c in range(c0, c1))``, 8 rows per pass over ``out``.

    Summing eight weight rows before touching ``out`` loads and stores ``out`` once per eight
    events instead of once per event, which is what bounds a plain one-row-at-a-time loop.
    """
    n = W.shape[1]
    for j in range(n):
        out[j] = 0.0
    c = c0
    while c + 8 <= c1:
        w0 = W[indices[c]]
        w1 = W[indices[c + 1]]
        w2 = W[indices[c + 2]]
        w3 = W[indices[c + 3]]
        w4 = W[indices[c + 4]]
        w5 = W[indices[c + 5]]
        w6 = W[indices[c + 6]]
        w7 = W[indices[c + 7]]
        for j in range(n):
            out[j] += ((w0[j] + w1[j]) + (w2[j] + w3[j])) + ((w4[j] + w5[j]) + (w6[j] + w7[j]))
        c += 8
    while c + 2 <= c1:
        w0 = W[indices[c]]
        w1 = W[indices[c + 1]]
        for j in range(n):
            out[j] += w0[j] + w1[j]
        c += 2
    if c < c1:
        w0 = W[indices[c]]
        for j in range(n):
            out[j] += w0[j]


@jit(inline="always")
def emit_ones(x, out, start):
    """Write the positions of the non-zeros of the 1-D ``x`` to ``out[start:]``; return how
    many. Each 64 entries become one bit mask first (a vector compare), whose set bits are
    then read off."""
    n = x.shape[0]
    zero = x.dtype.type(0.0)
    k = start
    n_words = n // 64
    one = np.uint64(1)
    for w in range(n_words):
        base = w * 64
        m = nonzero_bits(x, base)
        while m:
            out[k] = base + np.int64(trailing_zeros(m))
            k += 1
            m &= m - one
    for i in range(n_words * 64, n):
        if x[i] != zero:
            out[k] = i
            k += 1
    return k - start


# ---------------------------------------------------------------------- building events
@jit
def _events_rows(X, starts, ends, indices, base, cap, r0, r1, found, c):
    """The ones of rows ``r0:r1`` of X (R, n): row r's go to ``indices[starts[r]:ends[r]]``,
    the rows one after the other from ``indices[base]`` on, in at most ``cap`` entries.

    Returns 0, or -1 when X holds a value other than 0 and 1, or -2 when the ones do not fit
    in ``cap`` entries; ``found[c]`` receives the number of ones counted (on -2, up to and
    including the row that did not fit). Each row is counted (and checked) by a branch-free
    loop, then its ones are extracted while it is still in the L1 cache.
    """
    n = X.shape[1]
    zero = X.dtype.type(0.0)
    one = X.dtype.type(1.0)
    total = 0
    for r in range(r0, r1):
        x = X[r]
        nz = 0
        bad = 0
        for i in range(n):  # compiles to SIMD compares and adds
            v = x[i]
            nonzero = v != zero
            nz += nonzero
            bad += nonzero & (v != one)  # NaN is "non-zero and not one"
        if bad:
            found[c] = total
            return -1
        if total + nz > cap:
            found[c] = total + nz
            return -2
        starts[r] = base + total
        if nz:
            emit_ones(x, indices, base + total)
        total += nz
        ends[r] = base + total
    found[c] = total
    return 0


class Events:
    """The active inputs of a binary (R, n) matrix: row r's are
    ``indices[starts[r]:ends[r]]`` (see :func:`to_events`). The rows need not follow each
    other in ``indices``, which may hold unused entries: index it through ``starts`` and
    ``ends`` only.

    Attributes
    ----------
    starts, ends : ndarray of int64, shape (R,)
    indices : ndarray of int32
    n_active : int
        Number of ones.
    shape : tuple
        (R, n).
    density : float
        Fraction of ones.
    """

    __slots__ = ("density", "ends", "indices", "n_active", "shape", "starts")

    def __init__(self, starts, ends, indices, n_active, shape):
        self.starts = starts
        self.ends = ends
        self.indices = indices
        self.n_active = int(n_active)
        self.shape = tuple(shape)
        self.density = self.n_active / max(shape[0] * shape[1], 1)


def to_events(X2, max_density=1.0):
    """Compact form of a binary matrix, or None when it is not binary or too dense.

    Parameters
    ----------
    X2 : ndarray of shape (R, n)
        Floating (copied to C order first if it is not in it).
    max_density : float
        Give up (return None) once more than this fraction of the entries are ones.

    Returns
    -------
    Events or None
    """
    X2 = np.ascontiguousarray(X2)  # the bit masks read 64 consecutive entries
    R, n = X2.shape
    if R == 0:
        return Events(
            np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0, np.int32), 0, (R, n)
        )
    max_active = min(int(max_density * R * n), R * n)
    starts = empty((R,), np.int64)
    ends = empty((R,), np.int64)
    # first, room for a guess of the number of ones (a buffer for every entry of X2 would be
    # a large allocation for every call, whose page faults cost more than the scan); each
    # slice of rows fills its own part of the buffer, in proportion to its rows
    guess = min(max_active, int(FIRST_GUESS_DENSITY * R * n))
    with batch_chunks(R, SCAN_WORK * X2.size) as k:
        bounds = slice_bounds(R, k)
        caps = [min(-(-guess * (r1 - r0) // R), (r1 - r0) * n) for r0, r1 in bounds]
        bases = np.cumsum([0, *caps])
        indices = empty((int(bases[-1]),), np.int32)
        status = np.zeros(k, dtype=np.int64)
        found = np.zeros(k, dtype=np.int64)

        def scan(c, r0, r1):
            status[c] = _events_rows(
                X2, starts, ends, indices, bases[c], caps[c], r0, r1, found, c
            )

        if k == 1:
            scan(0, 0, R)
        else:
            run_slices(scan, R, k)
    if (status == -1).any():
        return None  # not binary
    total = int(found.sum())  # on -2, a lower bound of the ones of X2
    if total > max_active:
        return None  # too dense
    if (status == -2).any():
        # a slice held more ones than its share of the guess (the guess was below the limit,
        # or its rows are denser than the others): scan again, with room for the limit
        indices = np.empty(max_active, dtype=np.int32)
        if _events_rows(X2, starts, ends, indices, 0, max_active, 0, R, found, 0) < 0:
            return None  # too dense
        total = int(found[0])
    return Events(starts, ends, indices, total, (R, n))


# ---------------------------------------------------------------------- products
@jit
def _event_matmul_rows(starts, ends, indices, W, out, r0, r1):
    for r in range(r0, r1):
        add_weight_rows(indices, starts[r], ends[r], W, out[r])


#: rows of D per tile of :func:`_event_grad_tiles` (a 256 x 256 float32 tile is 256 kB)
GRAD_TILE_ROWS = 256


@jit
def _event_grad_tiles(starts, ends, indices, D, dW):
    """``dW += X.T @ D``, tile by tile of rows of D.

    Within a tile, the events are sorted by input (a counting sort); each input's weight row
    then receives the sum of its rows of D, four at a time, once per tile. Adding each event's
    row of D to its weight row directly would load and store a weight row per event.
    """
    R = starts.shape[0]
    n_in = dW.shape[0]
    tile = GRAD_TILE_ROWS
    most = 0
    for t0 in range(0, R, tile):
        m = 0
        for r in range(t0, min(t0 + tile, R)):
            m += ends[r] - starts[r]
        most = max(most, m)
    rows = np.empty(most, dtype=np.int32)
    ends_by_input = np.empty(n_in + 1, dtype=np.int64)
    for t0 in range(0, R, tile):
        t1 = min(t0 + tile, R)
        ends_by_input[:] = 0
        for r in range(t0, t1):
            for c in range(starts[r], ends[r]):
                ends_by_input[indices[c] + 1] += 1
        for i in range(n_in):
            ends_by_input[i + 1] += ends_by_input[i]
        for r in range(t0, t1):  # afterwards, ends_by_input[i] is where input i's rows end
            for c in range(starts[r], ends[r]):
                i = indices[c]
                rows[ends_by_input[i]] = r
                ends_by_input[i] += 1
        c = 0
        for i in range(n_in):
            end = ends_by_input[i]
            if c < end:
                g = dW[i]
                while c + 4 <= end:
                    d0 = D[rows[c]]
                    d1 = D[rows[c + 1]]
                    d2 = D[rows[c + 2]]
                    d3 = D[rows[c + 3]]
                    for j in range(g.shape[0]):
                        g[j] += (d0[j] + d1[j]) + (d2[j] + d3[j])
                    c += 4
                while c < end:
                    d0 = D[rows[c]]
                    for j in range(g.shape[0]):
                        g[j] += d0[j]
                    c += 1


def event_matmul(ev, W):
    """``X @ W`` for the binary ``X`` behind ``ev``; shape (R, n_out)."""
    R = ev.shape[0]
    out = np.empty((R, W.shape[1]), dtype=W.dtype)
    args = (ev.starts, ev.ends, ev.indices, W, out)
    with batch_chunks(R, ev.n_active * W.shape[1]) as k:
        if k == 1:
            _event_matmul_rows(*args, 0, R)
        else:
            run_slices(lambda c, r0, r1: _event_matmul_rows(*args, r0, r1), R, k)
    return out


def event_grad(ev, D):
    """``X.T @ D`` for the binary ``X`` behind ``ev``; shape (n_in, n_out).

    Serial: split over two threads by columns of the result, it ran slower on the 2-core
    machine (config A's 2560 rows, and 8 times as many).
    """
    dW = np.zeros((ev.shape[1], D.shape[1]), dtype=D.dtype)
    _event_grad_tiles(ev.starts, ev.ends, ev.indices, D, dW)
    return dW


def break_even_density(n_out):
    """Spike density below which "auto" takes the event path for ``n_out`` output units."""
    if n_out < NARROW:  # an output layer, in practice
        return BREAK_EVEN_DENSITIES[-1]
    return float(np.interp(n_out, BREAK_EVEN_OUTPUTS, BREAK_EVEN_DENSITIES))


def use_events(mode, X2, n_out):
    """The events of ``X2`` when ``mode`` asks for the event path (or allows it, "auto").

    "dense": None. "event": the events whenever ``X2`` is binary. "auto": the events when
    ``X2`` is binary and its density is below :func:`break_even_density` of a layer with
    ``n_out`` outputs.
    """
    if mode == "dense":
        return None
    if mode == "event":
        return to_events(X2)
    limit = break_even_density(n_out)
    return to_events(X2, limit) if limit > 0 else None
