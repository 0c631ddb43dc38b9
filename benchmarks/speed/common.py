"""What every side of the speed benchmark shares: the configurations, their data, FLOP counts,
the GEMM rate and the timing helpers. Imports NumPy only (no sksnn, no torch).

Configurations (float32, feed-forward SNU layers, Adam):

A  batch 128, 20 steps, 784-256-256-10: temporal MNIST. The last SNU layer has one unit per
   class with an identity membrane (as :class:`sksnn.SNUClassifier`); its time-averaged spike
   rate times 10 is the logit of a softmax cross-entropy.
B  batch 16, 100 steps, 88-150-88: JSB chorales. One ReLU SNU layer of 150 feeds a per-step
   affine readout 150 -> 88 with a sigmoid cross-entropy summed over the 88 outputs and
   averaged over the steps.
C  batch 64, 8 steps, 64-64-10: digits, as A.

The LSTM baselines (B and C) replace the SNU layers by one LSTM layer (88-150, 64-64) with an
affine readout of every step (B) or of the last step (C).
"""

import contextlib
import itertools
import os
import platform
import time
from dataclasses import dataclass, field

import numpy as np

# sksnn.SNUClassifier's logits are this scale times the output firing rates
READOUT_SCALE = 10.0
DECAY = 0.8
THRESHOLD = 1.0
# Network defaults (sksnn._engine.Network): thresholds trained, decays fixed
TRAIN_THRESHOLD = True
TRAIN_DECAY = False

CONFIGS = {
    "A": dict(
        title="temporal MNIST", batch=128, steps=20, sizes=(784, 256, 256, 10),
        readout="mean", n_out=None, loss="softmax_ce", lstm=None,
        predict_batch=1024, fit_samples=2560,
    ),
    "B": dict(
        title="JSB", batch=16, steps=100, sizes=(88, 150), readout="linear", n_out=88,
        loss="binary", lstm=dict(hidden=150, readout="linear", n_out=88, loss="binary"),
        predict_batch=256, fit_samples=160,
    ),
    "C": dict(
        title="digits", batch=64, steps=8, sizes=(64, 64, 10), readout="mean", n_out=None,
        loss="softmax_ce", lstm=dict(hidden=64, readout="last", n_out=10, loss="softmax_ce"),
        predict_batch=1024, fit_samples=1797,
    ),
}  # fmt: skip
for _name, _cfg in CONFIGS.items():
    _cfg["name"] = _name

# Spike density of random inputs (when the real data set is not at hand) and of the random
# per-step targets: what rate-coded MNIST (p = x * 6 / 20) and the JSB piano rolls hold
INPUT_DENSITY = {"A": 0.04, "B": 0.05, "C": None}
TARGET_DENSITY = 0.05


def activations(cfg):
    """Membrane non-linearity of every SNU layer: ReLU, identity for a rate-readout output."""
    n = len(cfg["sizes"]) - 1
    acts = ["relu"] * n
    if cfg["readout"] == "mean":
        acts[-1] = "identity"
    return acts


def lstm_sizes(cfg):
    """``(sizes, n_out, readout, loss)`` of the LSTM baseline of a configuration."""
    lstm = cfg["lstm"]
    return [cfg["sizes"][0], lstm["hidden"]], lstm["n_out"], lstm["readout"], lstm["loss"]


@dataclass
class Candidate:
    """One timed thing: ``step()``, ``predict()`` on ``n_predict`` samples, and ``threads``
    (``predict_threads``), a context factory setting the thread counts of ``step``
    (``predict``)."""

    step: object
    predict: object = None
    n_predict: int = 0
    threads: object = contextlib.nullcontext
    info: dict = field(default_factory=dict)
    predict_threads: object = None  # ``threads`` when None


# ---------------------------------------------------------------------- data
def _real_inputs(name, T, B, seed):
    """Real inputs of a configuration, time-major (T, B, n), or None when not available.

    A: rate-coded MNIST training images (the SNU paper's coding, p = x * 6 / 20 per step);
    B: 100-step windows of JSB chorales (shipped with sksnn); C: 8x8 digits, the 64 pixel
    intensities in [0, 1] (not spikes) presented at every step.
    """
    from sksnn.datasets import load_digits_sequences, load_jsb_chorales, load_mnist
    from sksnn.encoding import rate_encode

    rng = np.random.default_rng(seed)
    if name == "A":
        home = os.environ.get("SKSNN_DATA")
        shared = os.path.join(os.path.dirname(__file__), "..", "..", "..", "shared", "data")
        try:
            X, _ = load_mnist("train", data_home=home or shared, return_X_y=True)
        except (OSError, ValueError):
            return None
        images = X[rng.choice(len(X), B, replace=False)]
        return rate_encode(images, T, 6, random_state=rng).transpose(1, 0, 2)
    if name == "B":
        rolls = [r for r in load_jsb_chorales().train if len(r) >= T]
        picks = rng.choice(len(rolls), B, replace=len(rolls) < B)
        return np.stack([rolls[i][:T] for i in picks], axis=1)
    X, _ = load_digits_sequences(return_X_y=True)  # (n, 8, 8) in [0, 1]
    images = X.reshape(len(X), 64)[rng.choice(len(X), B, replace=False)]
    return np.repeat(images[None], T, axis=0)  # the 64 pixels as a current at every step


