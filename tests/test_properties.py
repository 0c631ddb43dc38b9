"""Property-based tests: bad input of every kind, thrown at every public estimator and loader.

Random shapes (zero-size dimensions included), dtypes (bool, int, float16/32/64, complex, object,
str), NaN, inf and values beyond float32, empty and ragged inputs, labels of mixed types, single
classes, unknown labels at prediction. Every call either works, and then its output has the
expected shape and is finite (not silently wrong), or raises a ValueError with a message
(FileNotFoundError for a loader's missing file). Any other exception, a RuntimeWarning
(overflow, invalid value) from a call that worked without reporting divergence, and a hang
fail.

Inputs are a valid data set plus up to two random corruptions, or plain random arrays: so both
the success path and the error paths are exercised. The examples are derandomized (the same in
every run, as CI needs); ``SKSNN_HYPOTHESIS_EXAMPLES=10`` multiplies their number for a longer
hunt, ``SKSNN_HYPOTHESIS_RANDOM=1`` draws new ones, ``SKSNN_HYPOTHESIS_MESSAGES=1`` lists the
error messages met. How many examples were tried, and how many calls worked, is printed at the
end of the module.
"""

import collections
import faulthandler
import gzip
import inspect
import os
import pickle
import re
import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from sklearn.base import BaseEstimator
from sklearn.exceptions import ConvergenceWarning, DataConversionWarning, NotFittedError

import sksnn
from sksnn import datasets
from sksnn.exceptions import DivergenceWarning


def all_estimators():
    """Every public estimator class exported by sksnn (as in test_common.py)."""
    return [
        obj
        for name in sksnn.__all__
        if inspect.isclass(obj := getattr(sksnn, name)) and issubclass(obj, BaseEstimator)
    ]


SCALE = float(os.environ.get("SKSNN_HYPOTHESIS_EXAMPLES", "1"))


def _settings(n):
    return settings(
        max_examples=max(1, int(n * SCALE)),
        derandomize=not os.environ.get("SKSNN_HYPOTHESIS_RANDOM"),
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )


# test -> Counter of outcomes ("ok" or the exception type of the first call) and messages
TRIED = collections.defaultdict(collections.Counter)
MESSAGES = collections.defaultdict(collections.Counter)
HANG_SECONDS = 120  # an example taking longer is a hang: dump the stacks and stop


@pytest.fixture(scope="module", autouse=True)
def _report(request):
    yield
    reporter = request.config.pluginmanager.get_plugin("terminalreporter")
    if reporter is None:
        return
    capture = request.config.pluginmanager.get_plugin("capturemanager")
    with capture.global_and_fixture_disabled():
        _write_report(reporter)


def _write_report(reporter):
    reporter.write_line("")
    for name, counts in sorted(TRIED.items()):
        total = counts.pop("examples", 0)
        detail = ", ".join(f"{k}: {v}" for k, v in counts.most_common())
        reporter.write_line(f"test_properties {name}: {total} examples ({detail})")
    if os.environ.get("SKSNN_HYPOTHESIS_MESSAGES"):
        for name, counts in sorted(MESSAGES.items()):
            for msg, n in counts.most_common():
                reporter.write_line(f"  {name} {n:5d} x {msg}")


def _template(msg):
    """An error message with numbers, shapes and reprs blurred, to group them."""
    msg = re.sub(r"\[.*?\]|\(.*?\)|'.*?'|-?\d[\d.e+-]*", "#", str(msg).splitlines()[0])
    return msg[:110]


