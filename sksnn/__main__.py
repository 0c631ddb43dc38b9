"""Command line: ``python -m sksnn demo`` (also the ``sksnn`` console script)."""

import argparse
import sys
import time
import warnings


def demo(args):
    """Train SNU and sSNU classifiers on scikit-learn's digits (rows as time steps); report."""
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    from . import SNUClassifier

    X, y = load_digits(return_X_y=True)
    X = (X / 16.0).reshape(-1, 8, 8)  # 8 rows = 8 time steps of 8 pixels
    X_tr, X_te, y_tr, y_te = train_test_split(
        X, y, test_size=0.3, stratify=y, random_state=args.random_state
    )
    print(f"digits: {len(X_tr)} training and {len(X_te)} test images, rows as 8 time steps")
    models = {
        "SNU (128, recurrent)": SNUClassifier((128,), random_state=args.random_state),
        "sSNU (128, recurrent)": SNUClassifier((128,), soft=True, random_state=args.random_state),
    }
    rows = []
    for name, model in models.items():
        print(f"training {name} ...", flush=True)
        model.set_params(verbose=args.verbose)
        start = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", category=UserWarning)
            model.fit(X_tr, y_tr)
        seconds = time.perf_counter() - start
        rates = ", ".join(f"{r:.2f}" for r in model.firing_rates_)
        rows.append((name, model.score(X_te, y_te), seconds, model.n_iter_, rates))
    print()
    print(f"{'model':24s}{'test accuracy':>15s}{'fit s':>8s}{'epochs':>8s}  firing rates")
    for name, acc, seconds, epochs, rates in rows:
        print(f"{name:24s}{acc:15.3f}{seconds:8.1f}{epochs:8d}  {rates}")
    return 0


def main(argv=None):
    """Entry point of ``python -m sksnn`` and of the ``sksnn`` console script."""
    parser = argparse.ArgumentParser(prog="sksnn", description="sksnn command line")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("demo", help="train SNU and sSNU on the embedded digits data and report")
    p.add_argument("--random-state", type=int, default=0)
    p.add_argument("--verbose", type=int, default=0, help="1: one line per epoch")
    p.set_defaults(func=demo)
    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
