"""Resumable runner of the published benchmarks (SPEC section 5): one task, one model, one seed.

Tasks and models:

- ``temporal_mnist``, ``fashion_mnist``: pixels rate-coded as in the SNU paper (20 steps,
  Bernoulli spikes with p = x * 6 / 20); models ``snu4`` and ``ssnu4`` (784-250-250-10
  feed-forward SNU / sSNU), ``snu7`` (five hidden layers of 250), ``lstm``, ``gru``, ``rnn``
  (two layers of 250 on the same spike input). Validation: the last 5000 training images; the
  metric is accuracy.
- ``jsb``: next-step prediction on the JSB chorales; models ``snu``, ``ssnu`` (feed-forward,
  150 units), ``rssnu`` (recurrent sSNU, 150), ``lstm``, ``gru``, ``rnn`` (150). Validation: the
  valid split; the metric is the NLL per step summed over the 88 keys (lower is better).

Training runs one epoch per ``partial_fit`` call, which keeps the optimizer state and the
adaptive step size across epochs. After every epoch the runner measures the validation and test
metrics, writes ``<out>/<task>_<model>_s<seed>.json``, a checkpoint beside it (``.ckpt.pkl``:
the estimator and the results) and the best-validation estimator (``.best.pkl``), all
atomically, and prints one line. Run the same command again to resume from the checkpoint (or
with a larger ``--epochs`` to extend a run). The reported number is the test metric of the epoch
with the best validation metric.

Usage::

    python benchmarks/papers/run.py temporal_mnist --model ssnu4 --epochs 30
    python benchmarks/papers/run.py jsb --model rssnu --epochs 100 --set learning_rate_init=0.002
    python benchmarks/papers/run.py temporal_mnist --model snu4 --subset 2000 --epochs 1  # smoke

``--set key=value`` (repeatable; values parsed with ``ast.literal_eval``) overrides the settings
in ``HYPERPARAMS`` below; a run with other settings than its checkpoint's refuses to resume
(use ``--tag`` to keep both, or ``--restart``). ``--subset N`` keeps the first N samples of
every split (smoke runs; its files get a ``_subsetN`` suffix and the table leaves them out).
The data folder is ``--data-home``, else ``SKSNN_DATA``, else ``../shared/data`` beside the
repository if it exists, else ``~/sksnn_data`` (``--download`` fetches MNIST there).
"""

import argparse
import ast
import contextlib
import copy
import json
import os
import pickle
import platform
import secrets
import shlex
import sys
import time
import warnings
from pathlib import Path

import numpy as np

import sksnn
from sksnn import (
    GRUClassifier,
    GRUSequencePredictor,
    LSTMClassifier,
    LSTMSequencePredictor,
    RNNClassifier,
    RNNSequencePredictor,
    SNUClassifier,
    SNUSequencePredictor,
    SoftLIFClassifier,
    SRCClassifier,
)
from sksnn.datasets import load_fashion_mnist, load_jsb_chorales, load_mnist

REPO = Path(__file__).resolve().parents[2]
DEFAULT_OUT = REPO / "benchmarks" / "results" / "papers"
N_VALID_MNIST = 5000  # the last training images, held out for model selection

