"""Event-driven against dense products on config A with real rate-coded MNIST batches.

Config A of ``run.py``: batch 128, 20 steps, 784-256-256-10 feed-forward SNU, float32,
2 threads. The network is an ``SNUClassifier`` trained for one epoch on 5000 MNIST images
(rate coding of the SNU paper: p = x * 6 / 20 per step), so the hidden layers fire as they do
in training. Then, on the same 128-image batches, the engine's training step (forward + BPTT +
Adam) and prediction are timed interleaved with every layer on the dense path, on the event
path, and on "auto"; the table gives the medians, the spike density of each layer's input,
the dense matrix-multiply floor (``run.py``'s FLOP count over the measured GEMM rate) and the
break-even density of one 128 x 20 x 784 -> 256 product.

Usage: ``python benchmarks/speed/events.py [--repeat 40] [--threads 2] [--data-home DIR]``
(MNIST from ``--data-home``, ``SKSNN_DATA`` or ``../shared/data``).
"""

import argparse
import copy
import os
import time
import warnings
from pathlib import Path

import numpy as np
from threadpoolctl import threadpool_limits

from sksnn import SNUClassifier
from sksnn._engine import Adam, numba_threads
from sksnn._engine.events import event_grad, event_matmul, to_events
from sksnn.datasets import load_mnist

from common import CONFIGS, gemm_rate_numpy, snu_flops

PATHS = ("dense", "event", "auto")


def _median_ms(f, repeat):
    f()
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        f()
        times.append(time.perf_counter() - t)
    return float(np.median(times)) * 1e3


def trained_classifier(data_home, n_train=5000):
    X, y = load_mnist("train", data_home=data_home, return_X_y=True)
    clf = SNUClassifier(
        (256, 256), recurrent=False, encoding="rate", n_steps=20, max_iter=1,
        learning_rate_init=0.001, batch_size=128, random_state=0,
    )  # fmt: skip
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        clf.fit(X[:n_train] * (6 / 20), y[:n_train])  # p = x * 6 / 20
    return clf, X[n_train : n_train + 128 * 8] * (6 / 20), y[n_train : n_train + 128 * 8]


def break_even(rate, n_in=784, n_out=256, rows=2560, repeat=10):
    """Lowest density at which forward + gradient on the event path cost as much as dense."""
    rng = np.random.default_rng(0)
    W = rng.normal(size=(n_in, n_out)).astype(np.float32)
    D = rng.normal(size=(rows, n_out)).astype(np.float32)
    out = []
    for density in (0.01, 0.02, 0.05, 0.1, 0.15, 0.2, 0.3, 0.5):
        X = (rng.random((rows, n_in)) < density).astype(np.float32)

        def event(X=X):
            ev = to_events(X)
            event_matmul(ev, W)
            event_grad(ev, D)

        def dense(X=X):
            X @ W
            X.T @ D

        def event_forward(X=X):
            event_matmul(to_events(X), W)

        def dense_forward(X=X):
            X @ W

        out.append((
            density, _median_ms(event, repeat), _median_ms(dense, repeat),
            _median_ms(event_forward, repeat), _median_ms(dense_forward, repeat),
        ))  # fmt: skip
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=40)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--data-home", default=None)
    args = parser.parse_args()
    data_home = args.data_home or os.environ.get("SKSNN_DATA")
    if data_home is None:
        shared = Path(__file__).resolve().parents[3] / "shared" / "data"
        data_home = str(shared) if shared.is_dir() else None
    cfg = CONFIGS["A"]
    with numba_threads(args.threads), threadpool_limits(args.threads, user_api="blas"):
        rate = gemm_rate_numpy()
        floor = snu_flops(cfg) / rate * 1e3
        clf, Xb, yb = trained_classifier(data_home)
        net = clf._net
        rng = np.random.default_rng(0)
        batches = []
        for i in range(0, len(Xb), 128):
            data = clf._prepare_fit(Xb[i : i + 128], yb[i : i + 128], False)[0]
            batches.append(clf._batch(data, np.arange(128), rng)[:2])
        outs = net.layer_outputs(clf._params, batches[0][0])
        densities = [float(np.mean(batches[0][0]))] + [float(np.mean(o)) for o in outs[:-1]]

        def candidate(path):
            params = copy.deepcopy(clf._params)
            opt = Adam(net.flat(params), 0.001)
            state = {"i": 0}

            def use_path():
                for cell in net.cells:
                    cell.spike_path = path

            def step():
                use_path()
                X, Y = batches[state["i"] % len(batches)]
                state["i"] += 1
                _, grads, _ = net.loss_grad(params, X, Y)
                opt.update_params(net.flat(params), net.flat(params, grads))

            def predict():
                use_path()
                net.predict_output(params, batches[state["i"] % len(batches)][0])
                state["i"] += 1

            return step, predict

        cands = {p: candidate(p) for p in PATHS}
        steps = {p: [] for p in PATHS}
        preds = {p: [] for p in PATHS}
        for _ in range(max(args.repeat // 5, 1)):  # interleaved blocks of 5
            for p, (step, predict) in cands.items():
                step()
                for _ in range(5):
                    t = time.perf_counter()
                    step()
                    steps[p].append(time.perf_counter() - t)
                predict()
                for _ in range(5):
                    t = time.perf_counter()
                    predict()
                    preds[p].append(time.perf_counter() - t)
        table = break_even(rate)

    print(f"config A on MNIST rate-coded batches: float32, {args.threads} threads")
    print(f"GEMM rate {rate / 1e9:.0f} GFLOP/s; dense matrix-multiply floor {floor:.2f} ms")
    print("spike density of each layer's input: "
          + ", ".join(f"{d:.3f}" for d in densities))  # fmt: skip
    print(f"{'path':8s}{'step ms':>10s}{'/floor':>8s}{'predict samples/s':>20s}")
    for p in PATHS:
        step_ms = float(np.median(steps[p])) * 1e3
        pred = 128 / float(np.median(preds[p]))
        print(f"{p:8s}{step_ms:10.2f}{step_ms / floor:8.2f}{pred:20.0f}")
    ratio = float(np.median(preds["dense"])) / float(np.median(preds["event"]))
    print(f"prediction speed-up event/dense: {ratio:.2f}")
    print("break-even of one layer (2560 rows, 784 -> 256; events built included):")
    head = ("density", "train: event", "dense ms", "fwd: event", "dense ms")
    print("".join(f"{h:>{w}s}" for h, w in zip(head, (8, 14, 10, 12, 10))))
    for d, e, dn, ef, df in table:
        print(f"{d:8.2f}{e:14.2f}{dn:10.2f}{ef:12.2f}{df:10.2f}")


if __name__ == "__main__":
    main()
