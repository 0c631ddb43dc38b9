r"""Soft-LIF networks trained like an ANN and run as spiking LIF neurons:
:class:`SoftLIFClassifier`.

Hunsberger & Eliasmith, "Spiking deep networks with LIF neurons" (arXiv 1510.08829). Each
hidden unit computes :math:`j = x W + b` and outputs :math:`a \cdot r(j)`, the firing rate of a
LIF neuron under the constant current :math:`j`, made differentiable at threshold
(:mod:`sksnn._engine.softlif`):

.. math::

    r(j) = \Big[\tau_{ref} + \tau_{rc} \log\Big(1 + \frac{1}{\rho_\gamma(j - 1)}\Big)\Big]^{-1},
    \qquad \rho_\gamma(x) = \gamma \log(1 + e^{x/\gamma}).

Training adds Gaussian noise to the rates of the firing units. With ``spiking=True`` the same
weights drive spiking LIF neurons with alpha synapses over a presentation time.
"""

from numbers import Real

import numpy as np
from sklearn.utils._param_validation import Interval
from sklearn.utils.validation import validate_data

from ._classifier import FLOAT_DTYPES, BaseNetworkClassifier
from ._engine import CELLS
from ._engine.losses import softmax
from ._engine.softlif import simulate_lif
from .snu import _FITTED_DOC, _TRAINING_PARAMS_DOC

_TRAINING_DOC = _TRAINING_PARAMS_DOC.replace(
    "learning_rate_init : float, default=0.01", "learning_rate_init : float, default=0.001"
)
# the spiking output is averaged over this last share of the presentation (the synapses of
# every layer delay the response by a few tau_synapse)
AVERAGED_SHARE = 0.5


