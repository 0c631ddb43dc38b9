"""LSTM/GRU/RNN estimators: same parameters and data as the SNU estimators, one grid for all."""

import warnings

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer
from test_estimators import DIGITS_X, DIGITS_Y, _music

from sksnn import (
    GRUClassifier,
    GRUSequencePredictor,
    LSTMClassifier,
    LSTMSequencePredictor,
    RNNClassifier,
    RNNSequencePredictor,
    SNUClassifier,
)

FAST = dict(hidden_layer_sizes=(32,), max_iter=15, random_state=0)


@pytest.mark.parametrize("cls", [LSTMClassifier, GRUClassifier, RNNClassifier])
def test_baseline_classifiers_learn_and_expose_the_shared_attributes(cls):
    clf = cls(**FAST).fit(DIGITS_X[:300], DIGITS_Y[:300])
    assert clf.score(DIGITS_X[300:], DIGITS_Y[300:]) > 0.7
    gates = {"LSTMClassifier": 4, "GRUClassifier": 3, "RNNClassifier": 1}[cls.__name__]
    assert [w.shape for w in clf.coefs_] == [(8, 32 * gates), (32, 10)]
    assert clf.recurrent_coefs_[0].shape == (32, 32 * gates)
    assert clf.thresholds_ == [] and len(clf.intercepts_) == 2
    assert len(clf.loss_curve_) == clf.n_iter_ and np.all(np.isfinite(clf.firing_rates_))
    rec = clf.record(DIGITS_X[:3])
    assert rec[0]["hidden"].shape == (3, 8, 32)
    if cls is LSTMClassifier:
        assert rec[0]["cell"].shape == (3, 8, 32)
    # the readout is softmax(h_T W + b): recompute it from the recorded hidden state
    z = rec[0]["hidden"][:, -1] @ clf.coefs_[1] + clf.intercepts_[1]
    p = np.exp(z - z.max(axis=1, keepdims=True))
    np.testing.assert_allclose(p / p.sum(axis=1, keepdims=True), clf.predict_proba(DIGITS_X[:3]),
                               rtol=1e-5)  # fmt: skip


def test_one_grid_swaps_snu_ssnu_lstm_and_gru():
    pipe = Pipeline([("identity", FunctionTransformer()), ("model", SNUClassifier())])
    grid = {
        "model": [
            SNUClassifier(**FAST),
            SNUClassifier(**FAST, soft=True),
            LSTMClassifier(**FAST),
            GRUClassifier(**FAST),
        ],
        "model__learning_rate_init": [0.01],  # the same parameter name reaches every model
    }
    search = GridSearchCV(pipe, grid, cv=2, n_jobs=2, error_score="raise").fit(DIGITS_X, DIGITS_Y)
    scores = search.cv_results_["mean_test_score"]
    assert len(scores) == 4 and np.isfinite(scores).all() and scores.min() > 0.3
    names = [type(p["model"]).__name__ for p in search.cv_results_["params"]]
    assert names == ["SNUClassifier", "SNUClassifier", "LSTMClassifier", "GRUClassifier"]


@pytest.mark.parametrize(
    "cls", [LSTMSequencePredictor, GRUSequencePredictor, RNNSequencePredictor]
)
def test_baseline_sequence_predictors(cls):
    X = _music()
    model = cls(hidden_layer_sizes=(16,), max_iter=20, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X)
    assert [p.shape for p in model.predict_proba(X)] == [x.shape for x in X]
    assert model.loss_curve_[-1] < model.loss_curve_[0]
    assert np.isfinite(model.score(X))
    with pytest.raises(ValueError, match="expecting 6 features"):
        model.predict([np.ones((3, 4))])
