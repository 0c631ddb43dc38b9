"""Next-step prediction on the JSB chorales: test NLL per step (summed over the 88 keys).

Protocol: train on the 229 training chorales one epoch at a time (``partial_fit``), measure
the validation NLL after each epoch, keep the model with the best validation NLL, and report
its test NLL (Boulanger-Lewandowski et al. 2012 convention). Progress goes to stdout, results
to a JSON file.

Usage::

    python benchmarks/jsb.py --model lstm [--hidden 150] [--epochs 100] [--patience 15]
        [--seed 0] [--out benchmarks/results/jsb_lstm.json] [key=value ...]

Extra ``key=value`` pairs are passed to the estimator (e.g. ``learning_rate_init=0.002``).
"""

import argparse
import ast
import copy
import json
import time

from sksnn import (
    GRUSequencePredictor,
    LSTMSequencePredictor,
    RNNSequencePredictor,
    SNUSequencePredictor,
)
from sksnn.datasets import load_jsb_chorales

MODELS = {
    "lstm": (LSTMSequencePredictor, {}),
    "gru": (GRUSequencePredictor, {}),
    "rnn": (RNNSequencePredictor, {}),
    "snu": (SNUSequencePredictor, {"recurrent": False}),
    "ssnu": (SNUSequencePredictor, {"soft": True, "recurrent": False}),
    "rssnu": (SNUSequencePredictor, {"soft": True, "recurrent": True}),
}


def main():
    raw = argparse.RawDescriptionHelpFormatter
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=raw)
    parser.add_argument("--model", choices=sorted(MODELS), default="lstm")
    parser.add_argument("--hidden", type=int, default=150)
    parser.add_argument("--epochs", type=int, default=100)
    parser.add_argument("--patience", type=int, default=15)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default=None)
    parser.add_argument("params", nargs="*", help="estimator parameters as key=value")
    args = parser.parse_args()
    extra = {k: ast.literal_eval(v) for k, v in (p.split("=", 1) for p in args.params)}
    cls, defaults = MODELS[args.model]
    data = load_jsb_chorales()
    model = cls((args.hidden,), random_state=args.seed, **{**defaults, **extra})
    best, best_valid, waited, curve = None, float("inf"), 0, []
    start = time.perf_counter()
    for epoch in range(1, args.epochs + 1):
        model.partial_fit(data.train)
        valid = -model.score(data.valid)
        curve.append(dict(epoch=epoch, train_loss=model.loss_, valid_nll=valid,
                          seconds=time.perf_counter() - start))  # fmt: skip
        flag = ""
        if valid < best_valid:
            best, best_valid, waited, flag = copy.deepcopy(model), valid, 0, " *"
        else:
            waited += 1
        print(f"epoch {epoch:3d}  train {model.loss_:.3f}  valid NLL {valid:.3f}  "
              f"{time.perf_counter() - start:6.1f} s{flag}", flush=True)  # fmt: skip
        if waited >= args.patience:
            break
    test = -best.score(data.test)
    seconds = time.perf_counter() - start
    print(f"{args.model} ({args.hidden}): best valid NLL {best_valid:.3f}, test NLL {test:.3f}, "
          f"{seconds:.0f} s for {epoch} epochs")  # fmt: skip
    if args.out:
        with open(args.out, "w") as f:
            json.dump(dict(model=args.model, hidden=args.hidden, params=extra, seed=args.seed,
                           test_nll=test, best_valid_nll=best_valid, seconds=seconds,
                           curve=curve), f, indent=1)  # fmt: skip


if __name__ == "__main__":
    main()