# ---------------------------------------------------------------- settings to tune
# Estimator parameters per task and model. "max_spikes" is the rate coding's expected number of
# spikes of a white pixel: passed to the estimator if it has that parameter, else applied by
# scaling the pixels by max_spikes / n_steps (the same spike probabilities).
_RATE = {"encoding": "rate", "n_steps": 20, "max_spikes": 6}
# the same models and settings for MNIST and Fashion-MNIST
_MNIST_MODELS = {
    "snu4": {"hidden_layer_sizes": (250, 250), "soft": False, "recurrent": False, **_RATE,
             "learning_rate_init": 0.001, "batch_size": "auto", "alpha": 1e-4},
    "ssnu4": {"hidden_layer_sizes": (250, 250), "soft": True, "recurrent": False, **_RATE,
              "learning_rate_init": 0.001, "batch_size": "auto", "alpha": 1e-4},
    "snu7": {"hidden_layer_sizes": (250,) * 5, "soft": False, "recurrent": False, **_RATE,
             "learning_rate_init": 0.001, "batch_size": "auto", "alpha": 1e-4},
    "lstm": {"hidden_layer_sizes": (250, 250), **_RATE,
             "learning_rate_init": 0.005, "batch_size": "auto", "alpha": 1e-4},
    "gru": {"hidden_layer_sizes": (250, 250), **_RATE,
            "learning_rate_init": 0.005, "batch_size": "auto", "alpha": 1e-4},
    "rnn": {"hidden_layer_sizes": (250, 250), **_RATE,
            "learning_rate_init": 0.005, "batch_size": "auto", "alpha": 1e-4},
    # the SRC needs more steps to fire (its slow variable starts at rest): 50 steps with
    # p = x, the plain rate coding, instead of the SNU paper's 20 steps with p = 0.3 x
    "src": {"hidden_layer_sizes": (250, 250), "encoding": "rate", "n_steps": 50,
            "learning_rate_init": 0.01, "batch_size": "auto", "alpha": 1e-4},
}  # fmt: skip
HYPERPARAMS = {
    # static MNIST for the soft-LIF network (trained as an ANN, then run as spiking LIF)
    "mnist": {
        "softlif": {"hidden_layer_sizes": (500, 300), "learning_rate_init": 0.001,
                    "batch_size": "auto", "alpha": 1e-4},
    },
    "temporal_mnist": _MNIST_MODELS,
    "fashion_mnist": copy.deepcopy(_MNIST_MODELS),
    "jsb": {
        "snu": {"hidden_layer_sizes": (150,), "soft": False, "recurrent": False,
                "learning_rate_init": 0.01, "batch_size": "auto", "alpha": 1e-4},
        "ssnu": {"hidden_layer_sizes": (150,), "soft": True, "recurrent": False,
                 "learning_rate_init": 0.01, "batch_size": "auto", "alpha": 1e-4},
        # decay 0.4: the authors' recurrent-sSNU JSB run (SPEC section 1)
        "rssnu": {"hidden_layer_sizes": (150,), "soft": True, "recurrent": True, "decay": 0.4,
                  "learning_rate_init": 0.01, "batch_size": "auto", "alpha": 1e-4},
        # chosen on the validation NLL among the runs listed in doc/papers.rst
        "rssnu_tuned": {"hidden_layer_sizes": (150,), "soft": True, "recurrent": True,
                        "decay": 0.8, "threshold": 0.5, "dropout": 0.3,
                        "learning_rate_init": 0.01, "batch_size": "auto", "alpha": 1e-4},
        "lstm": {"hidden_layer_sizes": (150,),
                 "learning_rate_init": 0.005, "batch_size": "auto", "alpha": 1e-4},
        "gru": {"hidden_layer_sizes": (150,),
                "learning_rate_init": 0.005, "batch_size": "auto", "alpha": 1e-4},
        "rnn": {"hidden_layer_sizes": (150,),
                "learning_rate_init": 0.005, "batch_size": "auto", "alpha": 1e-4},
    },
}  # fmt: skip
DEFAULT_EPOCHS = {"mnist": 30, "temporal_mnist": 30, "fashion_mnist": 30, "jsb": 100}
# ----------------------------------------------------------------------------------

_CLASSIFIERS = {
    "snu4": SNUClassifier,
    "ssnu4": SNUClassifier,
    "snu7": SNUClassifier,
    "lstm": LSTMClassifier,
    "gru": GRUClassifier,
    "rnn": RNNClassifier,
    "src": SRCClassifier,
}
ESTIMATORS = {
    "mnist": {"softlif": SoftLIFClassifier},
    "temporal_mnist": _CLASSIFIERS,
    "fashion_mnist": _CLASSIFIERS,
    "jsb": {
        "snu": SNUSequencePredictor,
        "ssnu": SNUSequencePredictor,
        "rssnu": SNUSequencePredictor,
        "rssnu_tuned": SNUSequencePredictor,
        "lstm": LSTMSequencePredictor,
        "gru": GRUSequencePredictor,
        "rnn": RNNSequencePredictor,
    },
}
METRICS = {  # name, higher is better
    "mnist": ("accuracy", True),
    "temporal_mnist": ("accuracy", True),
    "fashion_mnist": ("accuracy", True),
    "jsb": ("nll_per_step", False),
}
THREAD_VARIABLES = (
    "OMP_NUM_THREADS",
    "OPENBLAS_NUM_THREADS",
    "MKL_NUM_THREADS",
    "NUMBA_NUM_THREADS",
)
RUNNER_KEYS = ("max_spikes",)  # settings the runner applies when the estimator lacks them


