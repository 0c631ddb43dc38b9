"""Splitting a fused time loop over the batch across threads.

Every row of a batch runs its own recursion, so a time loop can be cut into contiguous slices
of the batch, one per thread (the recurrent product then becomes one smaller product per slice).
Each kernel is a serial ``*_rows(…, b0, b1, …)`` function over the rows ``b0:b1``, compiled
with ``nogil=True``; :func:`run_slices` runs the slices on a small pool of Python threads (the
calling thread takes the first one). Numba's own ``parallel=True`` is not used: its OpenMP
workers spin while waiting, and on a 2-core machine they starve the BLAS threads of the matrix
products in between (a fit ran 5x slower); pool threads sleep instead.

:func:`batch_chunks` decides how many slices a call gets:

- one (the serial kernel, no hand-off) when the work is small, the batch has one row, the
  thread budget ``numba.get_num_threads()`` (see :func:`~.threads.numba_threads`) is one, or
  this process is a fork (the parent's pool threads do not exist in the child);
- one when another thread of this process is already running sliced kernels (several fits
  under joblib's threading backend): the cores are busy anyway;
- else ``min(numba.get_num_threads(), batch)``.

Results do not depend on the number of slices, except for the order of the float sums of the
per-unit gradients (threshold, decay), which are reduced slice by slice.
"""

import os
import threading
from concurrent.futures import ThreadPoolExecutor, wait
from contextlib import contextmanager

import numba

#: below this many (step, row, unit) elements a kernel stays serial. Measured on 2 cores,
#: where the matrix products between the kernels already keep both cores busy: slicing the
#: time loops of config A (2560 x 256 per layer) or B (1600 x 150) made a training step
#: slower (A 14.6 against 14.3 ms, B 2.2 against 1.5 ms). The event path counts its work
#: differently (see ``events.SCAN_WORK`` and ``SNUCell.forward``): the extraction of A's
#: input events and its event-driven input layer (18 M additions) gain from two threads.
MIN_PARALLEL_WORK = 1 << 22

_LOCK = threading.Lock()
_STATE = {"forked": False, "pool": None}


def _after_fork_in_child():
    _STATE["forked"] = True


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)


@contextmanager
def batch_chunks(batch, work):
    """Number of batch slices for one kernel call (see the module docstring).

    Parameters
    ----------
    batch : int
        Rows in the batch.
    work : int
        Elements the kernel touches, e.g. ``T * batch * n``.

    Yields
    ------
    int
        1 for the serial kernel, else the number of slices for the parallel one.
    """
    if _STATE["forked"] or batch < 2 or work < MIN_PARALLEL_WORK:
        yield 1
        return
    n = min(numba.get_num_threads(), batch)
    if n < 2 or not _LOCK.acquire(blocking=False):
        yield 1
        return
    try:
        yield n
    finally:
        _LOCK.release()


def run_over_batch(kernel, batch, work, *args):
    """Call ``kernel(*args, b0, b1)`` over ``range(batch)``, sliced by :func:`batch_chunks`."""
    with batch_chunks(batch, work) as k:
        if k == 1:
            kernel(*args, 0, batch)
        else:
            run_slices(lambda c, b0, b1: kernel(*args, b0, b1), batch, k)


def slice_bounds(batch, n_slices):
    """The ``(b0, b1)`` of each of the ``n_slices`` contiguous slices of ``range(batch)`` that
    :func:`run_slices` runs."""
    return [(c * batch // n_slices, (c + 1) * batch // n_slices) for c in range(n_slices)]


def run_slices(kernel, batch, n_slices):
    """Call ``kernel(c, b0, b1)`` for ``n_slices`` contiguous slices of ``range(batch)``.

    The calling thread runs slice 0, pool threads the others; returns only when every slice
    is done, then re-raises the exception of the first failing slice. Call it inside
    :func:`batch_chunks` (which guarantees that one caller at a time uses the pool). When the
    pool no longer takes work (interpreter shutdown), the calling thread runs every slice.
    """
    bounds = [(c, b0, b1) for c, (b0, b1) in enumerate(slice_bounds(batch, n_slices))]
    pool = _STATE["pool"]
    if pool is None or pool._max_workers < n_slices - 1:
        if pool is not None:
            pool.shutdown(wait=False)
        pool = _STATE["pool"] = ThreadPoolExecutor(
            max_workers=n_slices - 1, thread_name_prefix="sksnn"
        )
    futures, serial = [], []
    for b in bounds[1:]:
        try:
            futures.append(pool.submit(kernel, *b))
        except RuntimeError:  # "cannot schedule new futures after (interpreter) shutdown"
            serial.append(b)
    error = None
    for b in [bounds[0], *serial]:
        try:
            kernel(*b)
        except BaseException as exc:  # re-raised below, once every slice is done
            error = error or exc
    wait(futures)
    for f in futures:
        error = error or f.exception()
    if error is not None:
        raise error
