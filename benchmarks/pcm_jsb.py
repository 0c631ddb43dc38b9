"""The SNU paper's PCM experiment in software: an 88-150-88 feed-forward SNU on the JSB
chorales, one differential pair per weight (2 x (88*150 + 150*88) = 52,800 devices).

Three networks are trained (software only; hardware in the loop; noise injection), each
selected on the validation NLL, then read from simulated devices 1 s, 1 h, 1 day and 1 year
after programming, with and without global drift compensation, over several device seeds.
Writes JSON, prints a Markdown table, and draws the plot when matplotlib is installed.

Usage: ``python benchmarks/pcm_jsb.py [--epochs 60] [--seeds 3] [--out DIR]``.
"""

import argparse
import copy
import json
import time
import warnings
from pathlib import Path

import numpy as np

from sksnn import PCMDeviceTransformer, SNUSequencePredictor
from sksnn.datasets import load_jsb_chorales

TIMES = {"1 s": 1.0, "1 h": 3600.0, "1 day": 86400.0, "1 year": 3.15e7}
TRAININGS = {
    "software": dict(),
    "in the loop": dict(device=PCMDeviceTransformer(random_state=0), device_training="in_loop"),
    "noise injection": dict(
        device=PCMDeviceTransformer(t_inference=86400.0, random_state=0),
        device_training="noise",
    ),
}


def train(data, epochs, patience, **kw):
    model = SNUSequencePredictor((150,), recurrent=False, random_state=0, **kw)
    best, best_valid, waited = None, np.inf, 0
    for _ in range(epochs):
        model.partial_fit(data.train)
        valid = -model.score(data.valid)  # software read: selection does not peek at devices
        if valid < best_valid:
            best, best_valid, waited = copy.deepcopy(model), valid, 0
        else:
            waited += 1
            if waited >= patience:
                break
    return best


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--epochs", type=int, default=60)
    parser.add_argument("--patience", type=int, default=10)
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--out", default="benchmarks/results")
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    data = load_jsb_chorales()
    results = {}
    for name, kw in TRAININGS.items():
        start = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            model = train(data, args.epochs, args.patience, **kw)
        seconds = time.perf_counter() - start
        n_devices = 2 * sum(w.size for w in model.coefs_)
        row = {"software": -model.set_params(device=None).score(data.test), "fit_seconds": seconds}
        for label, t in TIMES.items():
            for comp in (True, False):
                nll = [
                    -model.set_params(device=PCMDeviceTransformer(
                        t_inference=t, drift_compensation=comp, random_state=seed
                    )).score(data.test)
                    for seed in range(args.seeds)
                ]  # fmt: skip
                key = f"{label}, {'comp' if comp else 'no comp'}"
                row[key] = [float(np.mean(nll)), float(np.std(nll))]
        results[name] = row
        print(f"{name}: trained in {seconds:.0f} s ({model.n_iter_} epochs), "
              f"{n_devices} devices, software NLL {row['software']:.3f}", flush=True)  # fmt: skip
    (out / "pcm_jsb.json").write_text(json.dumps(results, indent=1))
    cols = ["software"] + [f"{t}, {c}" for t in TIMES for c in ("comp", "no comp")]
    print("\n| training | " + " | ".join(cols) + " |")
    print("|---" * (len(cols) + 1) + "|")
    for name, row in results.items():
        cells = [f"{row['software']:.2f}"] + [f"{row[c][0]:.2f}" for c in cols[1:]]
        print(f"| {name} | " + " | ".join(cells) + " |")
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return
    fig, ax = plt.subplots(figsize=(6.5, 3.8))
    ts = list(TIMES.values())
    for (name, row), color in zip(results.items(), ["C0", "C1", "C2"]):
        for comp, style in (("comp", "-"), ("no comp", "--")):
            ys = [row[f"{t}, {comp}"][0] for t in TIMES]
            ax.plot(ts, ys, style, color=color, marker="o", label=f"{name}, {comp}")
        ax.axhline(row["software"], color=color, lw=0.8, alpha=0.5)
    ax.set_xscale("log")
    ax.set_xlabel("time after programming (s)")
    ax.set_ylabel("test NLL per step (lower is better)")
    ax.set_title("88-150-88 SNU on JSB, 52,800 simulated PCM devices")
    ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(out / "pcm_jsb.png", dpi=120)


if __name__ == "__main__":
    main()
