"""Behaviour of SNUClassifier and SNUSequencePredictor as scikit-learn users rely on it."""

import pickle
import subprocess
import sys
import warnings

import joblib
import numpy as np
import pytest
from sklearn.base import clone
from sklearn.datasets import load_digits
from sklearn.exceptions import NotFittedError
from sklearn.model_selection import GridSearchCV, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import MinMaxScaler

from sksnn import LSTMClassifier, SNUClassifier, SNUSequencePredictor
from sksnn.exceptions import ConvergenceWarning, DivergenceWarning

_X, _y = load_digits(return_X_y=True)
DIGITS_X = (_X[:400] / 16.0).reshape(-1, 8, 8)  # rows as time steps
DIGITS_Y = _y[:400]
FAST = dict(hidden_layer_sizes=(32,), max_iter=15, random_state=0)


def _music(n=12, F=6, seed=0):
    rng = np.random.default_rng(seed)
    return [(rng.random((int(rng.integers(5, 15)), F)) < 0.3).astype(float) for _ in range(n)]


def _params_equal(a, b):
    return all(np.array_equal(x, y) for x, y in zip(a.coefs_, b.coefs_)) and all(
        np.array_equal(x, y) for x, y in zip(a.thresholds_, b.thresholds_)
    )


# ---------------------------------------------------------------- classifier
def test_classifier_learns_digit_rows():
    clf = SNUClassifier(**{**FAST, "max_iter": 30})
    clf.fit(DIGITS_X[:300], DIGITS_Y[:300])
    assert clf.score(DIGITS_X[300:], DIGITS_Y[300:]) > 0.6  # chance is 0.1
    assert clf.n_features_in_ == 8
    assert [w.shape for w in clf.coefs_] == [(8, 32), (32, 10)]
    assert len(clf.loss_curve_) == clf.n_iter_ == len(clf.history_)
    assert clf.loss_curve_[-1] < clf.loss_curve_[0]
    assert clf.firing_rates_.shape == (2,) and np.all(clf.firing_rates_ > 0)
    assert set(clf.history_[0]) >= {"epoch", "loss", "firing_rates", "seconds"}
    proba = clf.predict_proba(DIGITS_X[:5])
    np.testing.assert_allclose(proba.sum(axis=1), 1, rtol=1e-5)
    np.testing.assert_allclose(clf.predict_log_proba(DIGITS_X[:5]), np.log(proba), rtol=1e-5)


@pytest.mark.parametrize("encoding", ["current", "rate", "latency"])
def test_classifier_on_static_features(encoding):
    X = DIGITS_X.reshape(len(DIGITS_X), -1)
    clf = SNUClassifier(**FAST, encoding=encoding, n_steps=8).fit(X[:300], DIGITS_Y[:300])
    assert clf.score(X[300:], DIGITS_Y[300:]) > 0.6
    # predictions are reproducible, also with stochastic rate coding
    np.testing.assert_array_equal(clf.predict_proba(X[300:]), clf.predict_proba(X[300:]))


def test_ssnu_and_recurrent_variants_learn():
    variants = [
        dict(soft=True),
        dict(recurrent=False),
        dict(lateral_inhibition=True),
        dict(train_decay=True, activation="leaky_relu", surrogate="fast_sigmoid"),
    ]
    for kw in variants:
        clf = SNUClassifier(**{**FAST, "max_iter": 20}, **kw).fit(DIGITS_X[:300], DIGITS_Y[:300])
        assert clf.score(DIGITS_X[300:], DIGITS_Y[300:]) > 0.3, kw  # chance is 0.1
    clf = SNUClassifier(**FAST, train_decay=True).fit(DIGITS_X, DIGITS_Y)
    assert clf.recurrent_coefs_[0].shape == (32, 32) and clf.recurrent_coefs_[1] is None
    assert all(((d >= 0) & (d <= 1)).all() for d in clf.decays_)


def test_string_labels_and_binary():
    y = np.where(DIGITS_Y % 2 == 0, "even", "odd")
    clf = SNUClassifier(**FAST).fit(DIGITS_X, y)
    assert set(clf.predict(DIGITS_X)) <= {"even", "odd"}
    assert list(clf.classes_) == ["even", "odd"]
    assert clf.predict_proba(DIGITS_X[:3]).shape == (3, 2)