def attempt(test, what, func, *args, allowed=(ValueError,), **kwargs):
    """``(True, result)`` or ``(False, exception)`` for an allowed exception with a message.

    Warnings a tiny run expects are silenced; a RuntimeWarning (overflow, invalid value) is an
    error: it means a computation went non-finite without saying so.
    """
    faulthandler.dump_traceback_later(HANG_SECONDS, exit=True)
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("ignore", ConvergenceWarning)
            warnings.simplefilter("ignore", DataConversionWarning)
            warnings.simplefilter("ignore", UserWarning)
            warnings.simplefilter("always", RuntimeWarning)
            warnings.simplefilter("always", DivergenceWarning)
            result = func(*args, **kwargs)
        # a result computed through an overflow or an invalid value is silently wrong, unless
        # the estimator said that training diverged
        diverged = any(issubclass(w.category, DivergenceWarning) for w in caught)
        runtime = [str(w.message) for w in caught if issubclass(w.category, RuntimeWarning)]
        assert diverged or not runtime, f"{what} worked but warned {runtime}"
        if diverged:
            TRIED[test][f"{what} diverged"] += 1
        TRIED[test][f"{what} ok"] += 1
        return True, result
    except allowed as exc:
        message = str(exc).strip()
        assert message, f"{what} raised {type(exc).__name__} without a message"
        TRIED[test][f"{what} {type(exc).__name__}"] += 1
        MESSAGES[test][f"{what}: {type(exc).__name__}: {_template(message)}"] += 1
        return False, exc
    finally:
        faulthandler.cancel_dump_traceback_later()


# ---------------------------------------------------------------- strategies
DTYPES = ["bool", "int8", "uint8", "int64", "float16", "float32", "float64", "complex128",
          "object", "str"]  # fmt: skip


def _cast(X, dtype):
    if dtype == "str":
        return X.astype(str)
    if dtype == "object":
        out = X.astype(object)
        if out.size:
            out.flat[0] = "a"  # a string among numbers
        return out
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return X.astype(dtype)
        except (TypeError, ValueError):  # e.g. strings to int: keep the array as it is
            return X


@st.composite
def random_arrays(draw, min_dims=1, max_dims=4):
    """Arrays of any dtype and shape (zero-size dimensions included), NaN and inf included."""
    dtype = draw(st.sampled_from([d for d in DTYPES if d not in ("object", "str")]))
    shape = draw(hnp.array_shapes(min_dims=min_dims, max_dims=max_dims, min_side=0, max_side=4))
    return draw(hnp.arrays(np.dtype(dtype), shape))


def _corrupt_value(draw, X, rng):
    """Put NaN, inf, a value beyond float32 or a huge in-range value somewhere in ``X``."""
    X = np.array(X, dtype=np.float64)
    if X.size:
        value = draw(st.sampled_from([np.nan, np.inf, -np.inf, 1e39, -1e300, 3e38, 5e-324]))
        X.flat[int(rng.integers(X.size))] = value
    return X


@st.composite
def classification_data(draw):
    """``(X, y)`` for a classifier: valid data with 0-2 corruptions, or random arrays."""
    if draw(st.integers(0, 4)) == 0:
        X = draw(random_arrays())
        n = len(X) if X.ndim else 0
        y = draw(st.lists(st.integers(0, 2), min_size=n, max_size=n))
        return X, np.array(y), ["random"]
    rng = np.random.default_rng(draw(st.integers(0, 2**16)))
    n = draw(st.integers(2, 8))
    shape = (n, draw(st.integers(1, 3))) if draw(st.booleans()) else (n, *draw(
        st.tuples(st.integers(1, 3), st.integers(1, 3))))  # fmt: skip
    X = rng.random(shape) * draw(st.sampled_from([1.0, 1.0, 5.0, -1.0]))
    labels = draw(st.sampled_from([[0, 1], [1, 2, 3], ["a", "b"], [True, False], [0.5, 1.5]]))
    y = np.array(labels)[np.arange(n) % len(labels)]
    y = y[rng.permutation(n)]
    kinds = draw(st.lists(st.sampled_from(CLASSIFIER_CORRUPTIONS), max_size=2))
    for kind in kinds:
        X, y = _corrupt_classification(draw, kind, X, y, rng)
    return X, y, kinds


