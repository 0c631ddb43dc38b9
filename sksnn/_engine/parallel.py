"""Splitting a fused time loop over the batch across Numba threads.

Every row of a batch runs its own recursion, so a time loop can be cut into contiguous slices
of the batch, one per thread (the recurrent product then becomes one smaller product per slice).
Each kernel comes as a serial ``*_rows(…, b0, b1, …)`` function over the rows ``b0:b1`` and a
``parallel=True`` wrapper that runs one slice per ``prange`` iteration; :func:`batch_chunks`
decides how many slices a call gets:

- one (the serial kernel, no thread start-up) when the work is small, the batch has one row,
  Numba runs one thread, or this process is a fork of one that had started Numba's threads
  (GNU OpenMP is not fork-safe);
- one when another thread of this process is already inside a parallel kernel (several fits
  under joblib's threading backend): the process's cores are busy anyway, and Numba's
  ``workqueue`` layer must not be entered from two threads at once;
- else ``min(numba.get_num_threads(), batch)``.

Results do not depend on the number of slices, except for the order of the float sums of the
per-unit gradients (threshold, decay), which are reduced slice by slice.
"""

import os
import threading
from contextlib import contextmanager

import numba

#: below this many (step, row, unit) elements a kernel stays serial
MIN_PARALLEL_WORK = 1 << 16

_LOCK = threading.Lock()
_STATE = {"forked": False}


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