def test_same_seed_same_model_and_different_seed_differs():
    a = SNUClassifier(**FAST).fit(DIGITS_X, DIGITS_Y)
    b = SNUClassifier(**FAST).fit(DIGITS_X, DIGITS_Y)
    c = SNUClassifier(**{**FAST, "random_state": 1}).fit(DIGITS_X, DIGITS_Y)
    assert _params_equal(a, b)
    assert not _params_equal(a, c)


def test_pipeline_and_grid_search_in_parallel():
    X = DIGITS_X.reshape(len(DIGITS_X), -1) * 16
    pipe = make_pipeline(MinMaxScaler(), SNUClassifier(**FAST, n_steps=8))
    grid = {"snuclassifier__soft": [False, True], "snuclassifier__encoding": ["current", "rate"]}
    grid = GridSearchCV(pipe, grid, cv=2, n_jobs=2, error_score="raise")
    grid.fit(X, DIGITS_Y)
    assert np.isfinite(grid.cv_results_["mean_test_score"]).all()
    assert grid.best_score_ > 0.5
    assert len(grid.cv_results_["params"]) == 4
    assert cross_val_score(clone(pipe), X, DIGITS_Y, cv=2).mean() > 0.5


def test_pickle_and_joblib_round_trips_in_a_fresh_process(tmp_path):
    clf = SNUClassifier(**FAST).fit(DIGITS_X, DIGITS_Y)
    expected = clf.predict_proba(DIGITS_X)
    restored = pickle.loads(pickle.dumps(clf))
    np.testing.assert_array_equal(restored.predict_proba(DIGITS_X), expected)
    path = tmp_path / "model.joblib"
    joblib.dump(clf, path)
    np.save(tmp_path / "X.npy", DIGITS_X)
    code = (
        "import joblib, numpy as np, sys; m = joblib.load(sys.argv[1]); "
        "np.save(sys.argv[2], m.predict_proba(np.load(sys.argv[3])))"
    )
    out = tmp_path / "p.npy"
    subprocess.run([sys.executable, "-c", code, str(path), str(out), str(tmp_path / "X.npy")],
                   check=True)  # fmt: skip
    np.testing.assert_array_equal(np.load(out), expected)


def test_version_mismatch_warns():
    clf = SNUClassifier(**{**FAST, "max_iter": 1})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(DIGITS_X, DIGITS_Y)
    state = clf.__getstate__()
    state["_sksnn_version"] = "0.0.1"
    other = SNUClassifier.__new__(SNUClassifier)
    with pytest.warns(UserWarning, match="fitted with sksnn 0.0.1"):
        other.__setstate__(state)


