r"""Estimators built on the Spiking Neural Unit: :class:`SNUClassifier` and
:class:`SNUSequencePredictor`.

Each layer is an SNU (``soft=False``: Heaviside output, surrogate gradient) or an sSNU
(``soft=True``: sigmoid output), Woźniak et al., *Nature Machine Intelligence* 2 (2020):

.. math::

    s_t = g\big(W x_t + H y_{t-1} + l \odot s_{t-1} \odot (1 - y_{t-1})\big), \qquad
    y_t = h(s_t - \theta)

with :math:`H` only when ``recurrent=True``, :math:`l` = ``decay``, :math:`\theta` =
``threshold`` (trained), :math:`g` = ``activation``. Training is backpropagation through time
on the sksnn engine.
"""

from numbers import Real

from sklearn.utils._param_validation import Interval, StrOptions

from ._classifier import BaseNetworkClassifier
from ._engine import ACTIVATIONS, CELLS, SURROGATES
from ._sequence import BaseSequencePredictor

_SNU_CONSTRAINTS = {
    "soft": ["boolean"],
    "recurrent": ["boolean"],
    "decay": [Interval(Real, 0, 1, closed="both")],
    "threshold": [Interval(Real, 0, None, closed="neither")],
    "activation": [StrOptions(set(ACTIVATIONS))],
    "surrogate": [StrOptions(set(SURROGATES))],
    "surrogate_slope": [None, Interval(Real, 0, None, closed="neither")],
    "train_decay": ["boolean"],
    "lateral_inhibition": ["boolean"],
    "spike_path": [StrOptions({"auto", "dense", "event"})],
    "spike_penalty": [Interval(Real, 0, None, closed="left")],
}

_SNU_PARAMS_DOC = """
    hidden_layer_sizes : array-like of shape (n_layers - 2,), default=(128,)
        Units of each hidden SNU layer.
    soft : bool, default=False
        False: SNU (Heaviside spikes, surrogate gradient); True: sSNU (sigmoid outputs).
    recurrent : bool, default=True
        Add the within-layer recurrent matrix :math:`H y_{t-1}` to every hidden layer. (On
        digits rows, feed-forward layers stop near 0.83 accuracy: they see a bag of rows.)
    decay : float in [0, 1], default=0.8
        Initial membrane decay :math:`l` per step.
    threshold : float > 0, default=1.0
        Initial firing threshold :math:`\\theta` (trained).
    activation : {"relu", "identity", "leaky_relu"}, default="relu"
        The membrane non-linearity :math:`g`.
    surrogate : str, default="tanh"
        Surrogate derivative of the step for the SNU (see the user guide's table):
        "tanh", "sigmoid", "fast_sigmoid", "atan", "triangle", "straight_through".
    surrogate_slope : float, default=None
        Sharpness of the surrogate; None uses the surrogate's default (peak 1).
    train_decay : bool, default=False
        Also train the decays (kept in [0, 1]).
    lateral_inhibition : bool, default=False
        Reset every unit of a layer when any of them fires: :math:`1 - \\max_j y_{t-1,j}`.
    spike_path : {"auto", "dense", "event"}, default="auto"
        How a layer's input current :math:`W x_t` and weight gradient are computed when its
        input is made of spikes (0/1: rate- or latency-coded input, or the SNU layer below):
        "event" adds up the weight rows of the active inputs only (cost proportional to the
        number of spikes), "dense" uses matrix products, "auto" takes the event path when the
        batch's spike density is below the break-even density measured on a 2-core CPU,
        which grows with the layer's width (19 % from 256 units on, 11 % at 150, 8.5 % at 64,
        3 % at 32, none at 16; layers narrower than 16 units, such as a classifier's output
        layer, follow the 256-unit rule). Both give the
        same results up to float rounding; non-binary input always takes the dense path.
    spike_penalty : float >= 0, default=0.0
        L1 penalty on the spikes of the hidden layers, added to the training loss:
        ``spike_penalty`` times the sum over hidden layers of their mean output (the
        ``firing_rates_`` of those layers). Sparser hidden spikes make the event path cheaper:
        on the speed benchmark's MNIST network (784-256-256-10, 2 epochs), 1.0 takes the
        hidden layers from 28 % and 30 % to 14 % and 6.5 % of units firing per step, and
        the test accuracy from 90.3 % to 93.0 % (see the speed page). The output layer of a
        classifier is not penalised.
"""

