"""Peak memory of a fit on one long sequence, with and without truncated BPTT.

Usage: ``python benchmarks/tbptt_memory.py [--steps 50000] [--window 100]``. One recurrent sSNU
sequence predictor with 150 units on a random 88-key piano roll (density 0.1), one epoch,
next-step targets. Peak memory as seen by ``tracemalloc`` (NumPy reports its buffers to it).
"""

import argparse
import time
import tracemalloc
import warnings

import numpy as np

from sksnn import LSTMSequencePredictor, SNUSequencePredictor


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--steps", type=int, default=50_000)
    parser.add_argument("--window", type=int, default=100)
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    X = [(rng.random((args.steps, 88)) < 0.1).astype(np.float32)]
    print(f"one sequence of {args.steps} steps x 88 ({X[0].nbytes / 1e6:.1f} MB)")
    for cls, kw in ((SNUSequencePredictor, {"soft": True}), (LSTMSequencePredictor, {})):
        for k in (None, args.window):
            est = cls((150,), max_iter=1, bptt_steps=k, random_state=0, **kw)
            tracemalloc.start()
            start = time.perf_counter()
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                est.fit(X)
            seconds = time.perf_counter() - start
            peak = tracemalloc.get_traced_memory()[1]
            tracemalloc.stop()
            print(
                f"{cls.__name__:24s} bptt_steps={k!s:5s} peak {peak / 1e6:8.1f} MB  "
                f"fit {seconds:6.1f} s  loss {est.loss_:.3f}"
            )


if __name__ == "__main__":
    main()
