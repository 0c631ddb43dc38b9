"""Phase-change-memory devices for sksnn's synaptic weights: :class:`PCMDeviceTransformer`.

The device physics (programming noise, conductance drift, 1/f read noise, drift compensation,
several differential pairs per weight, quantisation) lives in :mod:`sksnn._engine.pcm`, with
its equations. This module makes it a scikit-learn transformer of weight matrices and the
``device`` parameter of every sksnn estimator.
"""

from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin, _fit_context
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted, validate_data

from ._base import VersionedState
from ._engine import pcm

# Range of max|W| that fit accepts: conductances, read-outs and their sums stay finite and
# normal in float64 (about the square root of its range).
MIN_SCALE, MAX_SCALE = 1e-150, 1e150


def _check_magnitude(X, smallest):
    """ValueError unless the largest |X| is 0 or in [smallest, MAX_SCALE]."""
    largest = float(np.max(np.abs(X)))
    if largest and not smallest <= largest <= MAX_SCALE:
        raise ValueError(
            f"The largest |X| is {largest:.3g}; the device simulation needs it in "
            f"[{MIN_SCALE:g}, {MAX_SCALE:g}] (or an all-zero X) to map it onto conductances "
            "without overflow or underflow. Rescale X."
        )


class PCMDeviceTransformer(VersionedState, TransformerMixin, BaseEstimator):
    """Simulated phase-change-memory devices holding a weight matrix.

    ``fit(W)`` programs ``W`` onto differential conductance pairs (one device array position
    per entry); ``transform(W)`` returns the weights as read from those devices
    ``t_inference`` seconds after programming: programming noise, drift, read noise and,
    optionally, drift compensation, with the statistics of about a million real devices
    (Nandakumar et al. 2019; Joshi et al. 2020; see :mod:`sksnn._engine.pcm`).

    Every device position (row, column, pair, polarity) draws its randomness from its own
    stream derived from ``random_state`` and its row, so a fixed ``random_state`` makes
    everything deterministic, ``fit_transform(W)`` equals ``fit(W).transform(W)``, the first
    rows of a matrix read the same whether or not more rows follow, and changing
    ``t_inference`` reads the same programmed devices at another time.

    As the ``device`` parameter of an sksnn estimator, every synaptic matrix (input,
    recurrent and readout weights) is programmed on its own device array at prediction;
    thresholds, decays and biases stay digital and the software weights are never changed.

    Parameters
    ----------
    g_max : float, default=25.0
        Maximum conductance in µS; the largest :math:`|W|` of a matrix maps to it.
    t_inference : float, default=0.0
        Seconds after programming at which the devices are read (1 h = 3600, 1 day = 86400,
        1 year = 3.15e7).
    prog_noise_scale, read_noise_scale, drift_scale : float, default=1.0
        Multipliers of the programming noise, read noise and drift exponents (0 disables).
    drift_compensation : bool or {"global", "column"}, default=True
        Rescale each matrix by the ratio of its mean absolute one-hot read-out after
        programming to the same at ``t_inference`` (True or "global": one factor; "column":
        one factor per output).
    n_pairs : int, default=1
        Differential pairs per weight, averaged (noise falls as 1/sqrt(n_pairs)).
    n_levels : int or None, default=None
        Quantise target conductances to this many levels in [0, g_max].
    random_state : int, RandomState instance or None, default=None
        Source of every device's randomness.

    Attributes
    ----------
    n_features_in_ : int
        Columns of the programmed matrix.
    scale_ : float
        Conductance per weight unit, ``g_max / max|W|``.
    conductances_ : ndarray of shape (2, n_pairs, n_rows, n_columns)
        Programmed conductances of the G+ and G- devices, in µS.
    drift_exponents_ : ndarray of shape (2, n_pairs, n_rows, n_columns)
        Drift exponent :math:`\\nu` of every device.

    Examples
    --------
    >>> import numpy as np
    >>> from sksnn import PCMDeviceTransformer
    >>> W = np.random.default_rng(0).normal(size=(88, 150))
    >>> chip = PCMDeviceTransformer(t_inference=3600, random_state=0).fit(W)
    >>> W_hour = chip.transform(W)                     # one hour after programming
    >>> W_year = chip.set_params(t_inference=3.15e7).transform(W)
    """

    _parameter_constraints: dict = {
        "g_max": [Interval(Real, 0, None, closed="neither")],
        "t_inference": [Interval(Real, 0, None, closed="left")],
        "prog_noise_scale": [Interval(Real, 0, None, closed="left")],
        "read_noise_scale": [Interval(Real, 0, None, closed="left")],
        "drift_scale": [Interval(Real, 0, None, closed="left")],
        "drift_compensation": ["boolean", StrOptions({"global", "column"})],
        "n_pairs": [Interval(Integral, 1, None, closed="left")],
        "n_levels": [None, Interval(Integral, 2, None, closed="left")],
        "random_state": ["random_state"],
    }

    def __init__(
        self,
        g_max=25.0,
        t_inference=0.0,
        prog_noise_scale=1.0,
        read_noise_scale=1.0,
        drift_scale=1.0,
        drift_compensation=True,
        n_pairs=1,
        n_levels=None,
        random_state=None,
    ):
        self.g_max = g_max
        self.t_inference = t_inference
        self.prog_noise_scale = prog_noise_scale
        self.read_noise_scale = read_noise_scale
        self.drift_scale = drift_scale
        self.drift_compensation = drift_compensation
        self.n_pairs = n_pairs
        self.n_levels = n_levels
        self.random_state = random_state

    def _device_params(self):
        return pcm.DeviceParams(
            float(self.g_max), float(self.prog_noise_scale), float(self.read_noise_scale),
            float(self.drift_scale), int(self.n_pairs), self.n_levels,
        )  # fmt: skip

    def _draws(self, n_rows, n_cols):
        """Per-row random streams: row i's devices are the same whatever other rows exist."""
        rows = [
            np.random.default_rng(
                np.random.SeedSequence(self._entropy, spawn_key=(i,))
            ).standard_normal((4, 2, self.n_pairs, n_cols))
            for i in range(n_rows)
        ]
        return pcm.Draws(*np.stack(rows, axis=3)) if rows else None

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Program the weight matrix ``X`` onto the devices.

        Parameters
        ----------
        X : array-like of shape (n_rows, n_columns)
            The weight matrix; its largest magnitude must lie in [1e-150, 1e150], or it
            must be all zeros.
        y : None
            Ignored.

        Returns
        -------
        self : object
        """
        X = validate_data(self, X, dtype=np.float64)
        _check_magnitude(X, MIN_SCALE)
        self._entropy = int(check_random_state(self.random_state).randint(np.iinfo(np.int32).max))
        p = self._device_params()
        self.scale_ = pcm.weight_scale(X, p.g_max)
        self._fit_draws = self._draws(*X.shape)
        programmed = pcm.program(X, self.scale_, self._fit_draws, p)
        self._programmed = programmed
        self.conductances_ = programmed.G
        self.drift_exponents_ = programmed.nu
        return self

    def transform(self, X):
        """The weights read from the devices ``t_inference`` seconds after programming.

        Parameters
        ----------
        X : array-like of shape (n_rows, n_columns)
            The weight matrix to place on the device positions (the fitted one reads the
            programmed devices; another matrix of the same columns is what the same devices
            would hold if programmed with it). Its largest magnitude must be at most 1e150.

        Returns
        -------
        ndarray of shape (n_rows, n_columns)
        """
        check_is_fitted(self)
        X = validate_data(self, X, dtype=np.float64, reset=False)
        _check_magnitude(X, 0.0)
        p = self._device_params()
        draws = self._draws(*X.shape)
        prog = pcm.program(X, self.scale_, draws, p)
        W = pcm.read_weights(prog, float(self.t_inference), draws, p, compensate=False)
        if self.drift_compensation:
            # calibrated on the programmed matrix (one-hot reads of the chip), not on X
            per_column = self.drift_compensation == "column"
            fitted = self._programmed
            t = float(self.t_inference)
            ref = pcm.to_weights(
                pcm.read_conductances(fitted, 0.0, self._fit_draws.read_ref, p), self.scale_
            )
            now = pcm.to_weights(
                pcm.read_conductances(fitted, t, self._fit_draws.read, p), self.scale_
            )
            W = W * pcm.compensation(ref, now, per_column)
        return W

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.requires_fit = True
        return tags
