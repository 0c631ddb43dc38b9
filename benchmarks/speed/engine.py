"""The sksnn side of the speed benchmark: engine-level training steps (SNU and LSTM), engine
prediction, and a full ``fit`` epoch and ``predict`` through the estimators.

Every ``*_candidate`` function returns a :class:`Candidate`: a ``step()`` closure (one training
step: forward + BPTT + Adam), a ``predict()`` closure (forward only, on ``n_predict`` samples)
and a ``threads()`` context that sets the thread counts the engine uses for them.
"""

import contextlib
import itertools
import time
import warnings

import numpy as np
from threadpoolctl import threadpool_limits

from sksnn._engine import CELLS, Adam, Network, calibrate_input_gain, numba_threads

from common import (
    CONFIGS,
    READOUT_SCALE,
    Candidate,
    activations,
    fit_data,
    lstm_sizes,
    step_batch,
)

try:  # the estimators' rule: products below this run on one BLAS and one Numba thread
    from sksnn._base import PREDICT_CHUNK, SMALL_GEMM
except ImportError:  # pragma: no cover - moved by a refactor
    PREDICT_CHUNK, SMALL_GEMM = 1024, 5e7
# fit sizes its thread counts for steps x min(n_samples, 200) rows (sksnn._base.BaseNetwork._fit)
FIT_ROWS = 200


def thread_counts(cfg, sizes, train, threads, policy="auto"):
    """``(blas, numba)`` thread counts of the engine for a configuration.

    ``auto`` applies the estimators' rule (``BaseNetwork._thread_limits``), so that the
    engine-level step runs with the thread counts ``fit`` would use on the configuration's
    data: one BLAS and one Numba thread when the largest product between ``sizes`` (input
    and hidden layers) times the rows (steps x min(n_samples, 200) for training, steps x
    min(batch, 1024) for prediction) has fewer than ``SMALL_GEMM`` multiply-adds, else
    ``threads``. An integer policy forces that many threads (at most ``threads``).
    """
    if policy != "auto":
        n = min(int(policy), threads)
        return n, n
    n_rows = (
        min(cfg["fit_samples"], FIT_ROWS) if train else min(cfg["predict_batch"], PREDICT_CHUNK)
    )
    largest = max(a * b for a, b in itertools.pairwise(sizes)) * cfg["steps"] * n_rows
    n = 1 if largest < SMALL_GEMM else threads
    return n, n


def thread_context(blas, numba):
    """Context running the body with ``blas`` BLAS threads and ``numba`` Numba threads."""

    @contextlib.contextmanager
    def ctx():
        with threadpool_limits(blas, user_api="blas"), numba_threads(numba):
            yield

    return ctx


# ---------------------------------------------------------------------- networks
def build_snu(cfg, seed=0, dtype=np.float32):
    """The engine network of a configuration and its initial parameters ``(net, params)``."""
    sizes = list(cfg["sizes"])
    cells = [CELLS["snu"](activation=g) for g in activations(cfg)]
    net = Network(
        cells, [False] * len(cells), readout=cfg["readout"], loss=cfg["loss"],
        readout_kwargs={"scale": READOUT_SCALE} if cfg["readout"] == "mean" else None,
    )  # fmt: skip
    params = net.init(np.random.default_rng(seed), sizes, n_out=cfg["n_out"], dtype=dtype)
    # the estimators' data-driven input gain: 30 % of each hidden layer's states above
    # threshold on the real batch, so the layers fire as they do when a fit starts
    H, _ = step_batch(cfg, seed=seed, dtype=dtype)
    n_hidden = len(cells) - (1 if cfg["readout"] == "mean" else 0)
    for cell, p in zip(cells[:n_hidden], params[0][:n_hidden]):
        calibrate_input_gain(cell, p, H, 0.3)
        H, _ = cell.forward(p, H)
    return net, params


def build_lstm(cfg, seed=0, dtype=np.float32):
    """The engine LSTM baseline of a configuration ``(net, params)``."""
    sizes, n_out, readout, loss = lstm_sizes(cfg)
    net = Network([CELLS["lstm"]()], [True], readout=readout, loss=loss)
    params = net.init(np.random.default_rng(seed), sizes, n_out=n_out, dtype=dtype)
    return net, params


