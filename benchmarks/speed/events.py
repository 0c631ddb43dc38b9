"""Event-driven against dense products, on trained networks and real spike data.

A  batch 128, 20 steps, 784-256-256-10 feed-forward SNU (``run.py``'s config A), float32.
   :class:`~sksnn.SNUClassifier` networks are trained on MNIST, rate-coded as in the SNU paper
   (p = x * 6 / 20 per step): one as it comes (``spike_penalty=0``: its hidden layers fire at
   about 30 %, the input-gain calibration's target) and one for each ``--spike-penalty`` (an
   L1 penalty on the hidden spikes). Then, on batches of the test set, the engine's training
   step (forward + BPTT + Adam, 128 images) and prediction (forward, 1024 images: config A's
   prediction batch in ``run.py``, and the estimators' prediction chunk) are timed with every
   layer on the dense path, on the event path, and on "auto", each path in blocks of its own
   (see :func:`time_paths`).
B  batch 16, 100 steps, 88-150 SNU and an affine readout (config B): an
   :class:`~sksnn.SNUSequencePredictor` trained on the JSB chorales (shipped), timed on
   100-step windows of JSB (about 4 % of the keys on; prediction on 256 of them).
C  the input is a current (the digits' pixel intensities), not spikes: dense path only.

Each table gives the medians, the spike density of each layer's input, the dense
matrix-multiply floor (``run.py``'s FLOP count over the measured GEMM rate) and the prediction
speed-up over the dense path. Last, the break-even density of one SNU layer (2560 rows,
784 -> 256, building the events included): training (forward, and backward without the input
gradient, as for an input layer) and a forward pass alone.

Usage: ``python benchmarks/speed/events.py [--repeat 40] [--threads 2] [--epochs 2]
[--spike-penalty 1 3] [--data-home DIR] [--json FILE]`` (MNIST from ``--data-home``,
``SKSNN_DATA`` or ``../shared/data``; without it, config A is skipped).
"""

import argparse
import copy
import itertools
import json
import os
import time
import warnings
from pathlib import Path

import numpy as np
from threadpoolctl import threadpool_limits

from sksnn import SNUClassifier, SNUSequencePredictor
from sksnn._engine import Adam, SNUCell, numba_threads, snu_init
from sksnn._engine.workspace import recycle, workspace
from sksnn.datasets import load_jsb_chorales, load_mnist

from common import CONFIGS, gemm_rate_numpy, snu_flops, step_batch

PATHS = ("dense", "event", "auto")
DENSITIES = (0.01, 0.02, 0.05, 0.08, 0.1, 0.12, 0.15, 0.2, 0.3, 0.5)


def _median_ms(f, repeat):
    f()
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        f()
        times.append(time.perf_counter() - t)
    return float(np.median(times)) * 1e3


def _fit(est, X, y=None):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return est.fit(X) if y is None else est.fit(X, y)


# ---------------------------------------------------------------------- trained networks
def mnist_networks(data_home, penalties, epochs):
    """Config A classifiers trained on MNIST, without and with each spike penalty, and the
    timed batches: ``[(label, clf, accuracy, train_batches, predict_batches)]``."""
    X, y = load_mnist("train", data_home=data_home, return_X_y=True)
    Xt, yt = load_mnist("test", data_home=data_home, return_X_y=True)
    X, Xt = X * (6 / 20), Xt * (6 / 20)  # p = x * 6 / 20 per step
    out = []
    for lam in (0.0, *penalties):
        clf = SNUClassifier(
            (256, 256), recurrent=False, encoding="rate", n_steps=20, max_iter=epochs,
            learning_rate_init=0.001, batch_size=128, spike_penalty=lam, random_state=0,
        )  # fmt: skip
        _fit(clf, X, y)
        accuracy = clf.score(Xt, yt)
        rng = np.random.default_rng(0)
        batches = {}
        for size, count in ((128, 8), (CONFIGS["A"]["predict_batch"], 4)):
            batches[size] = []
            for i in range(0, size * count, size):
                data = clf._prepare_fit(Xt[i : i + size], yt[i : i + size], False)[0]
                batches[size].append(clf._batch(data, np.arange(size), rng)[:2])
        train, predict = batches[128], batches[CONFIGS["A"]["predict_batch"]]
        out.append((f"A (spike_penalty={lam:g})", clf, accuracy, train, predict))
    return out