_TRAINING_PARAMS_DOC = """
    solver : {"adam", "sgd"}, default="adam"
        Optimizer; "sgd" uses ``momentum`` and ``nesterovs_momentum``.
    learning_rate : {"constant", "adaptive"}, default="adaptive"
        Step-size schedule, as scikit-learn's MLP: "adaptive" divides the step by 5 each time
        three epochs in a row fail to improve the loss (or validation score) by ``tol``, and
        stops when it falls below 1e-6. (On digits rows it lifts the SNU from about 0.947 to
        0.959 mean accuracy over 5 seeds.)
    learning_rate_init : float, default=0.01
        Initial step size.
    alpha : float, default=1e-4
        L2 penalty on the synaptic weights (thresholds, decays, biases are not penalised).
    dropout : float in [0, 1), default=0.0
        Inverted dropout in training on the outputs of every hidden layer (the inputs of the
        next layer and of an affine readout): each value is zeroed with this probability,
        independently per step, and the others scaled by ``1 / (1 - dropout)``. Drawn from
        ``random_state``; prediction never drops anything. (The scaled inputs are no longer 0
        or 1, so SNU layers after the first take the dense path in training.)
    batch_size : int or "auto", default="auto"
        Minibatch size; "auto" is ``min(32, n_samples)`` (spiking networks learn better from
        small batches than scikit-learn's 200).
    max_iter : int, default=200
        Maximum number of epochs.
    tol : float, default=1e-4
        Improvement of the loss (or validation score) below which an epoch counts as no
        improvement.
    n_iter_no_change : int, default=10
        Epochs without improvement before stopping.
    early_stopping : bool, default=False
        Hold out ``validation_fraction`` of the data, stop when its score stops improving and
        restore the best weights.
    validation_fraction : float, default=0.1
        Share of the training data held out for early stopping.
    shuffle : bool, default=True
        Shuffle the samples every epoch.
    warm_start : bool, default=False
        Continue from the previous fit's weights and optimizer state.
    random_state : int, RandomState instance or None, default=None
        The one source of randomness: weights, shuffling, validation split and spike encoding.
    verbose : bool or int, default=False
        Print one line per epoch.
    callback : callable or None, default=None
        Called after every epoch as ``callback(estimator, info)``, ``info`` being a copy of
        that epoch's ``history_`` record (``epoch``, ``loss``, ``validation_score`` with early
        stopping, ``firing_rates``, ``seconds``). Returning a true value stops training (no
        ``ConvergenceWarning``); raising ``KeyboardInterrupt`` stops it as Ctrl-C does; any
        other exception leaves the estimator as it was before the call. It is a parameter:
        it is cloned and pickled with the estimator, so use a module-level function to keep
        the model picklable.
    momentum : float, default=0.9
        Momentum of "sgd".
    nesterovs_momentum : bool, default=True
        Nesterov momentum for "sgd".
    beta_1, beta_2, epsilon : float, default=0.9, 0.999, 1e-8
        Adam's constants.
    max_grad_norm : float or None, default=1.0
        Clip the global gradient norm of each update to this value (None: no clipping).
        Clipping keeps long SNU runs from collapsing late in training.
    dtype : {"float32", "float64"}, default="float32"
        Floating-point type of the weights and the computation.
    device : PCMDeviceTransformer or None, default=None
        Simulated phase-change-memory devices: at prediction every synaptic matrix (input,
        recurrent, readout) is programmed on its own device array and read at the device's
        ``t_inference``; thresholds, decays and biases stay digital; the software weights are
        never changed. None: the software model.
    device_training : {"off", "noise", "in_loop"}, default="off"
        Training with ``device``: "noise" runs each forward pass on freshly programmed,
        drifted and read weights (noise injection, hardware-aware training); "in_loop" keeps
        programmed devices, reads them with fresh read noise in every forward pass, applies
        the updates in software and re-programs a device only when its weight has moved by
        more than 0.5 µS (hardware in the loop). Gradients are computed in full precision.
"""