CLASSIFIER_CORRUPTIONS = [
    "value", "dtype", "empty", "ndim", "ragged", "nested_list", "y_length", "y_nan",
    "y_single", "y_2d", "y_mixed", "y_none", "y_object_none",
]  # fmt: skip


def _corrupt_classification(draw, kind, X, y, rng):
    if y is None:
        return X, y
    Xa = np.asarray(X, dtype=object) if isinstance(X, list) else X
    if kind == "value" and Xa.dtype != object:
        return _corrupt_value(draw, X, rng), y
    if kind == "dtype" and isinstance(X, np.ndarray):
        return _cast(X, draw(st.sampled_from(DTYPES))), y
    if kind == "empty" and isinstance(X, np.ndarray):
        axis = draw(st.integers(0, X.ndim - 1))
        return np.take(X, [], axis=axis), (y[:0] if axis == 0 else y)
    if kind == "ndim" and isinstance(X, np.ndarray):
        return (X.ravel() if draw(st.booleans()) else X[..., None, None]), y
    if kind == "ragged" and isinstance(X, np.ndarray) and X.ndim > 1 and len(X) > 1:
        rows = [np.asarray(r).tolist() for r in X]
        rows[-1] = rows[-1][:-1]
        return rows, y
    if kind == "nested_list" and isinstance(X, np.ndarray):
        return X.tolist(), y.tolist()
    if kind == "y_length":
        return X, (y[:-1] if draw(st.booleans()) else np.concatenate([y, y[:1]]))
    if kind == "y_nan":
        y = np.asarray(y, dtype=object).copy()
        if len(y):
            y[0] = np.nan
        try:
            return X, y.astype(float)
        except (TypeError, ValueError):
            return X, y
    if kind == "y_single":
        return X, np.full(len(y), np.ravel(y)[0] if np.size(y) else 0)
    if kind == "y_2d":
        return X, (np.asarray(y)[:, None] if draw(st.booleans()) else np.c_[y, y])
    if kind == "y_mixed":
        y = np.asarray(y, dtype=object).copy()
        if len(y):
            y[0] = 7 if isinstance(y[0], str) else "seven"
        return X, y
    if kind == "y_none":
        return X, None
    if kind == "y_object_none":
        y = np.asarray(y, dtype=object).copy()
        if len(y):
            y[-1] = None
        return X, y
    return X, y


CLASSIFIERS = [c for c in all_estimators() if c.__name__.endswith("Classifier")]
SEQUENCE = [c for c in all_estimators() if c.__name__.endswith("SequencePredictor")]


@st.composite
def network_params(draw, classifier):
    params = dict(
        hidden_layer_sizes=draw(st.sampled_from([(4,), (3, 2)])),
        max_iter=draw(st.integers(1, 2)),
        dtype=draw(st.sampled_from(["float32", "float64"])),
        batch_size=draw(st.sampled_from(["auto", 1, 3, 50])),
        early_stopping=draw(st.booleans()),
        random_state=0,
    )
    if classifier:
        params["n_steps"] = draw(st.integers(2, 3))
        params["encoding"] = draw(st.sampled_from(["current", "rate", "latency"]))
    else:
        params["loss"] = draw(st.sampled_from(["binary", "squared_error", "categorical"]))
    return params


def _accepted(cls, params):
    """The drawn parameters the class has (SoftLIFClassifier has no n_steps nor encoding)."""
    names = cls().get_params()
    return {k: v for k, v in params.items() if k in names}


def _n_samples(X):
    return len(X) if hasattr(X, "__len__") else None


def _check_classifier_outputs(est, X):
    ok, proba = attempt("classifiers", "predict_proba", est.predict_proba, X)
    if not ok:
        return
    n = _n_samples(X)
    assert proba.shape == (n, len(est.classes_))
    assert np.isfinite(proba).all() and (proba >= 0).all() and (proba <= 1).all()
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-4)
    pred = est.predict(X)
    assert pred.shape == (n,) and np.isin(pred, est.classes_).all()
    np.testing.assert_array_equal(pred, est.classes_[proba.argmax(axis=1)])