class SoftLIFClassifier(BaseNetworkClassifier):
    __doc__ = f"""Feed-forward classifier of soft-LIF rate units, run as spiking LIF neurons.

    The hidden layers are soft-LIF units trained as an ANN (one step, no time loop), with
    Gaussian noise on the firing units' rates; an affine softmax layer reads the last hidden
    layer. With ``spiking=True``, ``predict``, ``predict_proba`` and ``score`` run the trained
    network as spiking LIF neurons (same :math:`\\tau_{{rc}}`, :math:`\\tau_{{ref}}`, weights and
    biases; each spike a pulse of area ``amplitude``) connected by alpha synapses: each input
    is presented as a constant current to the first layer for ``presentation_time`` seconds
    in steps of ``dt``, and the class is the argmax of the output averaged over the last half
    of the presentation. ``spiking`` only changes prediction, so one fitted model reports
    both accuracies::

        clf.fit(X, y).score(X_test, y_test)            # rate network
        clf.set_params(spiking=True).score(X_test, y_test)  # spiking LIF network

    Parameters
    ----------
    hidden_layer_sizes : array-like of shape (n_layers - 2,), default=(128,)
        Units of each hidden soft-LIF layer.
    tau_rc : float > 0, default=0.022
        Membrane time constant (s); 22 ms as for MNIST in the paper.
    tau_ref : float >= 0, default=0.002
        Refractory period (s).
    gamma : float > 0, default=0.02
        Smoothing of the rate function at threshold (the soft LIF; 0 would be the LIF).
    amplitude : float > 0, default=0.063
        Factor from a firing rate (Hz) to the next layer's input; in the spiking network the
        area of a spike.
    noise_std : float >= 0, default=10.0
        Standard deviation (Hz) of the Gaussian noise added in training to the rate of every
        unit above threshold (:math:`j > 1`); 0 trains without noise.
    spiking : bool, default=False
        Predict with the spiking LIF network instead of the rate network.
    dt : float > 0, default=0.001
        Time step (s) of the spiking simulation.
    presentation_time : float > 0, default=0.15
        How long (s) each input is presented to the spiking network.
    tau_synapse : float > 0, default=0.005
        Time constant (s) of the alpha synapses of the spiking network.{_TRAINING_DOC}
    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        Class labels.{_FITTED_DOC}
    See Also
    --------
    SNUClassifier : spiking units trained in time with surrogate gradients.

    Notes
    -----
    The input gains, thresholds and decays of the spiking estimators do not apply:
    ``input_gains_``, ``thresholds_`` and ``decays_`` are empty; ``firing_rates_`` holds the
    layers' mean outputs, :math:`a \\cdot r` (the rate divided by ``1 / amplitude``).

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from sksnn import SoftLIFClassifier
    >>> X, y = load_digits(return_X_y=True)
    >>> clf = SoftLIFClassifier(max_iter=20, random_state=0).fit(X[:1000] / 16, y[:1000])
    >>> rate = clf.score(X[1000:] / 16, y[1000:])
    >>> spiking = clf.set_params(spiking=True).score(X[1000:] / 16, y[1000:])
    >>> bool(abs(rate - spiking) < 0.05)
    True
    """

    _parameter_constraints: dict = {
        **{k: v for k, v in BaseNetworkClassifier._parameter_constraints.items()
           if k not in ("n_steps", "encoding")},
        "tau_rc": [Interval(Real, 0, None, closed="neither")],
        "tau_ref": [Interval(Real, 0, None, closed="left")],
        "gamma": [Interval(Real, 0, None, closed="neither")],
        "amplitude": [Interval(Real, 0, None, closed="neither")],
        "noise_std": [Interval(Real, 0, None, closed="left")],
        "spiking": ["boolean"],
        "dt": [Interval(Real, 0, None, closed="neither")],
        "presentation_time": [Interval(Real, 0, None, closed="neither")],
        "tau_synapse": [Interval(Real, 0, None, closed="neither")],
    }  # fmt: skip
    _readout_is_last_layer = False
    # static input: one step, the features themselves (the base's 2-D path)
    n_steps = 1
    encoding = "current"

    def __init__(
        self,
        hidden_layer_sizes=(128,),
        *,
        tau_rc=0.022,
        tau_ref=0.002,
        gamma=0.02,
        amplitude=0.063,
        noise_std=10.0,
        spiking=False,
        dt=0.001,
        presentation_time=0.15,
        tau_synapse=0.005,
        solver="adam",
        learning_rate="adaptive",
        learning_rate_init=0.001,
        alpha=1e-4,
        dropout=0.0,
        batch_size="auto",
        max_iter=200,
        tol=1e-4,
        n_iter_no_change=10,
        early_stopping=False,
        validation_fraction=0.1,
        shuffle=True,
        warm_start=False,
        random_state=None,
        verbose=False,
        callback=None,
        momentum=0.9,
        nesterovs_momentum=True,
        beta_1=0.9,
        beta_2=0.999,
        epsilon=1e-8,
        max_grad_norm=1.0,
        dtype="float32",
        device=None,
        device_training="off",
    ):
        self.hidden_layer_sizes = hidden_layer_sizes
        self.tau_rc = tau_rc
        self.tau_ref = tau_ref
        self.gamma = gamma
        self.amplitude = amplitude
        self.noise_std = noise_std
        self.spiking = spiking
        self.dt = dt
        self.presentation_time = presentation_time
        self.tau_synapse = tau_synapse
        self.solver = solver
        self.learning_rate = learning_rate
        self.learning_rate_init = learning_rate_init
        self.alpha = alpha
        self.dropout = dropout
        self.batch_size = batch_size
        self.max_iter = max_iter
        self.tol = tol
        self.n_iter_no_change = n_iter_no_change
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.shuffle = shuffle
        self.warm_start = warm_start
        self.random_state = random_state
        self.verbose = verbose
        self.callback = callback
        self.momentum = momentum
        self.nesterovs_momentum = nesterovs_momentum
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.max_grad_norm = max_grad_norm
        self.dtype = dtype
        self.device = device
        self.device_training = device_training

    def _make_cells(self, n_layers):
        cell = CELLS["softlif"](
            tau_rc=self.tau_rc, tau_ref=self.tau_ref, gamma=self.gamma,
            amplitude=self.amplitude, noise_std=self.noise_std,
        )  # fmt: skip
        return [cell] * n_layers, [False] * n_layers, {}

    def _validate_X(self, X, reset):
        # static features only: 2-D, as scikit-learn's MLP (3-D input gets its error)
        X = validate_data(self, X, reset=reset, dtype=FLOAT_DTYPES)
        self._check_range(X)
        if reset:
            return X, {"n_features_in_": X.shape[1], "_input_ndim": 2}
        return X, {}

    def _spiking_steps(self):
        if self.presentation_time < self.dt:
            raise ValueError(
                f"presentation_time={self.presentation_time} is shorter than one step "
                f"dt={self.dt}; the spiking network needs at least one step."
            )
        return round(self.presentation_time / self.dt)

    def _prepare_fit(self, X, y, reset, classes=None):
        self._spiking_steps()  # a bad spiking configuration fails at fit, not at predict
        return super()._prepare_fit(X, y, reset, classes)

    def _validation_score(self, data):
        # early stopping selects on the rate network, whatever ``spiking`` says
        proba = np.concatenate(super()._outputs(data))
        return float(np.mean(proba.argmax(axis=1) == data.y))

    def _outputs(self, data):
        if not self.spiking:
            return super()._outputs(data)
        n_steps = self._spiking_steps()
        n_average = max(1, round(AVERAGED_SHARE * n_steps))
        layers, readout = self._inference_params()
        outs = []
        chunk = 1024
        with self._thread_limits(chunk):
            for s in range(0, data.n, chunk):
                X = np.ascontiguousarray(data.X[s : s + chunk], dtype=self._dtype)
                Z, _ = simulate_lif(
                    layers, readout, X, tau_rc=self.tau_rc, tau_ref=self.tau_ref,
                    amplitude=self.amplitude, dt=self.dt, n_steps=n_steps,
                    tau_synapse=self.tau_synapse, n_average=n_average,
                )  # fmt: skip
                outs.append(softmax(Z))
        return outs

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.three_d_array = False
        return tags