_FITTED_DOC = """
    n_features_in_ : int
        Number of input features (per time step).
    coefs_ : list of ndarray
        Input weight matrix :math:`W` of every layer (and of the readout, if any), shaped
        (n_in, n_out).
    recurrent_coefs_ : list of ndarray or None
        :math:`H` of every layer (None for feed-forward layers).
    thresholds_ : list of ndarray
        Trained thresholds :math:`\\theta` of every layer.
    intercepts_ : list of ndarray
        The biases :math:`-\\theta` of every layer (and the readout bias, if any).
    decays_ : list of ndarray
        Decays :math:`l` of every layer.
    input_gains_ : list of float
        Data-driven gain applied to each spiking hidden layer's Glorot input weights at
        initialisation (and to the output layer's, for an SRC classifier).
    loss_ : float
        Mean training loss of the last epoch (with the ``alpha`` and ``spike_penalty``
        terms).
    loss_curve_ : list of float
        Mean training loss per epoch.
    best_loss_ : float or None
        Lowest epoch loss (None with early stopping).
    validation_scores_ : list of float or None
        Validation score per epoch (early stopping only).
    best_validation_score_ : float or None
        Best validation score (early stopping only).
    n_iter_ : int
        Epochs run.
    t_ : int
        Training samples seen.
    history_ : list of dict
        One record per epoch: ``epoch``, ``loss``, ``validation_score`` (early stopping),
        ``firing_rates`` (mean output per layer) and ``seconds``.
    firing_rates_ : ndarray of shape (n_layers,)
        Mean output of every layer during the last epoch; a layer at 0 is silent.
"""


class _SNUCells:
    """Mixin: the layers are SNU or sSNU cells configured by the estimator's parameters."""

    def _make_cells(self, n_layers):
        name = "ssnu" if self.soft else "snu"
        activations = [self.activation] * n_layers
        if self._readout_is_last_layer:
            # the output units' membranes are not rectified: a ReLU output unit that falls
            # below zero would stay silent and get no gradient
            activations[-1] = "identity"
        cells = [
            CELLS[name](
                activation=g,
                surrogate=self.surrogate,
                slope=self.surrogate_slope,
                lateral=self.lateral_inhibition,
                spike_path=self.spike_path,
            )
            for g in activations
        ]
        recurrent = [self.recurrent] * n_layers
        if self._readout_is_last_layer:
            recurrent[-1] = False
        return cells, recurrent, {"threshold": self.threshold, "decay": self.decay}


