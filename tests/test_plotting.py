"""sksnn.plotting draws what it claims (matplotlib is in the test extra)."""

import warnings

import numpy as np
import pytest

mpl = pytest.importorskip("matplotlib", reason="plotting needs matplotlib")
mpl.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from test_estimators import DIGITS_X, DIGITS_Y  # noqa: E402

from sksnn import LSTMClassifier, SNUClassifier  # noqa: E402
from sksnn.exceptions import ConvergenceWarning  # noqa: E402
from sksnn.plotting import (  # noqa: E402
    plot_membrane,
    plot_pcm_drift,
    plot_raster,
    plot_surrogates,
    plot_training,
)


@pytest.fixture(scope="module")
def snu():
    return SNUClassifier((16,), max_iter=10, early_stopping=True, random_state=0).fit(
        DIGITS_X, DIGITS_Y
    )


def test_raster_shows_exactly_the_recorded_spikes(snu):
    ax = plot_raster(snu, DIGITS_X, sample=3, layer=0)
    spikes = snu.record(DIGITS_X[3:4])[0]["spikes"][0]
    offsets = ax.collections[0].get_offsets()
    assert len(offsets) == int(spikes.sum()) > 0
    plt.close("all")


def test_membrane_training_drift_and_surrogates(snu):
    ax = plot_membrane(snu, DIGITS_X, units=(0, 1))
    s = snu.record(DIGITS_X[:1])[0]["membrane"][0]
    np.testing.assert_allclose(ax.lines[0].get_ydata(), s[:, 0])
    ax = plot_training(snu)
    np.testing.assert_allclose(ax.lines[0].get_ydata(), snu.loss_curve_)
    ax = plot_pcm_drift(snu, DIGITS_X[:100], DIGITS_Y[:100], times=[1, 3.15e7], n_seeds=1)
    assert len(ax.lines) == 3 and snu.device is None
    assert ax.lines[2].get_ydata()[0] == pytest.approx(snu.score(DIGITS_X[:100], DIGITS_Y[:100]))
    ax = plot_surrogates(["tanh", "atan"])
    assert [line.get_label() for line in ax.lines] == ["tanh", "atan"]
    plt.close("all")


def test_non_spiking_layers():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        lstm = LSTMClassifier((8,), max_iter=2, random_state=0).fit(DIGITS_X, DIGITS_Y)
    ax = plot_raster(lstm, DIGITS_X)
    assert ax.images and ax.images[0].get_array().shape == (8, 8)
    with pytest.raises(ValueError, match="spiking layer"):
        plot_membrane(lstm, DIGITS_X)
    plt.close("all")
