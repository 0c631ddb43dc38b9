"""Saving and loading every estimator: pickle, joblib and skops.io.

Every fitted estimator is saved in the three formats, loaded in a fresh Python process, and must
predict exactly what it predicted before saving. skops.io loads it trusting only sksnn's own
types. The sksnn version is stored with the state, and loading under another version warns.
"""

import pickle
import subprocess
import sys
import textwrap
import warnings

import joblib
import numpy as np
import pytest
import skops.io as sio
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from skops.io.exceptions import UntrustedTypesFoundException

import sksnn

# The same code computes the outputs here and in the fresh process.
OUTPUTS = textwrap.dedent("""
    import numpy as np

    def outputs(est, X):
        if hasattr(est, "transform"):
            return est.transform(X)
        out = est.predict_proba(X) if hasattr(est, "predict_proba") else est.predict(X)
        return np.concatenate([np.ravel(o) for o in out])
""")
namespace = {}
exec(OUTPUTS, namespace)
outputs = namespace["outputs"]

LOAD_ALL = OUTPUTS + textwrap.dedent("""
    import pickle, sys, warnings
    import joblib
    import skops.io as sio

    folder, names = sys.argv[1], sys.argv[2:]
    data = dict(np.load(f"{folder}/inputs.npz", allow_pickle=True))
    results = {}
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no version warning, nothing else
        for name in names:
            with open(f"{folder}/{name}.pkl", "rb") as f:
                models = {"pickle": pickle.load(f)}
            models["joblib"] = joblib.load(f"{folder}/{name}.joblib")
            path = f"{folder}/{name}.skops"
            trusted = [t for t in sio.get_untrusted_types(file=path) if t.startswith("sksnn.")]
            models["skops"] = sio.load(path, trusted=trusted)
            X = data[name]
            X = list(X) if X.dtype == object else X
            for fmt, model in models.items():
                results[f"{name}/{fmt}"] = outputs(model, X)
    np.savez(f"{folder}/outputs.npz", **results)
""")

_X, _y = load_digits(return_X_y=True)
ROWS = (_X[:150] / 16.0).reshape(-1, 8, 8)
STATIC = _X[:150] / 16.0
Y = _y[:150]
RNG = np.random.default_rng(0)
SEQS = [(RNG.random((int(n), 5)) < 0.3).astype(float) for n in RNG.integers(5, 12, 10)]


def _fitted():
    """``name -> (fitted estimator, input)`` for every estimator, plus a few variants."""
    tiny = dict(hidden_layer_sizes=(8,), max_iter=3, random_state=0)
    out = {}
    for cls in (sksnn.SNUClassifier, sksnn.LSTMClassifier, sksnn.GRUClassifier,
                sksnn.RNNClassifier, sksnn.SRCClassifier):  # fmt: skip
        out[cls.__name__] = (cls(**tiny).fit(ROWS, Y), ROWS)
    for cls in (sksnn.SNUSequencePredictor, sksnn.LSTMSequencePredictor,
                sksnn.GRUSequencePredictor, sksnn.RNNSequencePredictor,
                sksnn.SRCSequencePredictor):  # fmt: skip
        out[cls.__name__] = (cls(**tiny).fit(SEQS), SEQS)
    out["SoftLIFClassifier"] = (sksnn.SoftLIFClassifier(**tiny).fit(STATIC, Y), STATIC)
    # the spiking LIF network at prediction
    out["SoftLIFClassifier_spiking"] = (
        sksnn.SoftLIFClassifier(**tiny, spiking=True, presentation_time=0.03).fit(STATIC, Y),
        STATIC,
    )
    W = RNG.standard_normal((6, 4))
    out["PCMDeviceTransformer"] = (sksnn.PCMDeviceTransformer(random_state=0).fit(W), W)
    # stochastic rate coding at prediction, and simulated devices at prediction
    out["SNUClassifier_rate"] = (
        sksnn.SNUClassifier(**tiny, encoding="rate", n_steps=5).fit(STATIC, Y),
        STATIC,
    )
    device = sksnn.PCMDeviceTransformer(t_inference=3600, random_state=1)
    out["SNUClassifier_pcm"] = (sksnn.SNUClassifier(**tiny, device=device).fit(ROWS, Y), ROWS)
    labels = [np.array(list("abcab")), np.array(list("bcaab"))]
    tokens = [np.eye(3)[[0, 1, 2, 0, 1]], np.eye(3)[[1, 2, 0, 0, 1]]]
    out["SNUSequencePredictor_categorical"] = (
        sksnn.SNUSequencePredictor(**tiny, loss="categorical").fit(tokens, labels),
        tokens,
    )
    return out


@pytest.fixture(scope="module")
def fitted():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return _fitted()


def test_every_estimator_is_covered(fitted):
    public = {n for n in sksnn.__all__ if n != "__version__"}
    assert public <= set(fitted)


def test_pickle_joblib_and_skops_round_trips_in_a_fresh_process(fitted, tmp_path):
    inputs, expected = {}, {}
    for name, (est, X) in fitted.items():
        with open(tmp_path / f"{name}.pkl", "wb") as f:
            pickle.dump(est, f)
        joblib.dump(est, tmp_path / f"{name}.joblib")
        sio.dump(est, tmp_path / f"{name}.skops")
        inputs[name] = np.array(X, dtype=object) if isinstance(X, list) else X
        expected[name] = outputs(est, X)
    np.savez(tmp_path / "inputs.npz", **inputs)
    proc = subprocess.run(
        [sys.executable, "-c", LOAD_ALL, str(tmp_path), *fitted],
        capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    got = np.load(tmp_path / "outputs.npz")
    assert len(got.files) == 3 * len(fitted)
    for key in got.files:
        np.testing.assert_array_equal(got[key], expected[key.split("/")[0]], err_msg=key)


def test_skops_needs_only_sksnn_types_to_be_trusted(fitted, tmp_path):
    for name, (est, X) in fitted.items():
        path = tmp_path / f"{name}.skops"
        sio.dump(est, path)
        untrusted = sio.get_untrusted_types(file=path)
        assert untrusted and all(t.startswith("sksnn.") for t in untrusted), (name, untrusted)
        with pytest.raises(UntrustedTypesFoundException):
            sio.load(path)  # nothing is trusted by default
        loaded = sio.load(path, trusted=untrusted)
        np.testing.assert_array_equal(outputs(loaded, X), outputs(est, X))


@pytest.mark.parametrize("how", ["pickle", "joblib", "skops"])
def test_loading_under_another_sksnn_version_warns(fitted, tmp_path, monkeypatch, how):
    import sksnn._base

    for name in ("SNUClassifier", "PCMDeviceTransformer"):
        est, X = fitted[name]
        path = tmp_path / f"{name}.{how}"
        if how == "pickle":
            path.write_bytes(pickle.dumps(est))
        else:
            (joblib.dump if how == "joblib" else sio.dump)(est, path)
        monkeypatch.setattr(sksnn._base, "__version__", "99.0")
        with pytest.warns(UserWarning, match=r"fitted with sksnn .* loaded with sksnn 99\.0"):
            if how == "skops":
                loaded = sio.load(path, trusted=sio.get_untrusted_types(file=path))
            else:
                loaded = pickle.loads(path.read_bytes()) if how == "pickle" else joblib.load(path)
        monkeypatch.undo()
        np.testing.assert_array_equal(outputs(loaded, X), outputs(est, X))
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # the same version loads silently
            pickle.loads(pickle.dumps(est))