def _network_candidate(cfg, net, params, sizes, threads, policy):
    X, Y = step_batch(cfg)
    Xp, _ = step_batch(cfg, seed=1, batch=cfg["predict_batch"])
    flat = net.flat(params)
    opt = Adam(flat)

    def step():
        _, grads, _ = net.loss_grad(params, X, Y)
        opt.update_params(flat, net.flat(params, grads))
        net.project(params)

    def predict():
        net.predict_output(params, Xp)

    blas, numba = thread_counts(cfg, sizes, True, threads, policy)
    blas_p, numba_p = thread_counts(cfg, sizes, False, threads, policy)
    info = {"threads": [blas, numba], "predict_threads": [blas_p, numba_p]}
    return Candidate(
        step, predict, cfg["predict_batch"], thread_context(blas, numba), info,
        thread_context(blas_p, numba_p),
    )  # fmt: skip


def snu_candidate(name, threads=2, policy="auto"):
    """Engine-level SNU training step and prediction of configuration ``name``."""
    cfg = CONFIGS[name]
    net, params = build_snu(cfg)
    # input and hidden layers (the rate readout's output layer is not counted, as in fit)
    sizes = list(cfg["sizes"][:-1] if cfg["readout"] == "mean" else cfg["sizes"])
    return _network_candidate(cfg, net, params, sizes, threads, policy)


def lstm_candidate(name, threads=2, policy="auto"):
    """Engine-level LSTM (``CELLS['lstm']``) training step and prediction."""
    cfg = CONFIGS[name]
    net, params = build_lstm(cfg)
    sizes = lstm_sizes(cfg)[0]
    return _network_candidate(cfg, net, params, sizes, threads, policy)


# ---------------------------------------------------------------------- estimators
def make_estimator(name, encoding="current", max_iter=1):
    """The sksnn estimator of a configuration (feed-forward SNU layers, the config's batch)."""
    from sksnn import SNUClassifier, SNUSequencePredictor

    cfg = CONFIGS[name]
    kw = dict(recurrent=False, batch_size=cfg["batch"], max_iter=max_iter, random_state=0)
    if cfg["readout"] == "linear":
        return SNUSequencePredictor(tuple(cfg["sizes"][1:]), **kw)
    hidden = tuple(cfg["sizes"][1:-1])
    return SNUClassifier(hidden, n_steps=cfg["steps"], encoding=encoding, **kw)


def fit(est, X, y):
    """``est.fit`` without the convergence warning of a one-epoch fit."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return est.fit(X) if y is None else est.fit(X, y)


def fit_candidate(name, threads=2, data=None):
    """One epoch of ``fit`` (``max_iter=1``) and ``predict`` through the estimator.

    ``step()`` runs a whole ``fit`` and returns the epoch's own time
    (``history_[-1]['seconds']``: the batches, without the initialisation and input-gain
    calibration every ``fit`` starts with); the wall time of the ``fit`` goes to
    ``info['fit_s']``. ``predict()`` is ``predict`` (``predict_proba`` for sequences) on the
    training set. The estimator picks its own thread counts within the ``threads`` limit.
    ``data`` is :func:`common.fit_data`'s ``(X, y, encoding)``, made when omitted.
    """
    X, y, encoding = fit_data(name) if data is None else data
    est = make_estimator(name, encoding)
    fit(est, X, y)  # warm-up: loads (or compiles) the kernels
    info = {"n_samples": len(X), "batches": -(-len(X) // CONFIGS[name]["batch"]), "fit_s": []}

    def step():
        start = time.perf_counter()
        fit(est, X, y)
        info["fit_s"].append(time.perf_counter() - start)
        return est.history_[-1]["seconds"]

    def predict():
        if y is None:
            est.predict_proba(X)
        else:
            est.predict(X)

    return Candidate(step, predict, len(X), thread_context(threads, threads), info)
