"""PCM device model against the formulas of SPEC section 4, the transformer's contract, and
the estimators' ``device`` and ``device_training`` parameters."""

import pickle
import warnings

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV
from test_estimators import DIGITS_X, DIGITS_Y, _music

from sksnn import PCMDeviceTransformer, SNUClassifier, SNUSequencePredictor
from sksnn._engine import pcm

P = pcm.DeviceParams()
N = (200, 500)  # 100,000 devices per polarity


def _programmed(g_target, p=P, seed=0):
    W = np.full(N, g_target)  # with scale 1, the G+ targets are g_target
    return pcm.program(W, 1.0, pcm.draw(np.random.default_rng(seed), N, p.n_pairs), p)


@pytest.mark.parametrize("g_target", [5.0, 12.5, 20.0, 25.0])
def test_programming_noise_mean_and_spread(g_target):
    G = _programmed(g_target).G[0, 0]
    x = g_target / 25.0
    sigma = 0.26348 + 1.9650 * x - 1.1731 * x**2  # SPEC section 4, g_max = 25
    assert G.mean() == pytest.approx(g_target, abs=0.02)
    assert G.std() == pytest.approx(sigma, rel=0.02)


def test_drift_after_an_hour_matches_the_exponent_statistics():
    g_target = 12.5
    prog = _programmed(g_target, pcm.DeviceParams(prog_noise_scale=0.0))
    xi = np.zeros_like(prog.G)
    G = pcm.read_conductances(prog, 3600.0, xi, pcm.DeviceParams(read_noise_scale=0.0))
    # independent sampling of nu = |mu + sigma N| with the SPEC's mu(g), sigma(g)
    g_r = g_target / 25.0
    mu = np.clip(-0.0155 * np.log(g_r) + 0.0244, 0.049, 0.1)
    sd = np.clip(-0.0125 * np.log(g_r) - 0.0059, 0.008, 0.045)
    nu = np.abs(mu + sd * np.random.default_rng(1).standard_normal(10**6))
    expected = np.mean(((3600 + 20) / 20) ** -nu)
    assert G[0].mean() / g_target == pytest.approx(expected, rel=2e-3)
    assert 0.70 < expected < 0.80  # SPEC: about 0.77 after an hour for nu = 0.05


def test_read_noise_spread_after_a_day():
    prog = _programmed(10.0, pcm.DeviceParams(prog_noise_scale=0.0, drift_scale=0.0))
    xi = np.random.default_rng(2).standard_normal(prog.G.shape)
    G = pcm.read_conductances(prog, 86400.0, xi, P)[0, 0]
    Q = min(0.0088 / (10.0 / 25.0) ** 0.65, 0.2)
    t = 86400.0 + 20.0
    sigma = Q * np.sqrt(np.log((t + 250e-9) / (2 * 250e-9)))
    assert G.std() / 10.0 == pytest.approx(sigma, rel=0.02)
    assert G.mean() == pytest.approx(10.0, rel=2e-3)


def test_compensation_restores_the_mean_and_drift_lowers_it():
    W = np.random.default_rng(3).normal(size=(88, 150))
    ref = np.abs(PCMDeviceTransformer(random_state=0).fit_transform(W)).mean()
    year = PCMDeviceTransformer(t_inference=3.15e7, drift_compensation=False, random_state=0)
    assert np.abs(year.fit_transform(W)).mean() / ref == pytest.approx(0.5, abs=0.05)
    for comp in (True, "column"):
        dev = PCMDeviceTransformer(t_inference=3.15e7, drift_compensation=comp, random_state=0)
        Wc = dev.fit_transform(W)
        assert np.abs(Wc).mean() / ref == pytest.approx(1.0, abs=0.01)
    col = PCMDeviceTransformer(t_inference=3.15e7, drift_compensation="column", random_state=0)
    fresh = np.abs(PCMDeviceTransformer(random_state=0).fit_transform(W)).mean(axis=0)
    # each column's mean is restored to its read-out after programming (the global factor
    # leaves columns whose devices drifted more or less than average off by a few %)
    ratio = np.abs(col.fit_transform(W)).mean(axis=0) / fresh
    assert np.abs(ratio - 1).max() < 0.08


def test_transformer_determinism_and_same_devices_at_another_time():
    W = np.random.default_rng(4).normal(size=(30, 20))
    a = PCMDeviceTransformer(t_inference=3600, random_state=7)
    b = PCMDeviceTransformer(t_inference=3600, random_state=7)
    np.testing.assert_array_equal(a.fit_transform(W), b.fit(W).transform(W))
    np.testing.assert_array_equal(a.transform(W), a.transform(W))
    G, nu = a.conductances_.copy(), a.drift_exponents_.copy()
    later = a.set_params(t_inference=86400).fit(W)
    np.testing.assert_array_equal(later.conductances_, G)
    np.testing.assert_array_equal(later.drift_exponents_, nu)
    np.testing.assert_array_equal(a.transform(W)[:7], a.transform(W[:7]))
    other = PCMDeviceTransformer(t_inference=3600, random_state=8).fit_transform(W)
    assert not np.array_equal(other, b.transform(W))
    assert pickle.loads(pickle.dumps(b)).transform(W).tolist() == b.transform(W).tolist()


