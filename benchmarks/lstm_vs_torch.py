"""One LSTM training step (forward + BPTT + Adam) in sksnn's engine and in ``torch.nn.LSTM``.

A thin wrapper of the speed benchmark, LSTM only: ``python benchmarks/lstm_vs_torch.py
[--repeat 50] [--threads 2]`` runs ``benchmarks/speed/run.py --configs B C --skip snu predict
fit memory`` with these arguments (B: batch 16, 100 steps, 88-150-88, per-step sigmoid loss;
C: batch 64, 8 steps, 64-64-10, softmax on the last step). PyTorch is optional: without it
only sksnn is timed.
"""

import runpy
import sys
from pathlib import Path

if __name__ == "__main__":
    run = Path(__file__).resolve().parent / "speed" / "run.py"
    sys.argv = [str(run), "--configs", "B", "C", "--skip", "snu", "predict", "fit", "memory",
                *sys.argv[1:]]  # fmt: skip
    runpy.run_path(str(run), run_name="__main__")