def test_classifiers_on_random_input():
    examples = TRIED["classifiers"]

    @_settings(240)
    @given(
        cls=st.sampled_from(CLASSIFIERS),
        data=classification_data(),
        later=classification_data(),
        params=st.data(),
    )
    def run(cls, data, later, params):
        examples["examples"] += 1
        (X, y, _), (X2, y2, _) = data, later
        est = cls(**_accepted(cls, params.draw(network_params(classifier=True))))
        with pytest.raises(NotFittedError):
            est.predict(X)
        ok, _ = attempt("classifiers", "fit", est.fit, X, y)
        if not ok:
            assert not hasattr(est, "coefs_"), "a failed first fit leaves no model"
            return
        assert est.n_features_in_ >= 1 and len(est.classes_) >= 2
        # the training input itself always predicts; then the other input, valid or not
        ok, _ = attempt("classifiers", "predict (training X)", est.predict, X)
        assert ok, "predict fails on the data the model was fitted on"
        _check_classifier_outputs(est, X)
        _check_classifier_outputs(est, X2)
        # unknown labels in score count as errors; they never raise
        if est.classes_.dtype.kind in "iuf":  # a label of the same type, never seen
            unknown = np.full(_n_samples(X), est.classes_.max() + 1)
            ok, score = attempt("classifiers", "score (unknown labels)", est.score, X, unknown)
            assert ok and score == 0.0
        # a failed partial_fit leaves the model exactly as it was
        before = pickle.dumps(est)
        ok, _ = attempt("classifiers", "partial_fit", est.partial_fit, X2, y2)
        if not ok:
            assert pickle.dumps(est) == before

    run()
    assert examples["examples"] >= 1


# ---------------------------------------------------------------- sequences
SEQUENCE_CORRUPTIONS = [
    "value", "dtype", "empty_list", "empty_sequence", "one_d", "features", "as_2d", "wrong_type",
    "y_count", "y_steps", "y_nonbinary", "y_nan", "y_mixed_ndim", "y_huge", "nested_list",
    "y_object_none",
]  # fmt: skip


@st.composite
def sequence_data(draw, loss="binary"):
    """``(X, y)`` for a sequence predictor: valid data with 0-2 corruptions, or random."""
    if draw(st.integers(0, 5)) == 0:
        X = draw(random_arrays(min_dims=1, max_dims=4))
        return X, None, ["random"]
    rng = np.random.default_rng(draw(st.integers(0, 2**16)))
    n = draw(st.integers(1, 4))
    F = draw(st.integers(1, 3))
    equal = draw(st.booleans())
    lengths = [3] * n if equal else [int(v) for v in rng.integers(2, 6, n)]
    X = [(rng.random((L, F)) < 0.5).astype(float) for L in lengths]
    y = None
    if draw(st.booleans()):
        if loss == "categorical":
            labels = np.array(draw(st.sampled_from([[0, 1, 2], ["x", "y"]])))
            y = [labels[rng.integers(0, len(labels), L)] for L in lengths]
        elif loss == "binary":
            y = [(rng.random((L, 2)) < 0.5).astype(float) for L in lengths]
        else:
            y = [rng.standard_normal(L) for L in lengths]
    if equal and draw(st.booleans()):
        X = np.stack(X)
        y = None if y is None else np.stack(y)
    kinds = draw(st.lists(st.sampled_from(SEQUENCE_CORRUPTIONS), max_size=2))
    for kind in kinds:
        X, y = _corrupt_sequences(draw, kind, X, y, rng)
    return X, y, kinds