def test_partial_fit_and_warm_start():
    clf = SNUClassifier(**FAST)
    with pytest.raises(ValueError, match="classes must be passed"):
        clf.partial_fit(DIGITS_X[:50], DIGITS_Y[:50])
    classes = np.arange(10)
    for i in range(5):
        clf.partial_fit(DIGITS_X[i * 80 : (i + 1) * 80], DIGITS_Y[i * 80 : (i + 1) * 80], classes)
    assert clf.n_iter_ == 5 and clf.t_ == 400
    with pytest.raises(ValueError, match=r"labels \[11\] not seen"):
        clf.partial_fit(DIGITS_X[:2], [11, 1])
    warm = SNUClassifier(**{**FAST, "max_iter": 3}, warm_start=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        warm.fit(DIGITS_X, DIGITS_Y)
        first = [w.copy() for w in warm.coefs_]
        warm.fit(DIGITS_X, DIGITS_Y)
    assert warm.n_iter_ == 6 and len(warm.loss_curve_) == 6
    assert not np.array_equal(first[0], warm.coefs_[0])


def test_max_iter_warns_and_early_stopping_stops():
    with pytest.warns(ConvergenceWarning, match="maximum iterations"):
        SNUClassifier(**{**FAST, "max_iter": 2}).fit(DIGITS_X, DIGITS_Y)
    clf = SNUClassifier(**{**FAST, "max_iter": 60}, early_stopping=True, n_iter_no_change=3)
    clf.fit(DIGITS_X, DIGITS_Y)
    assert clf.n_iter_ < 60
    assert len(clf.validation_scores_) == clf.n_iter_
    assert clf.best_validation_score_ == max(clf.validation_scores_)
    assert clf.best_loss_ is None


def test_verbose_prints_one_line_per_epoch(capsys):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        SNUClassifier(**{**FAST, "max_iter": 3}, verbose=1).fit(DIGITS_X, DIGITS_Y)
    lines = [ln for ln in capsys.readouterr().out.splitlines() if ln.startswith("Iteration")]
    assert len(lines) == 3 and "loss = " in lines[0]


def test_ctrl_c_leaves_a_usable_model(monkeypatch):
    clf = SNUClassifier(**FAST)
    from sksnn._engine.network import Network

    original, calls = Network.loss_grad, {"n": 0}

    def interrupted(self, *args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 7:
            raise KeyboardInterrupt
        return original(self, *args, **kwargs)

    monkeypatch.setattr(Network, "loss_grad", interrupted)
    with pytest.warns(UserWarning, match="interrupted"):
        clf.fit(DIGITS_X, DIGITS_Y)
    assert clf.predict(DIGITS_X).shape == (400,)
    assert clf.t_ > 0


def test_divergence_stops_and_keeps_the_best_weights(monkeypatch):
    from sksnn._engine.network import Network

    settings = dict(**FAST, batch_size=100, n_iter_no_change=50)  # 4 batches per epoch
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clean = SNUClassifier(**{**settings, "max_iter": 2}).fit(DIGITS_X, DIGITS_Y)
    assert clean.loss_curve_[1] < clean.loss_curve_[0]  # epoch 2 is the best one

    original, calls = Network.loss_grad, {"n": 0}

    def poisoned(self, *args, **kwargs):
        calls["n"] += 1
        loss, grads, rates = original(self, *args, **kwargs)
        if calls["n"] == 10:  # second batch of epoch 3: one update of epoch 3 is done
            return np.nan, grads, rates
        return loss, grads, rates

    monkeypatch.setattr(Network, "loss_grad", poisoned)
    clf = SNUClassifier(**settings)
    with pytest.warns(DivergenceWarning, match="diverged at epoch 3"):
        clf.fit(DIGITS_X, DIGITS_Y)
    assert clf.n_iter_ == 2
    # the update made in epoch 3 before the NaN was undone: the weights are epoch 2's
    for got, want in zip(clf.coefs_ + clf.thresholds_, clean.coefs_ + clean.thresholds_):
        np.testing.assert_array_equal(got, want)
    assert clf.predict(DIGITS_X).shape == (400,)


def test_early_stopping_restores_the_weights_of_the_best_validation_score(monkeypatch):
    from sksnn._base import BaseNetwork

    captured = {}
    original = SNUClassifier._split_validation

    def capture(self, data, rng):
        train, val = original(self, data, rng)
        captured["val"] = val
        return train, val

    monkeypatch.setattr(SNUClassifier, "_split_validation", capture)
    clf = SNUClassifier(**{**FAST, "max_iter": 40}, early_stopping=True, n_iter_no_change=3,
                        validation_fraction=0.3)  # fmt: skip
    clf.fit(DIGITS_X, DIGITS_Y)
    assert clf.validation_scores_[-1] < clf.best_validation_score_, "no later epoch was worse"
    assert BaseNetwork._validation_score.__isabstractmethod__
    assert clf._validation_score(captured["val"]) == clf.best_validation_score_


def test_record_spikes_and_membranes():
    clf = SNUClassifier(**FAST).fit(DIGITS_X, DIGITS_Y)
    rec = clf.record(DIGITS_X[:4])
    assert [r["spikes"].shape for r in rec] == [(4, 8, 32), (4, 8, 10)]
    assert set(np.unique(rec[0]["spikes"])) <= {0.0, 1.0}
    assert np.all(rec[0]["membrane"] >= 0)  # ReLU membrane


# ---------------------------------------------------------------- bad input
@pytest.mark.parametrize(
    "X, y, match",
    [
        (np.full((10, 8, 8), np.nan), np.arange(10) % 2, "NaN"),
        (np.ones((10, 8, 8, 1)), np.arange(10) % 2, "dim 4"),
        (np.ones((10, 8, 0)), np.arange(10) % 2, "no time steps or no features"),
        (np.ones((10, 8, 8)), np.arange(9) % 2, "inconsistent numbers of samples"),
        (np.ones((10, 8)), np.zeros(10), "at least 2 classes"),
        (np.ones((10, 8)) * np.inf, np.arange(10) % 2, "infinity"),
        (np.ones((10, 8)) * 2, np.arange(10) % 2, None),  # fine with current encoding
    ],
)
def test_classifier_bad_input(X, y, match):
    clf = SNUClassifier(**{**FAST, "max_iter": 1})
    if match is None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            clf.fit(X, y)
        assert clf.predict(X).shape == (10,)
        return
    with pytest.raises(ValueError, match=match):
        clf.fit(X, y)


def test_classifier_bad_input_after_fit_changes_nothing():
    clf = SNUClassifier(**FAST).fit(DIGITS_X, DIGITS_Y)
    before = pickle.dumps(clf)
    with pytest.raises(ValueError, match="expecting 8 features"):
        clf.predict(np.ones((3, 8, 5)))
    with pytest.raises(ValueError, match="fitted on 3-D input"):
        clf.predict(np.ones((3, 8)))
    warm = clone(clf).set_params(warm_start=True).fit(DIGITS_X, DIGITS_Y)
    snapshot = pickle.dumps(warm)
    with pytest.raises(ValueError, match="NaN"):
        warm.fit(np.full_like(DIGITS_X, np.nan), DIGITS_Y)
    with pytest.raises(ValueError, match="not seen before"):
        warm.partial_fit(DIGITS_X[:4], [0, 1, 2, 99])
    assert pickle.dumps(warm) == snapshot
    assert pickle.dumps(clf) == before
    with pytest.raises(ValueError, match="no longer match its weights"):
        warm.set_params(hidden_layer_sizes=(20,)).fit(DIGITS_X, DIGITS_Y)
    with pytest.raises(ValueError, match="no longer match its weights"):
        warm.set_params(hidden_layer_sizes=(32,), dtype="float64").fit(DIGITS_X, DIGITS_Y)
    assert pickle.dumps(warm.set_params(dtype="float32")) == snapshot


@pytest.mark.parametrize(
    "params, match",
    [
        (dict(hidden_layer_sizes=(0,)), "hidden_layer_sizes"),
        (dict(hidden_layer_sizes=()), "hidden_layer_sizes"),
        (dict(hidden_layer_sizes=[[3]]), "hidden_layer_sizes"),
        (dict(surrogate="gauss"), "surrogate"),
        (dict(decay=1.5), "decay"),
        (dict(early_stopping=True, validation_fraction=0.9), "leaves no training sample"),
    ],
)
def test_bad_parameters_and_a_failed_first_fit_leave_no_model(params, match):
    clf = SNUClassifier(**{**FAST, **params})
    with pytest.raises(ValueError, match=match):
        clf.fit(DIGITS_X[:3], DIGITS_Y[:3] % 2)
    with pytest.raises(NotFittedError):
        clf.predict(DIGITS_X)


def test_fit_rejects_rate_input_outside_unit_interval_but_predict_clips():
    with pytest.raises(ValueError, match="rate encoding needs features in"):
        SNUClassifier(encoding="rate").fit(np.ones((4, 3)) * 2, [0, 1, 0, 1])
    X = DIGITS_X.reshape(len(DIGITS_X), -1)
    clf = SNUClassifier(**FAST, encoding="rate", n_steps=8).fit(X, DIGITS_Y)
    np.testing.assert_array_equal(
        clf.predict_proba(X * 3), clf.predict_proba(np.minimum(X * 3, 1))
    )


def test_warm_start_picks_up_changed_training_parameters():
    clf = SNUClassifier(**{**FAST, "max_iter": 2}, warm_start=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(DIGITS_X, DIGITS_Y)
        clf.set_params(learning_rate_init=1e-3, solver="sgd", surrogate="atan", soft=True)
        clf.fit(DIGITS_X, DIGITS_Y)
    assert type(clf._optimizer).__name__ == "SGD"
    assert clf._optimizer.learning_rate == 1e-3
    assert clf._net.cells[0].soft and clf._net.cells[0].surrogate == "atan"
    assert clf.n_iter_ == 4


def test_partial_fit_with_early_stopping_and_after_an_early_stopping_fit():
    clf = SNUClassifier(**FAST, early_stopping=True)
    clf.partial_fit(DIGITS_X, DIGITS_Y, classes=np.arange(10))
    clf.partial_fit(DIGITS_X, DIGITS_Y)
    assert clf.n_iter_ == 2 and clf.best_loss_ is None
    stopped = SNUClassifier(**FAST, early_stopping=True).fit(DIGITS_X, DIGITS_Y)
    stopped.partial_fit(DIGITS_X, DIGITS_Y)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        stopped.set_params(early_stopping=False, warm_start=True, max_iter=2)
        stopped.fit(DIGITS_X, DIGITS_Y)
    assert np.isfinite(stopped.best_loss_)


def test_rate_encoding_is_reproducible_across_fits():
    X = DIGITS_X.reshape(len(DIGITS_X), -1)
    a = SNUClassifier(**FAST, encoding="rate", n_steps=6).fit(X, DIGITS_Y)
    b = SNUClassifier(**FAST, encoding="rate", n_steps=6).fit(X, DIGITS_Y)
    assert _params_equal(a, b)
    np.testing.assert_array_equal(a.predict_proba(X), b.predict_proba(X))


# ---------------------------------------------------------------- sequences
def test_next_step_prediction_on_ragged_sequences():
    X = _music()
    model = SNUSequencePredictor(hidden_layer_sizes=(16,), max_iter=20, random_state=0).fit(X)
    assert model.n_features_in_ == model.n_outputs_ == 6
    proba = model.predict_proba(X)
    assert [p.shape for p in proba] == [x.shape for x in X]
    assert all(((p > 0) & (p < 1)).all() for p in proba)
    pred = model.predict(X)
    assert all(set(np.unique(p)) <= {0.0, 1.0} for p in pred)
    # score is minus the NLL per predicted step, summed over the 6 outputs
    nll = -model.score(X)
    direct = np.mean(np.concatenate([
        -(x[1:] * np.log(p[:-1]) + (1 - x[1:]) * np.log(1 - p[:-1])).sum(axis=1)
        for x, p in zip(X, proba)
    ]))  # fmt: skip
    assert nll == pytest.approx(direct, rel=1e-4)
    assert model.loss_curve_[-1] < model.loss_curve_[0]


def test_padding_provably_changes_nothing():
    X = _music()
    model = SNUSequencePredictor(hidden_layer_sizes=(16,), max_iter=3, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X)
    together = model.predict_proba(X)
    for x, p in zip(X, together):
        alone = model.predict_proba([x])[0]
        np.testing.assert_allclose(alone, p, rtol=1e-6, atol=1e-7)
    # (that padded steps add nothing to the loss or the gradients is proven on the engine in
    # test_gradients.py::test_padding_changes_nothing)


def test_sequence_losses_and_3d_input():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((20, 10, 3))
    y = np.cumsum(X[..., :1], axis=1)  # running sum: needs memory
    reg = SNUSequencePredictor(hidden_layer_sizes=(16,), soft=True, recurrent=True,
                               loss="squared_error", max_iter=30, random_state=0)  # fmt: skip
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        reg.fit(X, y)
    assert reg.predict(X).shape == (20, 10, 1)
    assert reg.loss_curve_[-1] < reg.loss_curve_[0]
    with pytest.raises(AttributeError):
        reg.predict_proba(X)
    tokens = rng.integers(0, 4, (15, 12))
    onehot = np.eye(4)[tokens]
    cat = SNUSequencePredictor(hidden_layer_sizes=(16,), loss="categorical", max_iter=5,
                               random_state=0)  # fmt: skip
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        cat.fit(onehot)
    assert list(cat.classes_) == [0, 1, 2, 3]
    assert cat.predict(onehot).shape == (15, 12)
    np.testing.assert_allclose(cat.predict_proba(onehot).sum(-1), 1, rtol=1e-5)
    labels = [np.array(list("abcab")), np.array(list("bca"))]
    seqs = [np.eye(3)[[0, 1, 2, 0, 1]], np.eye(3)[[1, 2, 0]]]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        cat2 = clone(cat).fit(seqs, labels)
    assert [p.dtype.kind for p in cat2.predict(seqs)] == ["U", "U"]


@pytest.mark.parametrize(
    "X, y, match",
    [
        (np.ones((4, 5)), None, r"single sequence, pass \[X\]"),
        ([], None, "holds no sequence"),
        ([np.ones((5, 3)), np.ones((4, 2))], None, "has 2 features but X\\[0\\] has 3"),
        ([np.ones((5, 3)), np.ones((1, 3))], None, "at least 2 are needed"),
        ([np.ones((5, 3))], [np.ones((4, 3))], "has 5 steps but its target y\\[0\\] has 4"),
        ([np.ones((5, 3))] * 2, [np.ones((5, 3))], "2 sequences but y holds 1"),
        ([np.full((5, 3), np.nan)], None, "NaN"),
        ([np.ones((5, 3)) * 0.5], None, "needs 0/1 targets"),
        ([np.ones(5)], None, "must be 2-D"),
    ],
)
def test_sequence_bad_input(X, y, match):
    with pytest.raises(ValueError, match=match):
        SNUSequencePredictor(max_iter=1).fit(X, y)


def test_sequence_predict_checks():
    model = SNUSequencePredictor(hidden_layer_sizes=(8,), max_iter=2, random_state=0)
    with pytest.raises(NotFittedError):
        model.predict(_music())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(_music())
    with pytest.raises(ValueError, match="expecting 6 features"):
        model.predict([np.ones((4, 5))])


def test_sequence_predictor_in_grid_search_pickle_and_early_stopping():
    X = _music(n=16)
    grid = GridSearchCV(
        SNUSequencePredictor(hidden_layer_sizes=(8,), max_iter=5, random_state=0),
        {"soft": [False, True]}, cv=2, error_score="raise",
    )  # fmt: skip
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        grid.fit(X)
    assert np.isfinite(grid.cv_results_["mean_test_score"]).all()
    model = grid.best_estimator_
    restored = pickle.loads(pickle.dumps(model))
    for a, b in zip(restored.predict_proba(X), model.predict_proba(X)):
        np.testing.assert_array_equal(a, b)
    es = SNUSequencePredictor(hidden_layer_sizes=(8,), early_stopping=True, max_iter=50,
                              n_iter_no_change=2, random_state=0).fit(X)  # fmt: skip
    assert es.best_validation_score_ == max(es.validation_scores_)
    assert all(isinstance(v, float) for v in es.validation_scores_)


def test_sequence_record_and_rates_ignore_padding():
    X = _music()
    model = SNUSequencePredictor(hidden_layer_sizes=(8,), max_iter=2, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X)
    rec = model.record(X)
    for i, x in enumerate(X):
        assert not rec[0]["membrane"][i, len(x) :].any()
        assert not rec[0]["spikes"][i, len(x) :].any()
    assert 0 < model.firing_rates_[0] < 1


def test_sequence_output_structure_follows_y():
    rng = np.random.default_rng(0)
    X = [rng.random((n, 3)) for n in (5, 7)]
    y = [(rng.random(n) < 0.5).astype(float) for n in (5, 7)]
    model = SNUSequencePredictor(hidden_layer_sizes=(4,), max_iter=2, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X, y)
    assert [p.shape for p in model.predict(X)] == [(5,), (7,)]
    assert [p.shape for p in model.predict_proba(X)] == [(5,), (7,)]
    reg = clone(model).set_params(loss="squared_error")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        reg.fit(X, y)
    assert not hasattr(reg, "predict_proba")
    assert [p.shape for p in reg.predict(X)] == [(5,), (7,)]
    f64 = clone(model).set_params(dtype="float64")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        f64.fit(X, y)
    assert f64.coefs_[0].dtype == np.float64


@pytest.mark.parametrize(
    "labels, match",
    [
        ([np.array([0.0, 1.0, np.inf])], "NaN or infinite"),
        ([np.array([0.0, np.nan, 1.0])], "NaN or infinite"),
        ([np.array([0, None, 1], dtype=object)], "None labels"),
    ],
)
def test_categorical_labels_are_checked(labels, match):
    X = [np.eye(3)[[0, 1, 2]]]
    with pytest.raises(ValueError, match=match):
        SNUSequencePredictor(loss="categorical", max_iter=1).fit(X, labels)


def test_sequence_failed_calls_change_nothing():
    model = SNUSequencePredictor(hidden_layer_sizes=(8,), max_iter=2, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(_music())
    before = pickle.dumps(model)
    for bad in ([np.full((5, 6), np.nan)], np.ones((2, 5)), [np.ones((0, 6))], [np.ones(6)]):
        with pytest.raises(ValueError):
            model.predict(bad)
        with pytest.raises(ValueError):
            model.partial_fit(bad)
    with pytest.raises(ValueError, match="needs 0/1 targets"):
        model.partial_fit([np.full((5, 6), 0.5)])
    assert pickle.dumps(model) == before


def test_adaptive_learning_rate_divides_by_five_on_a_plateau(monkeypatch):
    from sksnn._engine.network import Network

    original = Network.loss_grad

    def plateau(self, *args, **kwargs):
        _, grads, rates = original(self, *args, **kwargs)
        return 1.0, grads, rates  # the loss never improves

    monkeypatch.setattr(Network, "loss_grad", plateau)
    clf = SNUClassifier(**{**FAST, "max_iter": 100}, alpha=0.0)
    clf.fit(DIGITS_X, DIGITS_Y)
    # epoch 1 sets the best loss; every 3 epochs without improvement divide the step by 5;
    # 0.01 / 5**6 < 1e-6 stops training after 1 + 3 * 6 epochs
    assert clf.n_iter_ == 19
    assert clf._optimizer.learning_rate == pytest.approx(0.01 / 5**6)
    constant = SNUClassifier(**{**FAST, "max_iter": 100}, alpha=0.0, learning_rate="constant")
    constant.fit(DIGITS_X, DIGITS_Y)
    assert constant._optimizer.learning_rate == 0.01
    assert constant.n_iter_ == 12  # n_iter_no_change=10 epochs after the first


# ---------------------------------------------------------------- found by test_properties.py
def test_bad_labels_are_a_clear_value_error_without_runtime_warnings():
    X = DIGITS_X[:6]
    cases = [
        (np.array(["a", 1, "a", 1, "a", 1], dtype=object), "mixes labels of different types"),
        (np.array([0.0, np.nan, 1.0, 0.0, 1.0, 0.0]), "NaN or infinite labels"),
        (np.array([0, None, 1, 0, 1, 0], dtype=object), "None labels"),
    ]
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # scikit-learn's own checks warned before raising
        for y, match in cases:
            with pytest.raises(ValueError, match=match):
                SNUClassifier(**FAST).fit(X, y)
        with pytest.raises(ValueError, match="classes mixes labels of different types"):
            SNUClassifier(**FAST).partial_fit(
                X, [0, 1] * 3, classes=np.array(["a", 1], dtype=object)
            )
        seqs = [np.eye(3)[[0, 1, 2]], np.eye(3)[[2, 1, 0]]]
        labels = [np.array(["x", 1, "x"], dtype=object), np.array([1, "x", 1], dtype=object)]
        with pytest.raises(ValueError, match="mixes labels of different types"):
            SNUSequencePredictor(loss="categorical", max_iter=1).fit(seqs, labels)


def test_complex_numbers_in_lists_are_a_value_error():
    X = [[[1 + 0j, 0.5]], [[0.2, 0.1]]]
    with pytest.raises(ValueError, match="cannot be converted"):
        SNUClassifier(**FAST).fit(X, [0, 1])
    with pytest.raises(ValueError, match="cannot be converted"):
        SNUSequencePredictor(max_iter=1).fit([[[1 + 0j], [0.0]]])


def test_values_too_large_for_the_dtype_are_a_value_error():
    X = DIGITS_X[:20].copy()
    X[3, 2, 1] = 1e20  # finite in float64, beyond what float32 products allow (1.8e19)
    with pytest.raises(ValueError, match="more than dtype='float32' computations allow"):
        SNUClassifier(**FAST).fit(X, DIGITS_Y[:20])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf = SNUClassifier(**{**FAST, "max_iter": 1}, dtype="float64").fit(X, DIGITS_Y[:20])
    assert np.isfinite(clf.predict_proba(X)).all()
    y = [np.full((5, 1), 1e300)]  # its square overflows float64
    with pytest.raises(ValueError, match=r"y\[0\] holds values up to 1e\+300"):
        SNUSequencePredictor(loss="squared_error", dtype="float64").fit([np.ones((5, 2))], y)


def test_a_prediction_that_overflows_is_a_value_error():
    clf = SNUClassifier(**FAST).fit(DIGITS_X, DIGITS_Y)
    W = clf.coefs_[0]  # weights no training would reach: products of +-3e38 overflow
    W[:] = 3e38 * np.where(np.arange(W.shape[0])[:, None] % 2, 1.0, -1.0)
    with pytest.raises(ValueError, match="too large for float32 computations"):
        clf.predict_proba(DIGITS_X * 4)


@pytest.mark.parametrize("scale", [1e-320, 1e-200, 1e200, 1e308])
def test_pcm_weights_outside_the_simulated_range_are_a_value_error(scale):
    from sksnn import PCMDeviceTransformer

    W = np.random.default_rng(0).standard_normal((3, 4))
    with pytest.raises(ValueError, match="the device simulation needs it in"):
        PCMDeviceTransformer(random_state=0).fit(W * scale)
    chip = PCMDeviceTransformer(random_state=0).fit(W)
    if scale > 1:
        with pytest.raises(ValueError, match="the device simulation needs it in"):
            chip.transform(W * scale)
    else:
        assert np.isfinite(chip.transform(W * scale)).all()


def test_a_seven_layer_snu_trains():
    """The SNU paper's claim that deep SNUs train: 5 hidden layers on digits rows."""
    from sklearn.model_selection import train_test_split

    from sksnn.datasets import load_digits_sequences

    X, y = load_digits_sequences(return_X_y=True)
    Xtr, Xte, ytr, yte = train_test_split(X, y, test_size=0.3, stratify=y, random_state=0)
    clf = SNUClassifier((64,) * 5, max_iter=60, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(Xtr, ytr)
    assert len(clf.coefs_) == 6  # 7 layers of units: input, 5 hidden, output
    assert clf.score(Xte, yte) > 0.85  # chance is 0.1; 0.90 measured
    # every layer fires, none silent nor saturated, so the gradient reached the first layer
    assert np.all((clf.firing_rates_ > 0.05) & (clf.firing_rates_ < 0.6))
    assert clf.loss_curve_[-1] < 0.5 * clf.loss_curve_[0]


@pytest.mark.parametrize("cls", [SNUClassifier, LSTMClassifier])
def test_dropout_trains_reproducibly_and_only_during_fit(cls):
    X, y = load_digits(return_X_y=True)
    X = X[:300].reshape(-1, 8, 8) / 16
    y = y[:300]
    kw = dict(hidden_layer_sizes=(16, 16), max_iter=3, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        a = cls(**kw, dropout=0.3).fit(X, y)
        b = cls(**kw, dropout=0.3).fit(X, y)
        plain = cls(**kw).fit(X, y)
    np.testing.assert_array_equal(a.coefs_[0], b.coefs_[0])
    assert not np.array_equal(a.coefs_[0], plain.coefs_[0])
    assert a._net.dropout_rng is None  # nothing is dropped at prediction
    np.testing.assert_array_equal(a.predict_proba(X[:20]), a.predict_proba(X[:20]))
    with pytest.raises(ValueError, match="dropout"):
        cls(dropout=1.0).fit(X, y)


def test_a_model_pickled_before_a_parameter_existed_gets_its_default():
    X, y = load_digits(return_X_y=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf = SNUClassifier((8,), max_iter=1, random_state=0).fit(X[:100] / 16, y[:100])
    state = clf.__getstate__()
    del state["dropout"]  # as pickled by a version without it
    old = SNUClassifier.__new__(SNUClassifier)
    old.__setstate__(state)
    assert old.dropout == 0.0
    clone(old)  # get_params works again