class SNUClassifier(_SNUCells, BaseNetworkClassifier):
    __doc__ = f"""Classifier made of Spiking Neural Units, trained by BPTT.

    The last layer has one SNU per class, with an identity membrane (:math:`g(v) = v`); its
    firing rate over the time steps, times a fixed scale of
    {BaseNetworkClassifier._readout_scale:g}, is the softmax logit. The input weights of every
    hidden layer are Glorot-uniform times a gain found on a random batch of up to 256
    training samples so that
    30 % of the membrane states exceed the threshold (``input_gains_``).

    Parameters
    ----------{_SNU_PARAMS_DOC}
    n_steps : int, default=20
        Time steps for 2-D input (ignored for 3-D input, which brings its own).
    encoding : {{"current", "rate", "latency"}}, default="current"
        How 2-D input becomes time steps (:mod:`sksnn.encoding`): the same values at every
        step, Bernoulli spikes with :math:`p = x`, or one spike at a value-dependent time.
        "rate" and "latency" need features in [0, 1] at fit; at prediction, values outside
        (as a scaler fitted on training data can produce) are clipped.{_TRAINING_PARAMS_DOC}
    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        Class labels.{_FITTED_DOC}
    See Also
    --------
    SNUSequencePredictor : per-step predictions for sequences.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from sksnn import SNUClassifier
    >>> X, y = load_digits(return_X_y=True)
    >>> X = X.reshape(-1, 8, 8) / 16  # rows as 8 time steps
    >>> clf = SNUClassifier(max_iter=5, random_state=0).fit(X[:500], y[:500])
    >>> clf.predict(X[:3]).shape
    (3,)
    """

    _parameter_constraints: dict = {**BaseNetworkClassifier._parameter_constraints,
                                    **_SNU_CONSTRAINTS}  # fmt: skip
    _readout_is_last_layer = True

    def __init__(
        self,
        hidden_layer_sizes=(128,),
        *,
        soft=False,
        recurrent=True,
        decay=0.8,
        threshold=1.0,
        activation="relu",
        surrogate="tanh",
        surrogate_slope=None,
        train_decay=False,
        lateral_inhibition=False,
        spike_path="auto",
        spike_penalty=0.0,
        n_steps=20,
        encoding="current",
        solver="adam",
        learning_rate="adaptive",
        learning_rate_init=0.01,
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
        self.soft = soft
        self.recurrent = recurrent
        self.decay = decay
        self.threshold = threshold
        self.activation = activation
        self.surrogate = surrogate
        self.surrogate_slope = surrogate_slope
        self.train_decay = train_decay
        self.lateral_inhibition = lateral_inhibition
        self.spike_path = spike_path
        self.spike_penalty = spike_penalty
        self.n_steps = n_steps
        self.encoding = encoding
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


class SNUSequencePredictor(_SNUCells, BaseSequencePredictor):
    __doc__ = f"""Per-step sequence predictor made of Spiking Neural Units, trained by BPTT.

    Hidden SNU layers feed a per-step affine readout with the link of ``loss``. With ``y=None``
    it learns next-step prediction (the target at step t is ``X`` at step t + 1), as in the
    JSB chorales task.

    Parameters
    ----------{_SNU_PARAMS_DOC}
    loss : {{"binary", "squared_error", "categorical"}}, default="binary"
        "binary": multi-label sigmoid cross-entropy (piano rolls; ``score`` is minus the NLL per
        step, summed over outputs); "squared_error": forecasting; "categorical": next token
        (softmax over the classes found in ``y``).
    bptt_steps : int or None, default=None
        Truncated backpropagation through time: cut each batch into windows of this many
        steps, update after every window and carry the layers' states into the next one
        (gradients do not cross window borders). Memory then grows with ``bptt_steps``
        instead of the sequence length, for training and prediction alike; predictions
        are the same as without windows. None: one window per sequence (full
        BPTT).{_TRAINING_PARAMS_DOC}
    Attributes
    ----------
    n_outputs_ : int
        Outputs per step.
    classes_ : ndarray
        Class labels (``loss='categorical'`` only).{_FITTED_DOC}
    See Also
    --------
    SNUClassifier : one label per sequence.

    Examples
    --------
    >>> import numpy as np
    >>> from sksnn import SNUSequencePredictor
    >>> rng = np.random.default_rng(0)
    >>> X = [(rng.random((n, 5)) < 0.3).astype(float) for n in (12, 9, 15)]
    >>> model = SNUSequencePredictor(max_iter=3, random_state=0).fit(X)  # next-step
    >>> [p.shape for p in model.predict_proba(X)]
    [(12, 5), (9, 5), (15, 5)]
    """

    _parameter_constraints: dict = {**BaseSequencePredictor._parameter_constraints,
                                    **_SNU_CONSTRAINTS}  # fmt: skip
    _readout_is_last_layer = False

    def __init__(
        self,
        hidden_layer_sizes=(128,),
        *,
        soft=False,
        recurrent=True,
        decay=0.8,
        threshold=1.0,
        activation="relu",
        surrogate="tanh",
        surrogate_slope=None,
        train_decay=False,
        lateral_inhibition=False,
        spike_path="auto",
        spike_penalty=0.0,
        loss="binary",
        bptt_steps=None,
        solver="adam",
        learning_rate="adaptive",
        learning_rate_init=0.01,
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
        self.soft = soft
        self.recurrent = recurrent
        self.decay = decay
        self.threshold = threshold
        self.activation = activation
        self.surrogate = surrogate
        self.surrogate_slope = surrogate_slope
        self.train_decay = train_decay
        self.lateral_inhibition = lateral_inhibition
        self.spike_path = spike_path
        self.spike_penalty = spike_penalty
        self.loss = loss
        self.bptt_steps = bptt_steps
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
