"""Time one engine training step (forward + BPTT + Adam) on the three reference configs.

A: batch 128, 20 steps, 784-256-256-10, spike input of density 0.5, time-averaged softmax CE.
B: batch 16, 100 steps, 88-150-88, per-step sigmoid loss (JSB).
C: batch 64, 8 steps, 64-64-10 (digits rows).

Usage: ``python benchmarks/engine_step.py [--dtype float32] [--threads 2] [--repeat 50]``.
Prints the median step in ms and the matrix-product floor at the measured GEMM rate.
"""

import argparse
import itertools
import time

import numpy as np

from sksnn._engine import CELLS, Adam, Network, numba_threads

CONFIGS = {
    "A": dict(B=128, T=20, sizes=[784, 256, 256, 10], readout="mean", n_out=None),
    "B": dict(B=16, T=100, sizes=[88, 150], readout="linear", n_out=88),
    "C": dict(B=64, T=8, sizes=[64, 64, 10], readout="mean", n_out=None),
}


def gemm_rate(dtype, n=1024, repeat=5):
    a = np.random.default_rng(0).random((n, n)).astype(dtype)
    a @ a
    best = min(_timed(lambda: a @ a) for _ in range(repeat))
    return 2 * n**3 / best


def _timed(f):
    t = time.perf_counter()
    f()
    return time.perf_counter() - t


def step_flops(cfg):
    """Matrix-product FLOPs of one step: forward, dW, and dX except for the input layer."""
    rows = cfg["B"] * cfg["T"]
    sizes = list(cfg["sizes"]) + ([cfg["n_out"]] if cfg["n_out"] else [])
    flops = 0
    for i, (a, b) in enumerate(itertools.pairwise(sizes)):
        flops += 2 * rows * a * b * (2 if i == 0 else 3)
    return flops


def run(name, cfg, dtype, repeat):
    rng = np.random.default_rng(0)
    sizes = cfg["sizes"]
    loss = "softmax_ce" if cfg["readout"] == "mean" else "binary"
    net = Network([CELLS["snu"]() for _ in sizes[1:]], [False] * (len(sizes) - 1),
                  readout=cfg["readout"], loss=loss)  # fmt: skip
    params = net.init(rng, sizes, n_out=cfg["n_out"], dtype=dtype)
    T, B = cfg["T"], cfg["B"]
    X = (rng.random((T, B, sizes[0])) < 0.5).astype(dtype)
    if loss == "binary":
        Y = (rng.random((T, B, cfg["n_out"])) < 0.05).astype(dtype)
    else:
        Y = np.eye(sizes[-1], dtype=dtype)[rng.integers(0, sizes[-1], B)]
    opt = Adam(net.flat(params))

    def step():
        _, grads, _ = net.loss_grad(params, X, Y)
        opt.update_params(net.flat(params), net.flat(params, grads))
        net.project(params)

    for _ in range(3):
        step()
    times = [_timed(step) for _ in range(repeat)]
    return float(np.median(times))


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--dtype", default="float32")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=50)
    args = parser.parse_args()
    dtype = np.dtype(args.dtype)
    with numba_threads(args.threads):
        rate = gemm_rate(dtype)
        print(f"GEMM rate {rate / 1e9:.0f} GFLOP/s ({dtype.name})")
        print(f"{'config':8s}{'step ms':>10s}{'floor ms':>10s}{'ratio':>8s}")
        for name, cfg in CONFIGS.items():
            t = run(name, cfg, dtype, args.repeat)
            floor = step_flops(cfg) / rate
            print(f"{name:8s}{t * 1e3:10.2f}{floor * 1e3:10.2f}{t / floor:8.1f}")


if __name__ == "__main__":
    main()
