"""Faults during fit and in the machinery around it.

The ``callback`` parameter; an exception in a callback or a bad batch leaves a fitted estimator
exactly as it was (and a first fit unfitted); Ctrl-C leaves a usable model; divergence keeps
the best weights; Numba with a missing, non-creatable or read-only compiler cache; several fits
at once in threads; Numba's thread count restored and kept within joblib's and threadpoolctl's
limits.
"""

import os
import pickle
import subprocess
import sys
import textwrap
import threading
import warnings

import joblib
import numba
import numpy as np
import pytest
from sklearn.datasets import load_digits
from sklearn.exceptions import NotFittedError
from sklearn.utils._param_validation import InvalidParameterError
from threadpoolctl import threadpool_info, threadpool_limits

import sksnn
from sksnn import SNUClassifier, SNUSequencePredictor
from sksnn._engine.network import Network
from sksnn._engine.threads import numba_threads
from sksnn.exceptions import ConvergenceWarning, DivergenceWarning

_X, _y = load_digits(return_X_y=True)
X3 = (_X[:120] / 16.0).reshape(-1, 8, 8)  # digit rows as 8 time steps
Y = _y[:120]
SEQS = [(np.random.default_rng(i).random((6 + i % 3, 5)) < 0.3).astype(float) for i in range(12)]

NETWORKS = [
    sksnn.SNUClassifier, sksnn.LSTMClassifier, sksnn.GRUClassifier, sksnn.RNNClassifier,
    sksnn.SNUSequencePredictor, sksnn.LSTMSequencePredictor, sksnn.GRUSequencePredictor,
    sksnn.RNNSequencePredictor,
]  # fmt: skip


def make(cls, **kw):
    return cls(**{"hidden_layer_sizes": (8,), "max_iter": 4, "random_state": 0, **kw})


def data_for(est):
    return (X3, Y) if hasattr(est, "n_steps") else (SEQS, None)


def fitted_state(est):
    """Everything fit sets, pickled together (so shared arrays stay shared): the bytes differ
    if any fitted attribute, weight, optimizer moment or random state differs."""
    return pickle.dumps({k: v for k, v in est.__dict__.items() if k != "callback"})


def outputs(est):
    X, _ = data_for(est)
    if hasattr(est, "predict_proba"):
        out = est.predict_proba(X)
    else:
        out = est.predict(X)
    return np.concatenate([np.ravel(o) for o in out])


def quiet_fit(est, X, y=None, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        if hasattr(est, "n_steps") or y is not None:
            return est.fit(X, y, **kw)
        return est.fit(X)


class Boom(Exception):
    pass


class Recorder:
    """A callback that records what it gets; returns True at call ``stop_at``, raises at call
    ``raise_at``."""

    def __init__(self, stop_at=None, raise_at=None, error=Boom):
        self.calls, self.stop_at, self.raise_at, self.error = [], stop_at, raise_at, error

    def __call__(self, est, info):
        self.calls.append(info)
        if len(self.calls) == self.raise_at:
            raise self.error("raised by the callback")
        return len(self.calls) == self.stop_at


# ---------------------------------------------------------------- callback
@pytest.mark.parametrize("cls", NETWORKS, ids=lambda c: c.__name__)
def test_callback_sees_every_epoch_and_can_stop_training(cls):
    rec = Recorder(stop_at=3)
    est = make(cls, max_iter=10, callback=rec)
    X, y = data_for(est)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)  # stopped by the callback: no warning
        est.fit(X, y) if y is not None else est.fit(X)
    assert est.n_iter_ == 3 and [c["epoch"] for c in rec.calls] == [1, 2, 3]
    assert [c["loss"] for c in rec.calls] == est.loss_curve_
    assert set(rec.calls[0]) >= {"epoch", "loss", "firing_rates", "seconds"}
    rec.calls[0]["loss"] = -1.0  # the callback gets a copy, not the history itself
    assert est.history_[0]["loss"] == est.loss_curve_[0]


def test_callback_gets_validation_scores_and_can_use_the_model():
    seen = []

    def callback(est, info):
        seen.append((info["validation_score"], est.predict(X3[:5]).shape))

    quiet_fit(make(SNUClassifier, early_stopping=True, n_iter_no_change=50, callback=callback),
              X3, Y)  # fmt: skip
    assert len(seen) == 4 and all(0 <= s <= 1 and shape == (5,) for s, shape in seen)


