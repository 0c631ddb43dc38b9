"""Control of Numba's thread count.

Numba's thread count is process-wide, so it is only ever changed inside a context manager that
restores the previous value, even when the body raises.
"""

from contextlib import contextmanager

import numba


@contextmanager
def numba_threads(n_threads=None):
    """Run the body with ``n_threads`` Numba threads, then restore the previous count.

    Parameters
    ----------
    n_threads : int or None
        Number of threads; ``None`` leaves the count unchanged. Values above Numba's
        ``NUMBA_NUM_THREADS`` are capped to it.
    """
    previous = numba.get_num_threads()
    if n_threads is not None:
        numba.set_num_threads(max(1, min(int(n_threads), numba.config.NUMBA_NUM_THREADS)))
    try:
        yield numba.get_num_threads()
    finally:
        numba.set_num_threads(previous)
