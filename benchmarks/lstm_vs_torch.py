"""One LSTM training step (forward + BPTT + Adam) in sksnn's engine and in ``torch.nn.LSTM``.

Configs (float32): B: batch 16, 100 steps, 88-150-88, per-step sigmoid loss (JSB);
C: batch 64, 8 steps, 64-64-10, softmax on the last step (digits rows). Each framework runs in
its own process (NumPy's and PyTorch's thread pools fight when they share one), alternating,
and the medians are compared. PyTorch is optional: without it only sksnn is timed.

Usage: ``python benchmarks/lstm_vs_torch.py [--threads 2] [--repeat 100] [--rounds 3]``.
"""

import argparse
import json
import subprocess
import sys
import time

import numpy as np

CONFIGS = {
    "B": dict(batch=16, steps=100, n_in=88, hidden=150, n_out=88, per_step=True),
    "C": dict(batch=64, steps=8, n_in=64, hidden=64, n_out=10, per_step=False),
}


def time_sksnn(cfg, repeat, threads):
    from threadpoolctl import threadpool_limits

    from sksnn._engine import Adam, LSTMCell, Network

    rng = np.random.default_rng(0)
    readout, loss = ("linear", "binary") if cfg["per_step"] else ("last", "softmax_ce")
    net = Network([LSTMCell()], [True], readout=readout, loss=loss)
    params = net.init(rng, [cfg["n_in"], cfg["hidden"]], n_out=cfg["n_out"])
    T, B = cfg["steps"], cfg["batch"]
    X = (rng.random((T, B, cfg["n_in"])) < 0.1).astype(np.float32)
    if cfg["per_step"]:
        Y = (rng.random((T, B, cfg["n_out"])) < 0.05).astype(np.float32)
    else:
        Y = np.eye(cfg["n_out"], dtype=np.float32)[rng.integers(0, cfg["n_out"], B)]
    opt = Adam(net.flat(params))

    def step():
        _, grads, _ = net.loss_grad(params, X, Y)
        opt.update_params(net.flat(params), net.flat(params, grads))

    # the estimators hold BLAS to one thread for products this small
    with threadpool_limits(1, user_api="blas"):
        return _median(step, repeat)


def time_torch(cfg, repeat, threads):
    import torch

    torch.set_num_threads(threads)
    torch.manual_seed(0)
    T, B = cfg["steps"], cfg["batch"]
    lstm = torch.nn.LSTM(cfg["n_in"], cfg["hidden"])
    head = torch.nn.Linear(cfg["hidden"], cfg["n_out"])
    opt = torch.optim.Adam([*lstm.parameters(), *head.parameters()])
    X = (torch.rand(T, B, cfg["n_in"]) < 0.1).float()
    if cfg["per_step"]:
        Y = (torch.rand(T, B, cfg["n_out"]) < 0.05).float()
        lossf = torch.nn.BCEWithLogitsLoss(reduction="sum")
    else:
        Y = torch.randint(0, cfg["n_out"], (B,))
        lossf = torch.nn.CrossEntropyLoss()

    def step():
        opt.zero_grad()
        out, _ = lstm(X)
        z = head(out) if cfg["per_step"] else head(out[-1])
        loss = lossf(z, Y) / (T * B) if cfg["per_step"] else lossf(z, Y)
        loss.backward()
        opt.step()

    return _median(step, repeat)


def _median(step, repeat):
    for _ in range(5):
        step()
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        step()
        times.append(time.perf_counter() - t)
    return float(np.median(times))


def _child(framework, name, repeat, threads):
    code = (
        "import json, sys; sys.path.insert(0, 'benchmarks'); import lstm_vs_torch as m; "
        f"print(json.dumps(m.time_{framework}(m.CONFIGS[{name!r}], {repeat}, {threads})))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    try:
        import torch  # noqa: F401

        frameworks = ["sksnn", "torch"]
    except ImportError:
        frameworks = ["sksnn"]
        print("PyTorch is not installed: timing sksnn only (pip install torch==2.13.0)")
    print(f"{'config':8s}" + "".join(f"{f + ' ms':>12s}" for f in frameworks)
          + ("   torch/sksnn" if len(frameworks) == 2 else ""))  # fmt: skip
    for name in CONFIGS:
        results = {f: [] for f in frameworks}
        for _ in range(args.rounds):
            for f in frameworks:
                results[f].append(_child(f, name, args.repeat, args.threads))
        med = {f: float(np.median(v)) * 1e3 for f, v in results.items()}
        line = f"{name:8s}" + "".join(f"{med[f]:12.2f}" for f in frameworks)
        if len(frameworks) == 2:
            line += f"{med['torch'] / med['sksnn']:14.2f}"
        print(line)


if __name__ == "__main__":
    main()
