"""Numba compilation helpers shared by every kernel module.

Kernels are compiled with ``cache=True`` so that a second process loads them from disk instead
of compiling again. When no cache folder can be written (a read-only install and no
``NUMBA_CACHE_DIR``), Numba refuses to create a caching dispatcher; :func:`jit` then falls back
to an in-memory compilation instead of failing at import time.

``fastmath`` is restricted to the flags that keep NaN and Inf semantics, so divergence checks
on the results still work. ``error_model="numpy"`` gives IEEE division (no ZeroDivisionError
check, which would keep a loop from being vectorised).

Numba checks a cached kernel against its own source file only: a kernel that inlines a helper
from another module (the activations, ``events.add_weight_rows``, the intrinsics below) keeps
its cached code when only the helper's file changes. While editing such a helper, clear the
cache (the ``__pycache__`` folders of ``sksnn/_engine``, or ``NUMBA_CACHE_DIR``).

:func:`nonzero_bits` and :func:`trailing_zeros` are LLVM intrinsics for the extraction of
events (:mod:`.events`).
"""

import warnings

import numba
from llvmlite import ir
from numba import types
from numba.extending import intrinsic

# Every fastmath flag but 'nnan' / 'ninf' (and 'fast', which implies them) and 'afn' (which
# may swap libm calls for less accurate ones; the float32 kernels make none, see fastmath.py).
FASTMATH = frozenset({"nsz", "arcp", "contract", "reassoc"})


def jit(func=None, **options):
    """``numba.njit`` with disk caching when possible and NaN-safe fastmath.

    Parameters
    ----------
    func : callable, optional
        The function to compile. When omitted, returns a decorator.
    **options
        Passed on to :func:`numba.njit` (``cache``, ``fastmath``, ``parallel``, ...).
    """
    if func is None:
        return lambda f: jit(f, **options)
    options.setdefault("fastmath", set(FASTMATH))
    options.setdefault("cache", True)
    options.setdefault("nogil", True)
    # IEEE division (x / 0 -> inf or nan) instead of raising: a division check in a loop keeps
    # LLVM from vectorising it, and non-finite values are what the divergence checks look for
    options.setdefault("error_model", "numpy")
    try:
        return numba.njit(**options)(func)
    except RuntimeError as exc:  # no writable cache locator
        if not options.get("cache"):
            raise
        warnings.warn(
            f"Numba cannot cache {func.__qualname__} ({exc}); compiling in memory instead. "
            "Set NUMBA_CACHE_DIR to a writable folder to keep compiled kernels.",
            RuntimeWarning,
            stacklevel=2,
        )
        options["cache"] = False
        return numba.njit(**options)(func)


@intrinsic
def trailing_zeros(typingctx, x):
    """Number of trailing zero bits of a uint64 (64 for 0): one ``tzcnt`` instruction."""
    sig = types.uint64(types.uint64)

    def codegen(context, builder, signature, args):
        return builder.cttz(args[0], ir.Constant(ir.IntType(1), 0))

    return sig, codegen


@intrinsic
def nonzero_bits(typingctx, x, start):
    """Bit mask of ``x[start:start + 64] != 0`` for a 1-D C-contiguous float array ``x``:
    bit i is set when ``x[start + i]`` is not zero (NaN counts as not zero). The caller
    guarantees ``start + 64 <= len(x)``.

    One vector compare and a bit cast (with AVX-512, 4 compares into mask registers for
    float32, 8 for float64), where a loop setting one bit per entry compiles to 64 shifts.
    """
    if not (
        isinstance(x, types.Array)
        and x.ndim == 1
        and x.layout == "C"
        and isinstance(x.dtype, types.Float)
    ):
        return None  # a typing error: strided rows would be read wrong
    sig = types.uint64(x, types.intp)

    def codegen(context, builder, signature, args):
        array_type, _ = signature.args
        ary = context.make_array(array_type)(context, builder, args[0])
        element = context.get_data_type(array_type.dtype)
        ptr = builder.gep(ary.data, [args[1]])
        vector = ir.VectorType(element, 64)
        values = builder.load(builder.bitcast(ptr, vector.as_pointer()), align=1)
        zeros = ir.Constant(vector, [ir.Constant(element, 0.0)] * 64)
        ones = builder.fcmp_unordered("!=", values, zeros)
        return builder.bitcast(ones, ir.IntType(64))

    return sig, codegen
