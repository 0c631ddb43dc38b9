"""Reused arrays for the large temporaries of repeated steps (training steps, prediction chunks).

A layer's states, outputs and gradients over a sequence are (T, B, n) arrays, made anew at
every step. With glibc, blocks that large come straight from the operating system (``mmap``)
and go back to it when freed, so the first write to each 4 kB page of a fresh array is a page
fault. On the 2-core reference machine that was about 4 of the 11 ms of a config-A forward
pass (1024 new pages a step, about 1.2 µs each), on the dense and the event path alike.

:func:`workspace` opens a scope in which :func:`empty` hands out arrays that are reused from
one step to the next: the caller marks the start of each step with :func:`recycle`, after
which every array handed out before may be handed out again. Within a step, every call
gets its own array. Outside a scope, :func:`empty` is ``np.empty``. A scope belongs to the
thread that opened it (concurrent fits and predictions on threads do not share arrays), and
its arrays are freed when it closes.

Arrays from :func:`empty` must not be used after the next :func:`recycle`: only the
temporaries of a step use it (layer states and outputs, the gradients with respect to them,
events), so a cell's outputs and cache, and ``Network.layer_outputs``, are valid until then;
what the engine hands back as results (weight gradients, predictions, the carried states of
``final_states``) are fresh arrays.
"""

import threading
from contextlib import contextmanager

import numpy as np

_LOCAL = threading.local()


class Workspace:
    """Arrays handed out during the current step, and those free to be handed out again."""

    def __init__(self):
        self._free = {}
        self._used = []

    def empty(self, shape, dtype):
        """An uninitialised array of ``shape`` and ``dtype``: a free one of the same kind, or
        a new one."""
        key = (tuple(shape), np.dtype(dtype).str)
        free = self._free.get(key)
        arr = free.pop() if free else np.empty(shape, dtype=dtype)
        self._used.append((key, arr))
        return arr

    def recycle(self):
        """Start a new step: the arrays handed out in the last step may be handed out again.

        Only those are kept: arrays of shapes the last step did not use (a shorter last
        batch, sequences of another length) are let go, so the scope holds at most one
        step's temporaries plus those of the step in progress.
        """
        free = {}
        for key, arr in self._used:
            free.setdefault(key, []).append(arr)
        self._free = free
        self._used = []


@contextmanager
def workspace():
    """Scope of a :class:`Workspace` for this thread (nested scopes have their own).

    Yields
    ------
    Workspace
        Call its ``recycle()`` at the start of every step.
    """
    outer = getattr(_LOCAL, "ws", None)
    ws = Workspace()
    _LOCAL.ws = ws
    try:
        yield ws
    finally:
        _LOCAL.ws = outer


def recycle():
    """:meth:`Workspace.recycle` of this thread's current scope, if any."""
    ws = getattr(_LOCAL, "ws", None)
    if ws is not None:
        ws.recycle()


def empty(shape, dtype):
    """``np.empty(shape, dtype)``, reused across steps inside a :func:`workspace` scope."""
    ws = getattr(_LOCAL, "ws", None)
    if ws is None:
        return np.empty(shape, dtype=dtype)
    return ws.empty(shape, dtype)
