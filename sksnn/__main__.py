"""Command line: ``python -m sksnn demo`` (also the ``sksnn`` console script)."""

import argparse
import sys
import time


def demo(args):
    """Train an SNU network on scikit-learn's digits, rows as 8 time steps, and report."""
    import numpy as np
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    from ._engine import CELLS, Adam, Network

    X, y = load_digits(return_X_y=True)
    X = (X / 16.0).reshape(-1, 8, 8).astype(np.float32)
    X_tr, X_te, y_tr, y_te = train_test_split(
        X, y, test_size=0.3, stratify=y, random_state=args.random_state
    )
    rng = np.random.default_rng(args.random_state)
    sizes = [8, 128, 10]
    net = Network([CELLS[args.cell]() for _ in sizes[1:]], [False, False], readout="mean")
    params = net.init(rng, sizes, threshold=1.0, decay=0.8)
    opt = Adam(net.flat(params), learning_rate_init=0.01)
    onehot = np.eye(10, dtype=np.float32)
    print(f"{args.cell.upper()} 8-128-10 on digits (rows as 8 time steps), Adam, batch 32")
    start = time.perf_counter()
    for epoch in range(1, args.epochs + 1):
        order = rng.permutation(len(X_tr))
        total = 0.0
        for i in range(0, len(order), 32):
            idx = order[i : i + 32]
            batch = np.ascontiguousarray(X_tr[idx].transpose(1, 0, 2))
            loss, grads, _ = net.loss_grad(params, batch, onehot[y_tr[idx]])
            opt.update_params(net.flat(params), net.flat(params, grads))
            net.project(params)
            total += loss * len(idx)
        Z = net.predict_output(params, np.ascontiguousarray(X_te.transpose(1, 0, 2)))
        acc = float((Z.argmax(1) == y_te).mean())
        print(f"epoch {epoch:2d}  loss {total / len(X_tr):.4f}  test accuracy {acc:.3f}")
    print(f"fit time {time.perf_counter() - start:.1f} s")
    return 0


def main(argv=None):
    """Entry point of ``python -m sksnn`` and of the ``sksnn`` console script."""
    parser = argparse.ArgumentParser(prog="sksnn", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("demo", help="train an SNU on the embedded digits data and report")
    p.add_argument("--cell", choices=["snu", "ssnu"], default="snu")
    p.add_argument("--epochs", type=int, default=10)
    p.add_argument("--random-state", type=int, default=0)
    p.set_defaults(func=demo)
    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