# ---------------------------------------------------------------- data
def default_data_home():
    """``SKSNN_DATA``, else the shared data beside the repository if present, else None."""
    if os.environ.get("SKSNN_DATA"):
        return os.environ["SKSNN_DATA"]
    shared = REPO.parent / "shared" / "data"
    return str(shared) if shared.is_dir() else None


def load_task(task, subset=None, data_home=None, download=False):
    """``{"train"|"valid"|"test": (X, y)}`` of a task; ``y`` is None for next-step JSB."""
    if task == "jsb":
        d = load_jsb_chorales()
        splits = {s: (d[s], None) for s in ("train", "valid", "test")}
    else:
        load = load_fashion_mnist if task == "fashion_mnist" else load_mnist
        kw = dict(data_home=data_home, download=download, return_X_y=True)
        X, y = load("train", **kw)
        splits = {
            "train": (X[:-N_VALID_MNIST], y[:-N_VALID_MNIST]),
            "valid": (X[-N_VALID_MNIST:], y[-N_VALID_MNIST:]),
            "test": load("test", **kw),
        }
    if subset:
        splits = {
            s: (X[:subset], None if y is None else y[:subset]) for s, (X, y) in splits.items()
        }
    return splits


# ---------------------------------------------------------------- model
def settings_for(task, model, overrides=()):
    """The hyperparameters of ``(task, model)`` with ``--set`` overrides applied."""
    params = dict(HYPERPARAMS[task][model])
    for item in overrides:
        key, sep, value = item.partition("=")
        if not sep:
            raise SystemExit(f"--set expects key=value, got {item!r}")
        try:
            params[key.strip()] = ast.literal_eval(value.strip())
        except (ValueError, SyntaxError):
            params[key.strip()] = value.strip()  # a bare word: a string
    return params


def make_estimator(task, model, params, seed):
    """The estimator and the runner-side settings (``max_spikes`` without estimator support)."""
    cls = ESTIMATORS[task][model]
    accepted = cls().get_params()
    runner = {k: params[k] for k in RUNNER_KEYS if k in params and k not in accepted}
    est_params = {k: v for k, v in params.items() if k not in runner}
    if "random_state" in est_params:
        raise SystemExit("set the seed with --seed, not --set random_state=...")
    unknown = sorted(set(est_params) - set(accepted))
    if unknown:
        raise SystemExit(
            f"{cls.__name__} has no parameter {', '.join(unknown)}; it has {sorted(accepted)}"
        )
    return cls(**est_params, random_state=seed), runner


def input_scale(params, runner):
    """Factor on the pixels that gives ``p = x * max_spikes / n_steps`` with plain rate coding."""
    if "max_spikes" not in runner:
        return 1.0
    if params.get("encoding") != "rate":
        raise SystemExit("max_spikes only applies to encoding='rate'")
    return float(runner["max_spikes"]) / float(params.get("n_steps", 20))


def evaluate(task, est, X, y):
    """The task's metric on one split."""
    if task == "jsb":
        return float(-est.score(X))  # minus the mean log-likelihood: the NLL per step
    return float(est.score(X, y))


# ---------------------------------------------------------------- bookkeeping
def _jsonable(value):
    return json.loads(json.dumps(value, default=repr))


def environment():
    """Versions, machine and threads, recorded with every result."""
    import numba
    import scipy
    import sklearn
    from threadpoolctl import threadpool_info

    return {
        "sksnn": sksnn.__version__,
        "numpy": np.__version__,
        "scipy": scipy.__version__,
        "scikit-learn": sklearn.__version__,
        "numba": numba.__version__,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "machine": platform.machine(),
        "processor": platform.processor() or None,
        "cpu_count": os.cpu_count(),
        "cpus_usable": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None,
        "threads": {
            "numba": numba.get_num_threads(),
            "blas": [
                {k: lib.get(k) for k in ("internal_api", "num_threads", "version")}
                for lib in threadpool_info()
            ],
            "env": {k: os.environ[k] for k in THREAD_VARIABLES if k in os.environ},
        },
    }