def _corrupt_sequences(draw, kind, X, y, rng):
    seqs = list(X) if isinstance(X, list | np.ndarray) else None
    if seqs is None or not seqs:
        return X, y
    i = int(rng.integers(len(seqs)))
    if kind == "value":
        seqs[i] = _corrupt_value(draw, seqs[i], rng)
    elif kind == "dtype":
        seqs[i] = _cast(np.asarray(seqs[i]), draw(st.sampled_from(DTYPES)))
    elif kind == "empty_list":
        return [], ([] if y is not None else None)
    elif kind == "empty_sequence":
        seqs[i] = np.asarray(seqs[i])[:0]
    elif kind == "one_d":
        seqs[i] = np.asarray(seqs[i]).ravel()
    elif kind == "features":
        seqs[i] = np.c_[seqs[i], seqs[i]]
    elif kind == "as_2d":
        return np.asarray(seqs[0]), y
    elif kind == "wrong_type":
        return draw(st.sampled_from([None, 3, "abc", {"a": 1}])), y
    elif kind == "nested_list":
        return [np.asarray(s).tolist() for s in seqs], y
    elif y is not None and len(y):
        ys = list(y)
        j = int(rng.integers(len(ys)))
        if kind == "y_count":
            ys = ys[:-1]
        elif kind == "y_steps":
            ys[j] = np.asarray(ys[j])[:-1]
        elif kind == "y_nonbinary":
            ys[j] = (
                np.asarray(ys[j], dtype=float) + 0.5
                if np.asarray(ys[j]).dtype.kind in "fiub"
                else ys[j]
            )
        elif kind == "y_nan":
            ys[j] = np.asarray(ys[j], dtype=object).copy()
            ys[j][0] = np.nan
        elif kind == "y_mixed_ndim":
            ys[j] = np.asarray(ys[j])
            ys[j] = ys[j][:, None] if ys[j].ndim == 1 else ys[j].reshape(len(ys[j]), -1)[:, 0]
        elif kind == "y_huge":
            ys[j] = np.full(np.shape(ys[j]), 1e300)
        elif kind == "y_object_none":
            ys[j] = np.asarray(ys[j], dtype=object).copy()
            ys[j][-1] = None
        return (np.stack(seqs) if isinstance(X, np.ndarray) else seqs), ys
    if isinstance(X, np.ndarray):
        try:
            return np.stack(seqs), y
        except ValueError:
            return seqs, y
    return seqs, y


def _check_sequence_outputs(est, X):
    ok, pred = attempt("sequence predictors", "predict", est.predict, X)
    if not ok:
        return
    seqs = list(X)
    if isinstance(X, np.ndarray) and X.dtype != object:
        assert isinstance(pred, np.ndarray) and pred.shape[:2] == X.shape[:2]
    else:
        assert isinstance(pred, list) and len(pred) == len(seqs)
    for p, x in zip(pred, seqs):
        p = np.asarray(p)
        assert len(p) == len(x)
        if est.loss == "categorical":
            assert p.shape == (len(x),) and np.isin(p, est.classes_).all()
            continue
        width = () if est._y_1d else (est.n_outputs_,)
        assert p.shape == (len(x), *width)
        assert np.isfinite(p).all()
        if est.loss == "binary":
            assert np.isin(p, (0.0, 1.0)).all()
    if est.loss != "squared_error":
        proba = est.predict_proba(X)
        for p in proba:
            assert np.isfinite(p).all() and (np.asarray(p) >= 0).all() and (p <= 1).all()


