"""SNUClassifier on scikit-learn's digits, rows as 8 time steps, 70/30 stratified split.

The acceptance run of the estimators issue: ``hidden_layer_sizes=(128,)``, otherwise default
parameters, on 2 cores. Prints test accuracy, fit seconds and epochs per seed and writes them
as JSON.

Usage: ``python benchmarks/digits_rows.py [--seeds 0 1 2] [--soft] [--out results.json]``.
"""

import argparse
import json
import time

import numpy as np
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

from sksnn import SNUClassifier
from sksnn._engine import numba_threads


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--soft", action="store_true", help="sSNU instead of SNU")
    parser.add_argument("--feed-forward", action="store_true", help="recurrent=False")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--out", default=None)
    args = parser.parse_args()
    X, y = load_digits(return_X_y=True)
    X = (X / 16.0).reshape(-1, 8, 8)
    rows = []
    with numba_threads(args.threads):
        for seed in args.seeds:
            X_tr, X_te, y_tr, y_te = train_test_split(
                X, y, test_size=0.3, stratify=y, random_state=seed
            )
            clf = SNUClassifier((128,), soft=args.soft, random_state=seed)
            if args.feed_forward:
                clf.set_params(recurrent=False)
            start = time.perf_counter()
            clf.fit(X_tr, y_tr)
            seconds = time.perf_counter() - start
            acc = clf.score(X_te, y_te)
            rows.append(dict(seed=seed, accuracy=acc, fit_seconds=seconds, epochs=clf.n_iter_))
            print(f"seed {seed}: test accuracy {acc:.4f}  fit {seconds:.1f} s  "
                  f"epochs {clf.n_iter_}")  # fmt: skip
    accs = [r["accuracy"] for r in rows]
    print(f"mean accuracy {np.mean(accs):.4f} (min {np.min(accs):.4f})")
    if args.out:
        with open(args.out, "w") as f:
            meta = dict(soft=args.soft, recurrent=not args.feed_forward)
            json.dump(dict(**meta, runs=rows), f, indent=1)


if __name__ == "__main__":
    main()
