"""Control of Numba's thread count.

Numba's thread count belongs to the calling thread (it is thread-local) and can never exceed
``numba.config.NUMBA_NUM_THREADS``, read from the environment variable of that name when Numba
is imported; joblib's process workers (loky) set that variable to their share of the cores, or
to ``inner_max_num_threads``. The count is only ever changed inside :func:`numba_threads`,
which restores the previous value even when the body raises.
"""

from contextlib import contextmanager

import numba


@contextmanager
def numba_threads(n_threads=None, *, limit=None):
    """Run the body with a given Numba thread count, then restore the previous count.

    Parameters
    ----------
    n_threads : int or None
        Number of threads; ``None`` keeps the current count. Values above the process limit
        ``numba.config.NUMBA_NUM_THREADS`` are capped to it, values below 1 raised to 1.
    limit : int or None
        Upper bound applied after ``n_threads``: the count is lowered to it if higher, never
        raised (e.g. a limit from threadpoolctl that a count the caller chose must respect).

    Yields
    ------
    int
        The number of threads in force inside the body.
    """
    previous = numba.get_num_threads()
    n = previous if n_threads is None else int(n_threads)
    if limit is not None:
        n = min(n, int(limit))
    n = max(1, min(n, numba.config.NUMBA_NUM_THREADS))
    try:
        if n != previous:
            numba.set_num_threads(n)
        yield n
    finally:
        if numba.get_num_threads() != previous:
            numba.set_num_threads(previous)