def test_sequence_predictors_on_random_input():
    examples = TRIED["sequence predictors"]

    @_settings(240)
    @given(cls=st.sampled_from(SEQUENCE), data=st.data())
    def run(cls, data):
        examples["examples"] += 1
        params = data.draw(network_params(classifier=False))
        X, y, _ = data.draw(sequence_data(params["loss"]))
        X2, y2, _ = data.draw(sequence_data(params["loss"]))
        est = cls(**params)
        ok, _ = attempt("sequence predictors", "fit", est.fit, X, y)
        if not ok:
            assert not hasattr(est, "coefs_"), "a failed first fit leaves no model"
            return
        _check_sequence_outputs(est, X)
        ok, score = attempt("sequence predictors", "score", est.score, X, y)
        assert ok, "score fails on the data the model was fitted on"
        assert np.isfinite(score)
        _check_sequence_outputs(est, X2)
        before = pickle.dumps(est)
        ok, _ = attempt("sequence predictors", "partial_fit", est.partial_fit, X2, y2)
        if not ok:
            assert pickle.dumps(est) == before

    run()
    assert examples["examples"] >= 1


# ---------------------------------------------------------------- PCM devices
@st.composite
def weight_matrices(draw):
    if draw(st.booleans()):
        return draw(random_arrays(min_dims=1, max_dims=3))
    rng = np.random.default_rng(draw(st.integers(0, 2**16)))
    W = rng.standard_normal((draw(st.integers(1, 4)), draw(st.integers(1, 4))))
    with np.errstate(over="ignore"):
        W = W * draw(st.sampled_from([1.0, 1e-30, 1e30, 1e300, 1e308, 5e-324, 0.0]))
    if draw(st.booleans()):
        W = _corrupt_value(draw, W, rng)
    return W


def test_pcm_transformer_on_random_input():
    examples = TRIED["PCMDeviceTransformer"]

    @_settings(150)
    @given(
        W=weight_matrices(),
        W2=weight_matrices(),
        params=st.fixed_dictionaries(
            {
                "t_inference": st.sampled_from([0.0, 1.0, 3600.0, 3.15e7]),
                "drift_compensation": st.sampled_from([True, False, "column"]),
                "n_pairs": st.integers(1, 2),
                "n_levels": st.sampled_from([None, 2, 16]),
                "random_state": st.just(0),
            }
        ),
    )
    def run(W, W2, params):
        examples["examples"] += 1
        dev = sksnn.PCMDeviceTransformer(**params)
        ok, _ = attempt("PCMDeviceTransformer", "fit", dev.fit, W)
        if not ok:
            return
        for M in (W, W2):
            ok, out = attempt("PCMDeviceTransformer", "transform", dev.transform, M)
            if ok:
                assert out.shape == np.shape(M) and np.isfinite(out).all()
                # devices hold at most g_max (plus noise): |read-out| stays near that range
                bound = max(np.max(np.abs(np.asarray(M, dtype=float))), dev.g_max / dev.scale_)
                assert np.max(np.abs(out), initial=0.0) <= 100 * bound, "read-out out of range"

    run()
    assert examples["examples"] >= 1


# ---------------------------------------------------------------- loaders
MUSIC_FILES = {"nottingham": "Nottingham.mat", "musedata": "MuseData.mat",
               "piano_midi": "Piano_midi.mat"}  # fmt: skip


@st.composite
def data_homes(draw, tmp_root):
    """A data folder: missing, empty, a regular file, or holding a corrupt data file."""
    kind = draw(st.sampled_from(["missing", "empty", "file", "corrupt", "text"]))
    case = tmp_root / f"case{len(list(tmp_root.iterdir()))}"
    if kind == "text":
        return draw(st.text(max_size=6)), kind
    if kind == "missing":
        return case / "absent", kind
    if kind == "file":
        case.write_bytes(b"not a folder")
        return case, kind
    case.mkdir()
    if kind == "corrupt":
        payload = draw(st.binary(max_size=40))
        if draw(st.booleans()):
            payload = gzip.compress(payload)
        if draw(st.booleans()):  # a real IDX header announcing random sizes
            dims = draw(st.lists(st.integers(0, 2**31 - 1), min_size=3, max_size=3))
            payload = gzip.compress(
                (0x803).to_bytes(4, "big") + b"".join(d.to_bytes(4, "big") for d in dims)
            )
        for folder in ("mnist", "fashion_mnist"):
            (case / folder).mkdir()
            for stem in ("train-images-idx3-ubyte", "t10k-images-idx3-ubyte"):
                (case / folder / f"{stem}.gz").write_bytes(payload)
        (case / "poly_music").mkdir()
        mat = _random_mat(draw)
        for name in MUSIC_FILES.values():
            if mat is None:
                (case / "poly_music" / name).write_bytes(payload)
            else:
                from scipy.io import savemat

                savemat(case / "poly_music" / name, mat)
    return case, kind