def step_batch(cfg, seed=0, batch=None, dtype=np.float32):
    """One time-major batch ``(X (T, B, n_in), Y)`` of the configuration's real inputs
    (random spikes of the same density if MNIST is not at hand), and one-hot labels (B, C)
    for classification or 0/1 per-step targets (T, B, n_out)."""
    rng = np.random.default_rng(seed)
    T, B = cfg["steps"], batch or cfg["batch"]
    X = _real_inputs(cfg["name"], T, B, seed)
    if X is None:
        X = rng.random((T, B, cfg["sizes"][0])) < INPUT_DENSITY[cfg["name"]]
    X = np.ascontiguousarray(X, dtype=dtype)
    if cfg["loss"] == "binary":
        Y = (rng.random((T, B, cfg["n_out"])) < TARGET_DENSITY).astype(dtype)
    else:
        n_classes = cfg["sizes"][-1]
        Y = np.eye(n_classes, dtype=dtype)[rng.integers(0, n_classes, B)]
    return X, Y


def fit_data(name, seed=0):
    """Training set of a full ``fit``: ``(X, y, kind)``.

    A: 2560 random features in [0, 1] (rate-coded over 20 steps at fit) and 10 classes.
    B: 160 random piano rolls of 101 steps x 88 keys (density 0.05): next-step prediction
    gives 100 input steps. C: scikit-learn's digits / 16 (1797 x 64), presented unchanged at
    each of the 8 steps.
    """
    cfg = CONFIGS[name]
    rng = np.random.default_rng(seed)
    n, n_in = cfg["fit_samples"], cfg["sizes"][0]
    if name == "A":
        X = rng.random((n, n_in), dtype=np.float32)
        return X, rng.integers(0, cfg["sizes"][-1], n), "rate"
    if name == "B":
        X = (rng.random((n, cfg["steps"] + 1, n_in)) < TARGET_DENSITY).astype(np.float32)
        return X, None, "next_step"
    from sklearn.datasets import load_digits

    X, y = load_digits(return_X_y=True)
    return (X / 16.0).astype(np.float32), y, "current"


# ---------------------------------------------------------------------- FLOPs
def snu_flops(cfg, rows=None, train=True):
    """Matrix-product FLOPs of one SNU step: forward, dW and dX (except for the input layer).

    ``rows`` defaults to steps x batch; with ``train=False``, the forward products only.
    """
    rows = rows or cfg["batch"] * cfg["steps"]
    sizes = list(cfg["sizes"]) + ([cfg["n_out"]] if cfg["n_out"] else [])
    flops = 0
    for i, (a, b) in enumerate(itertools.pairwise(sizes)):
        flops += 2 * rows * a * b * ((2 if i == 0 else 3) if train else 1)
    return flops


def lstm_flops(cfg, rows=None, train=True):
    """Matrix-product FLOPs of one LSTM step (input and recurrent products, readout)."""
    T = cfg["steps"]
    rows = rows or cfg["batch"] * T
    (n_in, n), n_out, readout, _ = lstm_sizes(cfg)
    k = 3 if train else 1
    flops = 2 * rows * n_in * 4 * n * (2 if train else 1)  # x W (no dX for the input)
    flops += 2 * (rows - rows // T) * n * 4 * n * k  # h_{t-1} H from the second step on
    out_rows = rows if readout == "linear" else rows // T
    return flops + 2 * out_rows * n * n_out * k


def gemm_rate_numpy(n=1024, repeat=5):
    """Best float32 GEMM rate of NumPy's BLAS (FLOP/s) on an n x n product."""
    a = np.random.default_rng(0).random((n, n), dtype=np.float32)
    a @ a
    return 2 * n**3 / min(timed(lambda: a @ a) for _ in range(repeat))


# ---------------------------------------------------------------------- timing
def timed(f):
    """Wall time of one call of ``f``."""
    t = time.perf_counter()
    f()
    return time.perf_counter() - t


def block(f, n):
    """Run ``f`` once untimed (the switch from another framework: cold caches, thread pools
    waking up), then ``n`` timed calls; return their times."""
    f()
    return [timed(f) for _ in range(n)]


def summary(times):
    """Median, quartiles, minimum and count of a list of times (seconds)."""
    t = np.asarray(times, dtype=float)
    if t.size == 0:
        return None
    q1, med, q3 = np.percentile(t, [25, 50, 75])
    return {"median": float(med), "q1": float(q1), "q3": float(q3), "min": float(t.min()),
            "n": int(t.size)}  # fmt: skip


def rss_kb(field="VmRSS"):
    """Resident memory (kB) of this process from /proc/self/status, or None elsewhere."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


def cpu_busy_seconds():
    """CPU seconds spent outside idle by the whole machine so far (/proc/stat), or None."""
    try:
        with open("/proc/stat") as f:
            fields = [int(x) for x in f.readline().split()[1:]]
    except (OSError, ValueError):
        return None
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)  # idle + iowait
    return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def own_cpu_seconds():
    """CPU seconds of this process and of its waited-for children."""
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def machine_info():
    """CPU count and model, OS and Python."""
    model = platform.processor()
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return {
        "cpu_count": os.cpu_count(),
        "affinity": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None,
        "cpu_model": model,
        "platform": platform.platform(),
        "python": platform.python_version(),
        "load_average": os.getloadavg() if hasattr(os, "getloadavg") else None,
    }