def test_callback_must_be_callable():
    with pytest.raises(InvalidParameterError, match="callback"):
        make(SNUClassifier, callback="print").fit(X3, Y)
    assert "callback : callable or None" in SNUClassifier.__doc__
    assert "callback : callable or None" in sksnn.GRUSequencePredictor.__doc__


@pytest.mark.parametrize("cls", NETWORKS, ids=lambda c: c.__name__)
def test_exception_in_callback_leaves_a_first_fit_unfitted(cls):
    est = make(cls, callback=Recorder(raise_at=2))
    X, y = data_for(est)
    params = est.get_params()
    with pytest.raises(Boom):
        quiet_fit(est, X, y)
    assert set(vars(est)) == set(params), "no fitted attribute survives a failed first fit"
    with pytest.raises(NotFittedError):
        est.predict(X)


@pytest.mark.parametrize("warm_start", [True, False])
@pytest.mark.parametrize("cls", NETWORKS, ids=lambda c: c.__name__)
def test_exception_in_callback_leaves_a_fitted_estimator_as_it_was(cls, warm_start):
    est = make(cls, warm_start=warm_start)
    X, y = data_for(est)
    quiet_fit(est, X, y)
    state, before = fitted_state(est), outputs(est)
    est.set_params(callback=Recorder(raise_at=2))
    with pytest.raises(Boom):
        quiet_fit(est, X, y)  # the weights had moved for an epoch (or were new)
    assert est.callback.calls, "the callback ran"
    assert fitted_state(est) == state
    np.testing.assert_array_equal(outputs(est), before)
    # the published attributes are still views of the weights training updates
    assert np.shares_memory(est.coefs_[0], est._params[0][0]["W"])
    if warm_start:
        quiet_fit(est.set_params(callback=None), X, y)
        assert not np.array_equal(outputs(est), before), "training goes on from there"


