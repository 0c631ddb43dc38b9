"""Time ``import sksnn`` in fresh interpreters (median of several).

Usage: ``python benchmarks/import_time.py``.
"""

import statistics
import subprocess
import sys

code = "import time; t = time.perf_counter(); import sksnn; print(time.perf_counter() - t)"
runs = [float(subprocess.check_output([sys.executable, "-c", code])) for _ in range(7)]
print(f"import sksnn: median {statistics.median(runs):.3f} s over {len(runs)} runs")