def jsb_network(epochs):
    """Config B: a sequence predictor trained on JSB, and 100-step JSB windows."""
    est = SNUSequencePredictor(
        (150,), recurrent=False, batch_size=16, max_iter=epochs, random_state=0
    )
    _fit(est, load_jsb_chorales().train)
    cfg = CONFIGS["B"]
    train = [step_batch(cfg, seed=s) for s in range(8)]
    predict = [step_batch(cfg, seed=100 + s, batch=cfg["predict_batch"]) for s in range(2)]
    return ("B", est, None, train, predict)


# ---------------------------------------------------------------------- timing
def time_paths(est, train_batches, predict_batches, repeat, warm_up=0.6, rounds=3):
    """Median ms of a training step and of a prediction per path.

    Each path runs in blocks of its own (untimed calls for ``warm_up`` seconds, then
    ``repeat`` timed ones), the paths taking turns for ``rounds`` rounds. Blocks, not calls,
    are interleaved: after a matrix product, OpenBLAS's worker thread keeps spinning for
    about 0.1 s, and would slow the next path's calls if the paths alternated call by call.
    Before each call, the next batch is copied (untimed) into the input array, as the
    estimators' encoder writes each batch just before the step or prediction that reads it.
    The steps train copies of the weights; predictions use the trained network itself.
    """
    net = est._net
    x_train = np.empty_like(train_batches[0][0])
    x_predict = np.empty_like(predict_batches[0][0])
    params = {p: copy.deepcopy(est._params) for p in PATHS}
    opts = {p: Adam(net.flat(params[p]), 0.001) for p in PATHS}
    times = {(p, kind): [] for p in PATHS for kind in ("step", "predict")}
    counter = iter(range(10**9))

    def step(path):
        i = next(counter)
        np.copyto(x_train, train_batches[i % len(train_batches)][0])
        _, Y = train_batches[i % len(train_batches)]
        t = time.perf_counter()
        recycle()  # as fit does before every step
        _, grads, _ = net.loss_grad(params[path], x_train, Y)
        opts[path].update_params(net.flat(params[path]), net.flat(params[path], grads))
        net.project(params[path])
        return time.perf_counter() - t

    def predict(path):
        i = next(counter)
        np.copyto(x_predict, predict_batches[i % len(predict_batches)][0])
        t = time.perf_counter()
        recycle()  # as predict does before every chunk
        net.predict_output(est._params, x_predict)
        return time.perf_counter() - t

    with workspace():  # the estimators reuse the steps' large temporaries in the same way
        for _ in range(rounds):
            for path in PATHS:
                for cell in net.cells:
                    cell.spike_path = path
                for kind, f in (("step", step), ("predict", predict)):
                    start = time.perf_counter()
                    while time.perf_counter() - start < warm_up:
                        f(path)
                    times[path, kind] += [f(path) for _ in range(repeat)]
    for cell in net.cells:
        cell.spike_path = "auto"
    n_predict = predict_batches[0][0].shape[1]
    return {
        p: {
            "step_ms": float(np.median(times[p, "step"])) * 1e3,
            "predict_samples_per_s": n_predict / float(np.median(times[p, "predict"])),
        }
        for p in PATHS
    }


def input_densities(est, X):
    """Spike density of each layer's input on one batch (None where it is not 0/1)."""
    out = []
    H = X
    for cell, p in zip(est._net.cells, est._params[0]):
        binary = bool(np.all((H == 0) | (H == 1)))
        out.append(float(np.mean(H)) if binary else None)
        H, _ = cell.forward(p, H, train=False)
    return out


