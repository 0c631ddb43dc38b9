"""The results of ``benchmarks/papers/run.py`` as a Markdown table, and their learning curves.

One row per result file: the test metric at the epoch with the best validation metric, that
epoch and the epochs run, the training time, the published number (SPEC section 5) and the
command that produced the run. Smoke runs (``--subset``) are left out unless ``--all``.

Usage::

    python benchmarks/papers/table.py [--results benchmarks/results/papers] [--all]
        [--plot doc/_static/papers_curves.png]
"""

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from run import DEFAULT_OUT, HYPERPARAMS

# SPEC section 5 (Woźniak et al. 2020); MNIST: test accuracy, JSB: test NLL per step
PUBLISHED = {
    # Hunsberger & Eliasmith: spiking LIF test error 0.88 %, with a convolutional network
    ("mnist", "softlif"): "99.12 % spiking (conv. net)",
    ("temporal_mnist", "ssnu4"): "98.50 %",
    ("temporal_mnist", "snu7"): "98.47 %",
    ("temporal_mnist", "rnn"): "97.72 %",
    ("temporal_mnist", "lstm"): "97.48 %",
    ("temporal_mnist", "gru"): "96.45 %",
    ("jsb", "snu"): "8.72",
    ("jsb", "ssnu"): "8.39 (sSNU)",
    ("jsb", "rssnu"): "8.39 (sSNU, tuned); 8.60 (authors' plain recurrent run)",
    ("jsb", "rssnu_tuned"): "8.39 (sSNU, tuned)",
    ("jsb", "gru"): "8.54",
    ("jsb", "lstm"): "8.55–8.67",
    ("jsb", "rnn"): "9.10",
}
TASK_TITLES = {
    "mnist": "MNIST, static (soft LIF)",
    "temporal_mnist": "MNIST, rate-coded (20 steps)",
    "fashion_mnist": "Fashion-MNIST, rate-coded (20 steps)",
    "jsb": "JSB chorales, next step",
}


def load_results(folder, include_subsets=False):
    """The run results in ``folder``, in task and model order."""
    results = []
    for path in sorted(Path(folder).glob("*.json")):
        try:
            r = json.loads(path.read_text())
        except json.JSONDecodeError:
            continue
        if not isinstance(r, dict) or "epochs" not in r or "settings" not in r:
            continue
        if r["settings"].get("subset") and not include_subsets:
            continue
        r["file"] = path.name
        results.append(r)
    tasks = list(HYPERPARAMS)

    def order(r):
        models = list(HYPERPARAMS.get(r["task"], {}))
        return (
            tasks.index(r["task"]) if r["task"] in tasks else len(tasks),
            models.index(r["model"]) if r["model"] in models else len(models),
            r["seed"],
            r["file"],
        )

    return sorted(results, key=order)


def fmt_metric(result, value):
    if result["metric"] == "accuracy":
        return f"{100 * value:.2f} %"
    return f"{value:.3f}"


def fmt_seconds(s):
    if s < 120:
        return f"{s:.0f} s"
    if s < 7200:
        return f"{s / 60:.0f} min"
    return f"{s / 3600:.1f} h"


def table(results):
    """The Markdown table of ``results``."""
    lines = [
        "| task | model | seed | test at best valid | best epoch / run | training time "
        "| published | command |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        best = r.get("best")
        test = fmt_metric(r, best["test"]) if best else "—"
        if best and "test_spiking" in best:  # soft LIF: the same model run as spiking LIF
            test += f" rate, {fmt_metric(r, best['test_spiking'])} spiking"
        if r["settings"].get("subset"):
            test += f" (subset {r['settings']['subset']})"
        epochs = f"{best['epoch']} / {len(r['epochs'])}" if best else "0"
        if best and not r.get("finished"):
            epochs += " (unfinished)"
        lines.append(
            f"| {r['task']} | {r['model']} | {r['seed']} | {test} | {epochs} "
            f"| {fmt_seconds(r.get('total_seconds', 0.0))} "
            f"| {PUBLISHED.get((r['task'], r['model']), '—')} | `{r.get('command', '')}` |"
        )
    return "\n".join(lines)


def plot(results, path):
    """Validation (dotted) and test (solid) metric per epoch, one panel per task."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import MaxNLocator

    tasks = list(dict.fromkeys(r["task"] for r in results))
    if not tasks:
        raise SystemExit("no results to plot")
    fig, axes = plt.subplots(1, len(tasks), figsize=(4.6 * len(tasks), 3.6), squeeze=False)
    for ax, task in zip(axes[0], tasks):
        for i, r in enumerate(x for x in results if x["task"] == task):
            scale = 100 if r["metric"] == "accuracy" else 1
            epochs = [e["epoch"] for e in r["epochs"]]
            color = f"C{i % 10}"
            words = str(r.get("command", "")).split()
            tag = words[words.index("--tag") + 1] if "--tag" in words[:-1] else None
            label = f"{r['model']} s{r['seed']}" + (f" ({tag})" if tag else "")
            ax.plot(epochs, [scale * e["test"] for e in r["epochs"]], color=color, label=label)
            ax.plot(epochs, [scale * e["valid"] for e in r["epochs"]], ":", color=color)
        accuracy = r["metric"] == "accuracy"
        ax.set_title(TASK_TITLES.get(task, task), fontsize=10)
        ax.set_xlabel("epoch")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_ylabel("accuracy (%)" if accuracy else "NLL per step (lower is better)")
        if not accuracy:  # the first epochs would squash the range that matters
            ax.set_ylim(8.0, 10.0)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7, title="test (solid), valid (dotted)", title_fontsize=7)
    fig.tight_layout()
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=120)
    plt.close(fig)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--results", default=str(DEFAULT_OUT), help="folder of the JSON files")
    parser.add_argument("--plot", default=None, metavar="PNG", help="save learning curves")
    parser.add_argument("--all", action="store_true", help="include --subset smoke runs")
    args = parser.parse_args(argv)
    results = load_results(args.results, include_subsets=args.all)
    print(table(results))
    if args.plot:
        plot(results, args.plot)
        print(f"\nwrote {args.plot}")


if __name__ == "__main__":
    main()
