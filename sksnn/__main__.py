"""Command line: ``python -m sksnn demo`` (also the ``sksnn`` console script).

``sksnn demo`` trains SNU, sSNU and LSTM models on the embedded data (digits as sequences and
the JSB chorales), a soft-LIF network (rate and spiking accuracy) and an SRC network on the
digits' pixels, prints their scores and fit times, and reads the SNU from simulated
phase-change memory after an hour, a day and a year. ``sksnn bench NAME`` runs a benchmark
script of a source checkout (``benchmarks/NAME.py``).
"""

import argparse
import runpy
import sys
import time
import warnings
from pathlib import Path

from ._progress import progress


def _fit(model, *args):
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", category=UserWarning)  # ConvergenceWarning included
        model.fit(*args)
    return time.perf_counter() - start


def demo(args):
    """The embedded-data tour; returns 0."""
    from sklearn.model_selection import train_test_split

    from . import (
        LSTMClassifier,
        LSTMSequencePredictor,
        PCMDeviceTransformer,
        SNUClassifier,
        SNUSequencePredictor,
        SoftLIFClassifier,
        SRCClassifier,
    )
    from .datasets import load_digits_sequences, load_jsb_chorales

    seed = args.random_state
    print("sksnn demo: embedded data only (the first run compiles the kernels, then they are "
          "cached)\n")  # fmt: skip
    X, y = load_digits_sequences(return_X_y=True)
    X_tr, X_te, y_tr, y_te = train_test_split(X, y, test_size=0.3, stratify=y, random_state=seed)
    jsb = load_jsb_chorales()
    hidden, epochs = (16, 3) if args.quick else (128, None)
    jsb_epochs, jsb_hidden = ((2, 2), 16) if args.quick else ((15, 8), 150)
    jobs = [
        ("digits rows", "SNU", SNUClassifier((hidden,), random_state=seed), "accuracy"),
        ("digits rows", "sSNU", SNUClassifier((hidden,), soft=True, random_state=seed),
         "accuracy"),
        ("digits rows", "LSTM", LSTMClassifier((hidden,), random_state=seed), "accuracy"),
        ("digits pixels", "soft LIF", SoftLIFClassifier((hidden,), random_state=seed),
         "accuracy"),
        ("digits pixels", "SRC", SRCClassifier((max(hidden // 2, 8),), max_iter=20,
                                               random_state=seed), "accuracy"),
        (f"JSB, {jsb_epochs[0]} epochs", "SNU", SNUSequencePredictor(
            (jsb_hidden,), recurrent=False, max_iter=jsb_epochs[0], random_state=seed),
         "test NLL"),
        (f"JSB, {jsb_epochs[1]} epochs", "LSTM", LSTMSequencePredictor(
            (jsb_hidden,), max_iter=jsb_epochs[1], random_state=seed), "test NLL"),
    ]  # fmt: skip
    if epochs:
        for job in jobs[:5]:
            job[2].set_params(max_iter=epochs)
    # the same digits as static pixels in [0, 1] (the soft LIF takes no time steps; the SRC
    # gets them rate-coded over its 50 steps)
    digits = {
        "digits rows": (X_tr, y_tr, X_te, y_te),
        "digits pixels": tuple(a.reshape(len(a), -1) if a.ndim == 3 else a
                               for a in (X_tr, y_tr, X_te, y_te)),
    }  # fmt: skip
    rows = []
    for task, name, model, metric in jobs:
        print(f"training {name} on {task} ...", end=" ", flush=True)
        if task.startswith("digits"):
            A_tr, b_tr, A_te, b_te = digits[task]
            seconds = _fit(model, A_tr, b_tr)
            score = model.score(A_te, b_te)
        else:
            seconds = _fit(model, jsb.train)
            score = -model.score(jsb.test)
        print(f"{seconds:.1f} s")
        rows.append((task, name, metric, score, seconds, model.n_iter_))
        if name == "soft LIF":  # the same model run as spiking LIF neurons
            start = time.perf_counter()
            spiking = model.set_params(spiking=True).score(A_te, b_te)
            seconds = time.perf_counter() - start
            rows.append((task, "  spiking", metric, spiking, seconds, model.n_iter_))
    print(f"\n{'task':16s}{'model':10s}{'metric':10s}{'score':>8s}{'fit s':>8s}{'epochs':>8s}")
    for task, name, metric, score, seconds, epochs in rows:
        print(f"{task:16s}{name:10s}{metric:10s}{score:8.3f}{seconds:8.1f}{epochs:8d}")
    print("(JSB test NLL: per time step, summed over the 88 keys; lower is better. The soft-LIF")
    print("network's spiking row runs its trained weights as spiking LIF neurons for 150 ms per")
    print("image: its 'fit s' is that prediction's time.)")

    snu = jobs[0][2]
    times = {"1 hour": 3600.0, "1 day": 86400.0, "1 year": 3.15e7}
    cells = {}
    grid = [(label, t, comp) for label, t in times.items() for comp in (True, False)]
    for label, t, comp in progress(grid, desc="reading the SNU from simulated PCM"):
        accs = [
            snu.set_params(device=PCMDeviceTransformer(
                t_inference=t, drift_compensation=comp, random_state=s)).score(X_te, y_te)
            for s in range(3)
        ]  # fmt: skip
        cells[label, comp] = sum(accs) / len(accs)
    snu.set_params(device=None)
    n_devices = 2 * sum(w.size for w in snu.coefs_ + snu.recurrent_coefs_ if w is not None)
    print(f"\nSNU digits accuracy on {n_devices:,} simulated PCM devices "
          f"(software {rows[0][3]:.3f}; mean of 3 device draws):")  # fmt: skip
    print(f"{'':22s}" + "".join(f"{label:>10s}" for label in times))
    for comp in (True, False):
        name = "drift compensation" if comp else "no compensation"
        print(f"{name:22s}" + "".join(f"{cells[label, comp]:10.3f}" for label in times))
    return 0


def bench(args):
    """Run ``benchmarks/NAME.py`` of a source checkout with the remaining arguments."""
    folder = Path(__file__).resolve().parents[1] / "benchmarks"
    script = folder / f"{args.name}.py"
    if not script.exists():
        found = sorted(p.stem for p in folder.glob("*.py")) if folder.exists() else []
        raise SystemExit(
            f"no benchmark {args.name!r} in {folder}"
            + (f"; available: {', '.join(found)}" if found else " (benchmarks ship with the "
               "source checkout, not with the installed package)")
        )  # fmt: skip
    sys.argv = [str(script), *args.rest]
    runpy.run_path(str(script), run_name="__main__")
    return 0


def main(argv=None):
    """Entry point of ``python -m sksnn`` and of the ``sksnn`` console script."""
    parser = argparse.ArgumentParser(prog="sksnn", description="sksnn command line")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("demo", help="train SNU, sSNU and LSTM on the embedded data and report")
    p.add_argument("--random-state", type=int, default=0)
    p.add_argument("--quick", action="store_true", help=argparse.SUPPRESS)  # smoke test
    p.set_defaults(func=demo)
    b = sub.add_parser("bench", help="run benchmarks/NAME.py of a source checkout")
    b.add_argument("name", help="e.g. digits_rows, jsb, pcm_jsb, engine_step, lstm_vs_torch")
    b.add_argument("rest", nargs=argparse.REMAINDER, help="arguments for the benchmark")
    b.set_defaults(func=bench)
    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