def break_even(repeat, rows=2560, n_in=784, n_out=256):
    """ms of one SNU layer per density and path: training (forward + backward without the
    input gradient) and forward alone; and the crossing densities."""
    rng = np.random.default_rng(0)
    p = snu_init(rng, n_in, n_out)
    dY = rng.normal(size=(20, rows // 20, n_out)).astype(np.float32)
    with workspace():
        return _break_even_table(p, dY, rng, rows, n_in, repeat)


def _break_even_table(p, dY, rng, rows, n_in, repeat):
    table = []
    for density in DENSITIES:
        X = (rng.random((20, rows // 20, n_in)) < density).astype(np.float32)
        row = [density]
        for train in (True, False):
            for path in ("event", "dense"):
                cell = SNUCell(spike_path=path)

                def run(cell=cell, X=X, train=train):
                    recycle()
                    _, cache = cell.forward(p, X, train=train)
                    if train:
                        cell.backward(p, cache, dY, need_dX=False)

                row.append(_median_ms(run, repeat))
        table.append(row)
    return table, _crossing(table, 1, 2), _crossing(table, 3, 4)


def _crossing(table, event, dense):
    """Density where the event column meets the dense one (linear between measured rows)."""
    for lo, hi in itertools.pairwise(table):
        a, b = lo[event] - lo[dense], hi[event] - hi[dense]
        if a <= 0 < b:
            return lo[0] + (hi[0] - lo[0]) * (-a) / (b - a)
    return None


# ---------------------------------------------------------------------- main
def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=40)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--spike-penalty", type=float, nargs="*", default=[1.0, 3.0])
    parser.add_argument("--data-home", default=None)
    parser.add_argument("--json", default=None, help="also write the results to this file")
    args = parser.parse_args()
    data_home = args.data_home or os.environ.get("SKSNN_DATA")
    if data_home is None:
        shared = Path(__file__).resolve().parents[3] / "shared" / "data"
        data_home = str(shared) if shared.is_dir() else None
    results = {"threads": args.threads, "networks": []}
    with numba_threads(args.threads), threadpool_limits(args.threads, user_api="blas"):
        rate = gemm_rate_numpy()
        results["gemm_gflops"] = rate / 1e9
        networks = []
        try:
            networks += mnist_networks(data_home, args.spike_penalty, args.epochs)
        except (OSError, ValueError) as exc:
            print(f"config A skipped: MNIST not found ({exc})")
        networks.append(jsb_network(args.epochs))
        for label, est, accuracy, train, predict in networks:
            cfg = CONFIGS[label[0]]
            timing = time_paths(est, train, predict, args.repeat)
            results["networks"].append({
                "network": label, "test_accuracy": accuracy,
                "input_densities": input_densities(est, train[0][0]),
                "firing_rates_in_fit": est.firing_rates_.tolist(),
                "floor_ms": snu_flops(cfg) / rate * 1e3, "paths": timing,
            })  # fmt: skip
        table, train_even, forward_even = break_even(max(args.repeat // 4, 5))
    results["break_even"] = {"rows": table, "train": train_even, "forward": forward_even}

    print(f"float32, {args.threads} threads; GEMM rate {rate / 1e9:.0f} GFLOP/s")
    for r in results["networks"]:
        dens = ", ".join("current" if d is None else f"{d:.3f}" for d in r["input_densities"])
        acc = "" if r["test_accuracy"] is None else f"; test accuracy {r['test_accuracy']:.4f}"
        print(f"\n{r['network']}: spike density of each layer's input {dens}{acc}")
        print(f"dense matrix-multiply floor {r['floor_ms']:.2f} ms")
        print(
            f"{'path':8s}{'step ms':>10s}{'/floor':>8s}{'predict samples/s':>20s}{'x dense':>9s}"
        )
        dense_pred = r["paths"]["dense"]["predict_samples_per_s"]
        for p in PATHS:
            t = r["paths"][p]
            print(
                f"{p:8s}{t['step_ms']:10.2f}{t['step_ms'] / r['floor_ms']:8.2f}"
                f"{t['predict_samples_per_s']:20.0f}{t['predict_samples_per_s'] / dense_pred:9.2f}"
            )
    print("\nC: the input is a current (pixel intensities), not spikes: dense path only.")
    print("\nbreak-even of one SNU layer (2560 rows, 784 -> 256; events built included), ms:")
    head = ("density", "train: event", "dense", "forward: event", "dense")
    print("".join(f"{h:>{w}s}" for h, w in zip(head, (8, 14, 8, 16, 8))))
    for d, e, dn, ef, df in table:
        print(f"{d:8.2f}{e:14.2f}{dn:8.2f}{ef:16.2f}{df:8.2f}")

    def fmt(x):
        return "above the last density" if x is None else f"{x:.3f}"

    print(f"break-even density: training {fmt(train_even)}, forward {fmt(forward_even)}")
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
