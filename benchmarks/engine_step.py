"""Time one engine training step (forward + BPTT + Adam) on the speed configurations A, B, C.

A thin wrapper of the speed benchmark, engine only: ``python benchmarks/engine_step.py
[--repeat 50] [--threads 2] [--configs A B C]`` runs ``benchmarks/speed/run.py --no-torch
--skip lstm predict fit memory`` with these arguments; it prints the median step, the engine's
GFLOP/s and the matrix-product floor at the measured GEMM rate. See ``benchmarks/speed/run.py``
for the comparison with PyTorch.
"""

import runpy
import sys
from pathlib import Path

if __name__ == "__main__":
    run = Path(__file__).resolve().parent / "speed" / "run.py"
    sys.argv = [str(run), "--no-torch", "--skip", "lstm", "predict", "fit", "memory",
                *sys.argv[1:]]  # fmt: skip
    runpy.run_path(str(run), run_name="__main__")