def test_a_failing_batch_leaves_the_estimator_as_it_was(monkeypatch):
    clf = make(SNUClassifier, warm_start=True, batch_size=32)
    quiet_fit(clf, X3, Y)
    state, before = fitted_state(clf), outputs(clf)
    original, calls = Network.loss_grad, {"n": 0}

    def failing(self, *args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 6:  # second batch of epoch 2: five updates were made
            raise MemoryError("a batch that does not fit")
        return original(self, *args, **kwargs)

    monkeypatch.setattr(Network, "loss_grad", failing)
    with pytest.raises(MemoryError):
        quiet_fit(clf, X3, Y)
    assert calls["n"] == 6
    assert fitted_state(clf) == state
    np.testing.assert_array_equal(outputs(clf), before)


@pytest.mark.parametrize("cls", NETWORKS, ids=lambda c: c.__name__)
def test_a_bad_partial_fit_batch_changes_nothing(cls, monkeypatch):
    est = make(cls)
    X, y = data_for(est)
    quiet_fit(est, X, y)
    state, before = fitted_state(est), outputs(est)
    bad_X = np.array(X, dtype=float) if y is not None else [s.copy() for s in X]
    bad_X[3][2, 1] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        est.partial_fit(bad_X, y) if y is not None else est.partial_fit(bad_X)
    # an error in the middle of the update, after some batches were applied
    original, calls = Network.loss_grad, {"n": 0}

    def failing(self, *args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("engine failure")
        return original(self, *args, **kwargs)

    monkeypatch.setattr(Network, "loss_grad", failing)
    est.set_params(batch_size=4)
    with pytest.raises(RuntimeError, match="engine failure"):
        est.partial_fit(X, y) if y is not None else est.partial_fit(X)
    assert calls["n"] == 2
    est.set_params(batch_size="auto")
    assert fitted_state(est) == state
    np.testing.assert_array_equal(outputs(est), before)


# ---------------------------------------------------------------- Ctrl-C, divergence
@pytest.mark.parametrize("early_stopping", [False, True])
def test_ctrl_c_in_the_callback_leaves_a_usable_model(early_stopping):
    rec = Recorder(raise_at=2, error=KeyboardInterrupt)
    clf = make(SNUClassifier, max_iter=10, callback=rec, early_stopping=early_stopping,
               n_iter_no_change=50)  # fmt: skip
    with pytest.warns(UserWarning, match="interrupted"):
        clf.fit(X3, Y)
    assert clf.n_iter_ == 2 and len(clf.loss_curve_) == 2
    proba = clf.predict_proba(X3)
    assert proba.shape == (120, 10) and np.isfinite(proba).all()
    if early_stopping:
        assert clf.best_validation_score_ == max(clf.validation_scores_)
    # and it trains on: warm start continues from there
    quiet_fit(clf.set_params(callback=None, warm_start=True, max_iter=1), X3, Y)
    assert clf.n_iter_ == 3


@pytest.mark.parametrize("cls", NETWORKS, ids=lambda c: c.__name__)
def test_huge_learning_rate_diverges_and_keeps_finite_weights(cls):
    est = make(cls, learning_rate_init=1e30, max_grad_norm=None, max_iter=20, solver="sgd",
               momentum=0.0)  # fmt: skip
    X, y = data_for(est)
    with np.errstate(all="ignore"), pytest.warns(DivergenceWarning, match="diverged at epoch"):
        est.fit(X, y) if y is not None else est.fit(X)
    assert est.n_iter_ < 20
    assert all(np.isfinite(w).all() for w in est.coefs_ + est.intercepts_)
    out = outputs(est)
    assert np.isfinite(out).all()
    assert np.isfinite(est.loss_curve_).all()


# ---------------------------------------------------------------- Numba threads
def test_numba_threads_restores_the_count_even_when_the_body_raises():
    outer = numba.get_num_threads()
    with numba_threads(1) as n:
        assert n == numba.get_num_threads() == 1
        with numba_threads(10**6) as inner:  # capped to the process limit
            assert inner == numba.config.NUMBA_NUM_THREADS
        assert numba.get_num_threads() == 1
    assert numba.get_num_threads() == outer
    with pytest.raises(Boom), numba_threads(1):
        raise Boom
    assert numba.get_num_threads() == outer
    with numba_threads(None) as n:
        assert n == outer
    with numba_threads(0) as n:
        assert n == 1
    with numba_threads(limit=1) as n:  # a limit lowers the count
        assert n == numba.get_num_threads() == 1
        with numba_threads(limit=10**6) as inner:  # and never raises it
            assert inner == 1
    assert numba.get_num_threads() == outer


def test_a_fit_keeps_a_lower_numba_thread_count_chosen_by_the_caller():
    with numba_threads(1):
        assert _threads_seen_in_fit()[1] == 1


def test_numba_thread_count_belongs_to_each_thread():
    outer, seen = numba.get_num_threads(), []

    def body():
        seen.append(numba.get_num_threads())

    with numba_threads(1):
        t = threading.Thread(target=body)
        t.start()
        t.join()
    assert seen == [numba.config.NUMBA_NUM_THREADS] and numba.get_num_threads() == outer


def _threads_seen_in_fit():
    """``NUMBA_NUM_THREADS`` and the Numba thread budget in force during a fit."""
    seen = []
    clf = make(SNUClassifier, max_iter=1, callback=lambda est, info: seen.append(
        numba.get_num_threads()))  # fmt: skip
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(X3[:40], Y[:40])
    return numba.config.NUMBA_NUM_THREADS, seen[0]


def test_fits_respect_threadpoolctl_limits():
    if not any(lib["user_api"] == "openmp" for lib in threadpool_info()):
        pytest.skip("no OpenMP runtime loaded: threadpoolctl has no limit to set")
    outer = numba.get_num_threads()
    assert _threads_seen_in_fit()[1] == outer
    with threadpool_limits(limits=1):
        assert _threads_seen_in_fit()[1] == 1
    assert numba.get_num_threads() == outer


def test_fits_in_joblib_process_workers_respect_inner_max_num_threads():
    with joblib.parallel_config(backend="loky", inner_max_num_threads=1):
        results = joblib.Parallel(n_jobs=2)(joblib.delayed(_threads_seen_in_fit)() for _ in "ab")
    assert results == [(1, 1), (1, 1)]


def test_four_fits_at_once_in_threads_equal_serial_fits():
    estimators = [
        make(SNUClassifier, random_state=0),
        make(sksnn.LSTMClassifier),
        make(SNUSequencePredictor, random_state=1),
        make(sksnn.GRUSequencePredictor),
    ]

    def fit(est):
        X, y = data_for(est)
        quiet_fit(est, X, y)
        return outputs(est)

    serial = [fit(est) for est in estimators]
    for _ in range(2):  # overlapping fits, twice
        threaded = joblib.Parallel(n_jobs=4, backend="threading")(
            joblib.delayed(fit)(est) for est in estimators
        )
        for a, b in zip(threaded, serial):
            np.testing.assert_array_equal(a, b)


def test_overlapping_fits_set_the_blas_limit_once_and_restore_it_last(monkeypatch):
    import sksnn._base as base

    events = []

    class Limiter:
        def restore_original_limits(self):
            events.append("restore")

    class Controller:
        def limit(self, limits, user_api):
            events.append(("limit", limits, user_api))
            return Limiter()

    monkeypatch.setitem(base._THREADS, "controller", Controller())
    a_in, b_in, a_out = threading.Event(), threading.Event(), threading.Event()

    def first():
        with base._one_blas_thread():
            a_in.set()
            b_in.wait(10)
        a_out.set()

    def second():
        a_in.wait(10)
        with base._one_blas_thread():
            b_in.set()
            a_out.wait(10)  # the first fit finishes while this one still runs
            events.append("second still inside")

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    [t.start() for t in threads]
    [t.join(20) for t in threads]
    assert events == [("limit", 1, "blas"), "second still inside", "restore"]
    assert base._THREADS["blas_users"] == 0 and base._THREADS["blas_limiter"] is None


# ---------------------------------------------------------------- Numba's compiler cache
# A fresh process compiles the kernels it uses (the RNN's are the quickest to compile; every
# kernel goes through the same sksnn._engine._numba.jit).
SCRIPT = textwrap.dedent("""
    import sys, warnings
    import numpy as np
    warnings.simplefilter("ignore", UserWarning)  # ConvergenceWarning; RuntimeWarnings show
    from sksnn import RNNClassifier
    X, y = np.load(sys.argv[1]), np.load(sys.argv[2])
    clf = RNNClassifier(hidden_layer_sizes=(8,), max_iter=4, random_state=0).fit(X, y)
    np.save(sys.argv[3], clf.predict_proba(X))
""")


def _run(tmp_path, name, **env):
    np.save(tmp_path / "X.npy", X3)
    np.save(tmp_path / "y.npy", Y)
    out = tmp_path / f"{name}.npy"
    full_env = {**os.environ, **env}
    if hasattr(numba.config, "CACHE_LOCATOR_CLASSES"):
        # only the NUMBA_CACHE_DIR locator: no fallback to the source tree's __pycache__,
        # as in a read-only install
        full_env["NUMBA_CACHE_LOCATOR_CLASSES"] = "UserProvidedCacheLocator"
    proc = subprocess.run(
        [sys.executable, "-W", "always::RuntimeWarning", "-c", SCRIPT, str(tmp_path / "X.npy"),
         str(tmp_path / "y.npy"), str(out)],
        env=full_env, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    return np.load(out), proc.stderr


@pytest.fixture(scope="module")
def expected():
    clf = sksnn.RNNClassifier(hidden_layer_sizes=(8,), max_iter=4, random_state=0)
    return quiet_fit(clf, X3, Y).predict_proba(X3)


def test_numba_compiles_into_a_missing_cache_and_loads_it_again(tmp_path, expected):
    cache = tmp_path / "numba_cache"  # does not exist yet
    cold, _ = _run(tmp_path, "cold", NUMBA_CACHE_DIR=str(cache))
    np.testing.assert_array_equal(cold, expected)
    assert list(cache.rglob("*.nbi")), "the compiled kernels were cached"
    warm, _ = _run(tmp_path, "warm", NUMBA_CACHE_DIR=str(cache))
    np.testing.assert_array_equal(warm, expected)


def test_numba_works_when_no_cache_folder_can_be_created(tmp_path, expected):
    blocker = tmp_path / "a_file"
    blocker.write_text("a regular file: nothing can be created below it")
    out, stderr = _run(tmp_path, "nocache", NUMBA_CACHE_DIR=str(blocker / "cache"))
    np.testing.assert_array_equal(out, expected)
    if hasattr(numba.config, "CACHE_LOCATOR_CLASSES"):
        assert "compiling in memory instead" in stderr


def test_numba_works_with_a_read_only_cache_folder(tmp_path, expected):
    cache = tmp_path / "read_only"
    cache.mkdir()
    cache.chmod(0o555)
    try:
        if os.access(cache, os.W_OK):
            pytest.skip("running as root: a read-only folder is writable anyway")
        out, _ = _run(tmp_path, "readonly", NUMBA_CACHE_DIR=str(cache))
        np.testing.assert_array_equal(out, expected)
        assert not any(cache.iterdir())
    finally:
        cache.chmod(0o755)
