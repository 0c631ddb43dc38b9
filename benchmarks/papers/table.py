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
        if best and not r.get("finished") and not _stopped(r):
            epochs += " (unfinished)"
        lines.append(
            f"| {r['task']} | {r['model']} | {r['seed']} | {test} | {epochs} "
            f"| {fmt_seconds(r.get('total_seconds', 0.0))} "
            f"| {PUBLISHED.get((r['task'], r['model']), '—')} | `{r.get('command', '')}` |"
        )
    return "\n".join(lines)


MODEL_TITLES = {
    "softlif": "soft LIF 784-500-300-10",
    "snu4": "SNU 784-250-250-10",
    "ssnu4": "sSNU 784-250-250-10",
    "snu7": "SNU, 5 hidden layers of 250",
    "lstm": "LSTM",
    "gru": "GRU",
    "rnn": "tanh RNN",
    "src": "SRC 784-250-250-10, 50 steps",
    "snu": "SNU 150, feed-forward",
    "ssnu": "sSNU 150, feed-forward",
    "rssnu": "recurrent sSNU 150",
    "rssnu_tuned": "recurrent sSNU 150, tuned",
}


# (task, model) -> the tag of the run shown in the main table instead of the untagged one
# (the tanh RNN diverged at run.py's learning rate of 0.005 on MNIST; 0.001 trains)
CHOSEN = {
    ("temporal_mnist", "rnn"): "lr_0_001",
    ("fashion_mnist", "rnn"): "lr_0_001",
}


def _tag(result):
    words = str(result.get("command", "")).split()
    return words[words.index("--tag") + 1] if "--tag" in words[:-1] else None


def _short(command):
    return str(command).replace("python benchmarks/papers/run.py", "run.py")


def main_runs(results):
    """The runs of the main table: untagged, or the tagged run chosen in CHOSEN."""
    present = {(r["task"], r["model"], _tag(r)) for r in results}
    out = []
    for r in results:
        chosen = CHOSEN.get((r["task"], r["model"]))
        if chosen and (r["task"], r["model"], chosen) not in present:
            chosen = None  # the chosen run is not there: show the untagged one
        if _tag(r) == chosen and r.get("best"):
            out.append(r)
    return out


def rst_table(results):
    """The reStructuredText list-table of the untagged runs (one per task, model and seed)."""
    lines = [
        ".. list-table:: Our results beside the published ones",
        "   :header-rows: 1",
        "",
        "   * - task, model",
        "     - ours (test at best validation)",
        "     - epochs (best / run)",
        "     - training time",
        "     - published",
        "     - command",
    ]
    for r in main_runs(results):
        best = r["best"]
        test = fmt_metric(r, best["test"])
        if "test_spiking" in best:
            test += f" rate, {fmt_metric(r, best['test_spiking'])} spiking"
        epochs = f"{best['epoch']} / {len(r['epochs'])}"
        if not r.get("finished") and not _stopped(r):
            epochs += " (unfinished)"
        title = TASK_TITLES.get(r["task"], r["task"]).split(",")[0]
        lines += [
            f"   * - {title}, {MODEL_TITLES.get(r['model'], r['model'])}"
            + (f" (seed {r['seed']})" if r["seed"] else ""),
            f"     - {test}",
            f"     - {epochs}",
            f"     - {fmt_seconds(r.get('total_seconds', 0.0))}",
            f"     - {PUBLISHED.get((r['task'], r['model']), '—')}",
            f"     - ``{_short(r.get('command', ''))}``",
        ]
    return "\n".join(lines)


def _stopped(result):
    """Whether the run stopped on --patience (no better validation metric for that long)."""
    words = str(result.get("command", "")).split()
    if "--patience" not in words[:-1] or not result.get("best"):
        return False
    patience = int(words[words.index("--patience") + 1])
    return len(result["epochs"]) - result["best"]["epoch"] >= patience


def rst_tries(results, task, model_prefix):
    """The tagged runs of a task: settings, validation and test metric, best epoch."""
    rows = []
    for r in results:
        if r["task"] != task or not r["model"].startswith(model_prefix) or not r.get("best"):
            continue
        words = str(r.get("command", "")).split()
        sets = [words[i + 1] for i, w in enumerate(words[:-1]) if w == "--set"]
        setting = ", ".join(f"``{x}``" for x in sets) or "defaults of ``run.py``"
        b = r["best"]
        rows.append((b["valid"], f"{r['model']}: {setting}", b, len(r["epochs"]), r["seed"]))
    rows.sort(key=lambda x: -x[0] if METRIC[task] == "accuracy" else x[0])  # best first
    head = ["settings", "valid", "test", "best / run", "seed"]
    body = [
        [name, fmt_metric({"metric": METRIC[task]}, b["valid"]),
         fmt_metric({"metric": METRIC[task]}, b["test"]), f"{b['epoch']} / {n}", str(seed)]
        for _, name, b, n, seed in rows
    ]  # fmt: skip
    widths = [max(len(x) for x in col) for col in zip(head, *body)]
    rule = "  ".join("=" * w for w in widths)
    fmt = "  ".join(f"{{:{w}s}}" for w in widths)
    out = [rule, fmt.format(*head), rule, *(fmt.format(*row) for row in body), rule]
    return "\n".join(x.rstrip() for x in out)


METRIC = {"mnist": "accuracy", "temporal_mnist": "accuracy", "fashion_mnist": "accuracy",
          "jsb": "nll_per_step"}  # fmt: skip


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
        else:  # the last 15 points below the best (a diverged run falls off the bottom)
            top = max(100 * e["test"] for x in results if x["task"] == task for e in x["epochs"])
            ax.set_ylim(top - 15, min(top + 1, 100))
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
    parser.add_argument("--rst", action="store_true", help="reStructuredText for doc/papers.rst")
    args = parser.parse_args(argv)
    results = load_results(args.results, include_subsets=args.all)
    if args.plot:
        plot(main_runs(results), args.plot)
        print(f"wrote {args.plot} (the runs of the main table)")
        return
    if args.rst:
        print(rst_table(results))
        for task, model in (("jsb", "rssnu"), ("temporal_mnist", "ssnu4")):
            print(f"\nRuns of {task} {model}* (best validation metric first):\n")
            print(rst_tries(results, task, model))
    else:
        print(table(results))


if __name__ == "__main__":
    main()
