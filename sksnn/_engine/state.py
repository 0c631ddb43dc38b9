"""The state a layer carries from one window of a sequence to the next (truncated BPTT)."""

import numpy as np


def state_arrays(state, n_arrays, n, dtype):
    """The (B, n) state arrays a kernel takes, or (0, n) placeholders for a zero state.

    Parameters
    ----------
    state : tuple of array-like or None
        A cell's ``final_state`` of the previous window; None for a sequence's start.
    n_arrays : int
        How many arrays the cell's state holds (SNU: s and y; LSTM: h and c; GRU, RNN: h).
    n : int
        Units of the layer.
    dtype : dtype
    """
    if state is None:
        return (np.empty((0, n), dtype=dtype),) * n_arrays
    return tuple(np.ascontiguousarray(a, dtype=dtype) for a in state)