def _random_mat(draw):
    """None (raw bytes instead) or the content of a .mat with wrong splits or rolls."""
    if draw(st.booleans()):
        return None
    rng = np.random.default_rng(draw(st.integers(0, 2**16)))
    out = {}
    for split in ("traindata", "validdata", "testdata"):
        if draw(st.integers(0, 5)) == 0:
            continue  # a split missing
        n = draw(st.integers(0, 3))
        cell = np.empty((1, n), dtype=object)
        for i in range(n):
            width = draw(st.sampled_from([88, 88, 3]))
            cell[0, i] = (rng.random((int(rng.integers(1, 4)), width)) * 2).round()
        out[split] = cell
    return out or {"other": np.ones(2)}


LOADER_NAMES = st.one_of(
    st.sampled_from(["nottingham", "MuseData", "piano-midi", "jsb_chorales", "JSB-Chorales"]),
    st.text(max_size=8),
    st.integers(),
    st.none(),
)


def test_loaders_on_random_arguments(tmp_path, monkeypatch):
    examples = TRIED["loaders"]
    monkeypatch.setenv("SKSNN_DATA", str(tmp_path / "env_home"))  # never the user's folder
    monkeypatch.chdir(tmp_path)  # relative text data_homes resolve under tmp_path
    roots = tmp_path / "homes"
    roots.mkdir()

    @_settings(150)
    @given(data=st.data())
    def run(data):
        examples["examples"] += 1
        home, kind = data.draw(data_homes(roots))
        which = data.draw(st.sampled_from(["music", "mnist", "fashion", "jsb", "digits"]))
        found = (ValueError, FileNotFoundError)
        if which == "music":
            name = data.draw(LOADER_NAMES)
            ok, out = attempt("loaders", "load_polyphonic_music",
                              datasets.load_polyphonic_music, name, data_home=home,
                              allowed=found)  # fmt: skip
            if ok:  # only the shipped set can load: every other file here is wrong
                assert str(name).lower().replace("-", "_") == "jsb_chorales"
                assert [len(out[s]) for s in ("train", "valid", "test")] == [229, 76, 77]
        elif which in ("mnist", "fashion"):
            loader = datasets.load_mnist if which == "mnist" else datasets.load_fashion_mnist
            split = data.draw(st.one_of(st.sampled_from(["train", "test"]), st.text(max_size=5),
                                        st.integers(), st.none()))  # fmt: skip
            ok, _ = attempt("loaders", loader.__name__, loader, split, data_home=home,
                            allowed=found)  # fmt: skip
            assert not ok, "no valid MNIST file exists here"
        elif which == "jsb":
            dtype = data.draw(st.sampled_from([np.float32, "float64", np.float16, bool, "int8"]))
            ok, out = attempt("loaders", "load_jsb_chorales", datasets.load_jsb_chorales,
                              dtype=dtype)  # fmt: skip
            assert ok and out.train[0].dtype == np.dtype(dtype) and out.train[0].shape[1] == 88
            assert set(np.unique(out.train[0]).tolist()) <= {0, 1}
        else:
            ok, (X, _) = attempt("loaders", "load_digits_sequences",
                                 datasets.load_digits_sequences, return_X_y=True)  # fmt: skip
            assert ok and X.shape == (1797, 8, 8) and np.isfinite(X).all()
        assert kind or True

    run()
    assert examples["examples"] >= 1