def atomic_write(path, data):
    """Write bytes to ``path`` through a temporary file in the same folder and a rename."""
    path = Path(path)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    try:
        with open(tmp, "xb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)


def _diff(old, new):
    """``key: old -> new`` for the settings (and estimator parameters) that differ."""
    flat_old = {**{k: v for k, v in old.items() if k != "params"}, **old["params"]}
    flat_new = {**{k: v for k, v in new.items() if k != "params"}, **new["params"]}
    keys = sorted(set(flat_old) | set(flat_new))
    unset = object()

    def show(v):
        return "(unset)" if v is unset else repr(v)

    return ", ".join(
        f"{k}: {show(flat_old.get(k, unset))} -> {show(flat_new.get(k, unset))}"
        for k in keys
        if flat_old.get(k, unset) != flat_new.get(k, unset)
    )


def best_epoch(result):
    """The record of the epoch with the best validation metric (the first one on ties)."""
    records = result["epochs"]
    if not records:
        return None
    sign = 1 if result["higher_is_better"] else -1
    return max(records, key=lambda r: (sign * r["valid"], -r["epoch"]))


def run_stem(task, model, seed, subset=None, tag=None):
    stem = f"{task}_{model}_s{seed}"
    if subset:
        stem += f"_subset{subset}"
    if tag:
        stem += f"_{tag}"
    return stem


def _progress(result, record, n_epochs, improved):
    metric = result["metric"]

    def fmt(v):
        return f"{100 * v:6.2f} %" if metric == "accuracy" else f"{v:7.4f}"

    print(
        f"{result['task']} {result['model']} s{result['seed']}  epoch {record['epoch']:3d}/"
        f"{n_epochs}  loss {record['train_loss']:.4f}  valid {fmt(record['valid'])}  "
        f"test {fmt(record['test'])}  {record['seconds']:6.1f} s + eval "
        f"{record['eval_seconds']:.1f} s" + (" *" if improved else ""),
        flush=True,
    )


# ---------------------------------------------------------------- main
def parse_args(argv=None):
    raw = argparse.RawDescriptionHelpFormatter
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=raw)
    parser.add_argument("task", choices=sorted(HYPERPARAMS))
    parser.add_argument("--model", required=True)
    parser.add_argument("--epochs", type=int, default=None, help="total epochs (default: task's)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default=str(DEFAULT_OUT))
    parser.add_argument("--subset", type=int, default=None, help="first N samples of each split")
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE")
    parser.add_argument(
        "--patience",
        type=int,
        default=None,
        help="stop after this many epochs without a better validation metric",
    )
    parser.add_argument("--tag", default=None, help="suffix of the result files' name")
    parser.add_argument("--restart", action="store_true", help="ignore an existing checkpoint")
    parser.add_argument("--data-home", default=None)
    parser.add_argument("--download", action="store_true", help="fetch missing MNIST files")
    args = parser.parse_args(argv)
    if args.model not in HYPERPARAMS[args.task]:
        parser.error(
            f"--model for {args.task} must be one of {sorted(HYPERPARAMS[args.task])}, "
            f"got {args.model!r}"
        )
    if args.epochs is None:
        args.epochs = DEFAULT_EPOCHS[args.task]
    return args


def main(argv=None):
    args = parse_args(argv)
    command = shlex.join(["python", *(sys.argv if argv is None else [__file__, *argv])])
    command = command.replace(str(REPO) + os.sep, "")
    task, model, seed = args.task, args.model, args.seed
    params = settings_for(task, model, args.set)
    settings = _jsonable(
        {"task": task, "model": model, "seed": seed, "subset": args.subset, "params": params}
    )
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    stem = run_stem(task, model, seed, args.subset, args.tag)
    json_path, ckpt_path = out / f"{stem}.json", out / f"{stem}.ckpt.pkl"
    best_path = out / f"{stem}.best.pkl"

    if ckpt_path.exists() and not args.restart:
        with open(ckpt_path, "rb") as f:
            state = pickle.load(f)
        est, result = state["model"], state["result"]
        if result["settings"] != settings:
            raise SystemExit(
                f"{ckpt_path} was made with other settings (checkpoint -> now): "
                f"{_diff(result['settings'], settings)}. Pass --tag NAME to keep both runs, or "
                "--restart to start this one over."
            )
        runner = result["runner"]
        print(f"resuming {stem} after epoch {len(result['epochs'])} from {ckpt_path}")
    else:
        est, runner = make_estimator(task, model, params, seed)
        metric, higher = METRICS[task]
        result = {
            "task": task,
            "model": model,
            "seed": seed,
            "metric": metric,
            "higher_is_better": higher,
            "settings": settings,
            "runner": runner,
            "estimator": type(est).__name__,
            "estimator_params": _jsonable(est.get_params()),
            "epochs": [],
        }
    done = len(result["epochs"])
    best = best_epoch(result)
    if done >= args.epochs or (args.patience and best and done - best["epoch"] >= args.patience):
        print(f"{stem}: nothing to do ({done} epochs run, best at {best and best['epoch']}).")
        summarize(result)
        return result
    result["command"] = command
    result["environment"] = environment()
    result.setdefault("invocations", []).append(
        {"command": command, "from_epoch": done + 1, "started": time.strftime("%Y-%m-%d %H:%M:%S"),
         "environment": result["environment"]}
    )  # fmt: skip

    data_home = args.data_home or default_data_home()
    splits = load_task(task, args.subset, data_home, args.download)
    scale = input_scale(params, runner)
    if scale != 1.0:
        splits = {s: (X * np.float32(scale), y) for s, (X, y) in splits.items()}
    result["runner"] = {**runner, "input_scale": scale, "data_home": data_home}
    result["n_samples"] = {s: len(X) for s, (X, _) in splits.items()}
    X_train, y_train = splits["train"]
    classes = None if task == "jsb" else np.arange(10)  # a subset may lack some

    for epoch in range(done + 1, args.epochs + 1):
        start = time.perf_counter()
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            if task == "jsb":
                est.partial_fit(X_train)
            elif not hasattr(est, "classes_"):
                est.partial_fit(X_train, y_train, classes=classes)
            else:
                est.partial_fit(X_train, y_train)
        seconds = time.perf_counter() - start
        start = time.perf_counter()
        valid = evaluate(task, est, *splits["valid"])
        test = evaluate(task, est, *splits["test"])
        record = {
            "epoch": epoch,
            "seconds": seconds,
            "eval_seconds": time.perf_counter() - start,
            "train_loss": float(est.loss_),
            "valid": valid,
            "test": test,
            "learning_rate": float(est._optimizer.learning_rate),
            "firing_rates": _jsonable(np.asarray(est.firing_rates_).tolist()),
            "warnings": [f"{w.category.__name__}: {w.message}" for w in caught],
        }
        for line in record["warnings"]:
            print("  " + line, flush=True)
        result["epochs"].append(record)
        best = best_epoch(result)
        improved = best is record
        result["best"] = {k: best[k] for k in ("epoch", "valid", "test")}
        result["total_seconds"] = sum(r["seconds"] for r in result["epochs"])
        result["finished"] = epoch == args.epochs
        if improved:
            atomic_write(best_path, pickle.dumps(est))
        # the checkpoint holds the result too, so the JSON can always be rebuilt from it
        atomic_write(ckpt_path, pickle.dumps({"model": est, "result": result}))
        atomic_write(json_path, json.dumps(_jsonable(result), indent=1).encode())
        _progress(result, record, args.epochs, improved)
        if args.patience and epoch - best["epoch"] >= args.patience:
            print(f"no better validation metric for {args.patience} epochs: stopping")
            break
    if "spiking" in result["estimator_params"]:
        spiking_scores(result, best_path, splits, json_path, ckpt_path, est)
    summarize(result)
    return result


def spiking_scores(result, best_path, splits, json_path, ckpt_path, est):
    """Valid and test accuracy of the best-validation soft-LIF model run as spiking neurons."""
    best = result["best"]
    if best.get("spiking_epoch") == best["epoch"]:
        return
    with open(best_path, "rb") as f:
        model = pickle.load(f)
    model.set_params(spiking=True)
    start = time.perf_counter()
    for split in ("valid", "test"):
        best[f"{split}_spiking"] = float(model.score(*splits[split]))
    best["spiking_seconds"] = time.perf_counter() - start
    best["spiking_epoch"] = best["epoch"]
    atomic_write(ckpt_path, pickle.dumps({"model": est, "result": result}))
    atomic_write(json_path, json.dumps(_jsonable(result), indent=1).encode())
    print(
        f"spiking LIF network of epoch {best['epoch']}: valid {100 * best['valid_spiking']:.2f} %"
        f", test {100 * best['test_spiking']:.2f} % (rate: {100 * best['test']:.2f} %), "
        f"{best['spiking_seconds']:.0f} s"
    )


def summarize(result):
    best = result.get("best")
    if best is None:
        return
    what = "accuracy" if result["metric"] == "accuracy" else "NLL per step"
    value = (
        f"{100 * best['test']:.2f} %" if result["metric"] == "accuracy" else f"{best['test']:.3f}"
    )
    print(
        f"{result['task']} {result['model']} s{result['seed']}: test {what} {value} at epoch "
        f"{best['epoch']} (best validation) of {len(result['epochs'])}, "
        f"{result['total_seconds']:.0f} s of training"
    )


if __name__ == "__main__":
    main()