def test_pairs_average_noise_and_levels_quantise():
    W = np.random.default_rng(5).normal(size=(100, 100))
    err = {
        n: np.std(
            PCMDeviceTransformer(n_pairs=n, drift_scale=0, random_state=0).fit_transform(W) - W
        )
        for n in (1, 4)
    }
    assert err[4] / err[1] == pytest.approx(0.5, rel=0.1)
    dev = PCMDeviceTransformer(n_levels=5, prog_noise_scale=0, random_state=0).fit(W)
    targets = pcm.targets(W, dev.scale_, dev._device_params())
    assert set(np.unique(targets)) <= set(np.linspace(0, 25, 5))


def test_bad_input_to_the_transformer():
    dev = PCMDeviceTransformer(random_state=0)
    with pytest.raises(ValueError, match="NaN"):
        dev.fit(np.full((3, 3), np.nan))
    dev.fit(np.ones((3, 4)))
    with pytest.raises(ValueError, match="expecting 4 features"):
        dev.transform(np.ones((3, 5)))


# ---------------------------------------------------------------- estimators
def test_estimator_device_inference_keeps_the_software_weights():
    clf = SNUClassifier(hidden_layer_sizes=(32,), max_iter=15, random_state=0).fit(
        DIGITS_X, DIGITS_Y
    )
    software = clf.predict_proba(DIGITS_X)
    weights = [w.copy() for w in clf.coefs_ + clf.recurrent_coefs_ if w is not None]
    clf.set_params(device=PCMDeviceTransformer(t_inference=3.15e7, drift_compensation=False,
                                               random_state=0))  # fmt: skip
    on_chip = clf.predict_proba(DIGITS_X)
    assert not np.allclose(on_chip, software)
    np.testing.assert_array_equal(clf.predict_proba(DIGITS_X), on_chip)  # deterministic
    for w, before in zip([w for w in clf.coefs_ + clf.recurrent_coefs_ if w is not None], weights):
        np.testing.assert_array_equal(w, before)
    np.testing.assert_array_equal(clf.set_params(device=None).predict_proba(DIGITS_X), software)


def test_device_weights_replace_every_synaptic_matrix_and_nothing_else():
    clf = SNUClassifier(hidden_layer_sizes=(16,), max_iter=3, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(DIGITS_X, DIGITS_Y)
    clf.set_params(device=PCMDeviceTransformer(random_state=0))
    layers, _ = clf._inference_params()
    for live, dev in zip(clf._params[0], layers):
        assert not np.array_equal(live["W"], dev["W"])
        if "H" in live:
            assert not np.array_equal(live["H"], dev["H"])
        np.testing.assert_array_equal(live["threshold"], dev["threshold"])
        np.testing.assert_array_equal(live["decay"], dev["decay"])


def test_grid_search_over_device_parameters():
    X = _music(n=10)
    model = SNUSequencePredictor(hidden_layer_sizes=(16,), max_iter=10, random_state=0,
                                 device=PCMDeviceTransformer(random_state=0))  # fmt: skip
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        grid = {"device__t_inference": [1.0, 3.15e7], "device__drift_compensation": [True, False]}
        grid = GridSearchCV(model, grid, cv=2, error_score="raise").fit(X)
    scores = grid.cv_results_["mean_test_score"]
    assert np.isfinite(scores).all() and len(set(np.round(scores, 6))) > 1


@pytest.mark.parametrize("mode", ["noise", "in_loop"])
def test_device_aware_training(mode):
    X = _music(n=10)
    kw = dict(hidden_layer_sizes=(16,), max_iter=10, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        plain = SNUSequencePredictor(**kw).fit(X)
        aware = SNUSequencePredictor(**kw, device=PCMDeviceTransformer(random_state=0),
                                     device_training=mode).fit(X)  # fmt: skip
    assert aware.loss_curve_[-1] < aware.loss_curve_[0]
    assert not np.array_equal(aware.coefs_[0], plain.coefs_[0])
    if mode == "in_loop":
        arrays = aware._device_arrays
        assert len(arrays) == 3  # W and H of the hidden layer, the readout's W
        assert sum(a.n_reprogrammed for a in arrays.values()) > 0
    with pytest.raises(ValueError, match="needs device=PCMDeviceTransformer"):
        SNUSequencePredictor(device_training=mode).fit(X)
