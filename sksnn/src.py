r"""Estimators built on the Spiking Recurrent Cell: :class:`SRCClassifier` and
:class:`SRCSequencePredictor`.

De Geeter, Ernst, Drion, "Spike-based computation using classical recurrent neural networks"
(arXiv 2306.03623). Each unit integrates its input spikes, bounds the current and fires
spikes by itself through a fast positive and a slow negative feedback
(:mod:`sksnn._engine.src`):

.. math::

    i_t &= \alpha\, i_{t-1} + W x_t, \qquad u_t = \rho \tanh(i_t / \rho) \\
    h_t &= z\, h_{t-1} + (1 - z) \tanh(u_t + r\, h_{t-1} + r_s\, h^s_{t-1} + b) \\
    h^s_t &= z^s_t\, h^s_{t-1} + (1 - z^s_t)\, h_{t-1}, \qquad
    z^s_t = z_{hyp} + (z_{dep} - z_{hyp})\, H(h_{t-1} - 1/2) \\
    y_t &= \max(h_t, 0)

Only :math:`W` and the bias :math:`b` (kept at most ``bias_max``) are learned, by
backpropagation through time; the Heaviside passes no gradient.
"""

from numbers import Real

import numpy as np
from sklearn.utils._param_validation import Interval, StrOptions

from ._classifier import BaseNetworkClassifier
from ._engine import CELLS
from ._engine.src import SPIKE_GRADIENTS
from ._sequence import BaseSequencePredictor
from .snu import _FITTED_DOC, _TRAINING_PARAMS_DOC

_SRC_CONSTRAINTS = {
    "synapse_decay": [Interval(Real, 0, 1, closed="both")],
    "current_bound": [Interval(Real, 0, None, closed="neither")],
    "fast_feedback": [Real],
    "slow_feedback": [Real],
    "z": [Interval(Real, 0, 1, closed="left")],
    "z_hyp": [Interval(Real, 0, 1, closed="both")],
    "z_dep": [Interval(Real, 0, 1, closed="both")],
    "bias_init": [Real],
    "bias_max": [Real],
    "spike_gradient": [StrOptions(set(SPIKE_GRADIENTS))],
}

_SRC_PARAMS_DOC = """
    hidden_layer_sizes : array-like of shape (n_layers - 2,), default=(128,)
        Units of each hidden SRC layer.
    synapse_decay : float in [0, 1], default=0.9
        :math:`\\alpha`, decay per step of the synaptic integrator :math:`i_t`.
    current_bound : float > 0, default=3.0
        :math:`\\rho`, the bound of the input current :math:`u_t`.
    fast_feedback : float, default=2.0
        :math:`r`, the positive feedback of the fast variable (bistability).
    slow_feedback : float, default=-7.0
        :math:`r_s`, the negative feedback of the slow variable (the reset after a spike).
    z : float in [0, 1), default=0.0
        Update gate of the fast variable.
    z_hyp, z_dep : float in [0, 1], default=0.9, 0.0
        Gate of the slow variable while :math:`h_{t-1} \\le 1/2` and while it is above.
    bias_init : float, default=-6.0
        Initial bias :math:`b` of every unit.
    bias_max : float, default=-4.0
        Largest bias allowed during training (keeps the units excitable, not oscillating).
    spike_gradient : {"identity", "relu"}, default="identity"
        Derivative of :math:`y = \\max(h, 0)` in the backward pass: 1 (straight-through, so
        a unit that is not spiking still learns) or the ReLU's (exact, but a silent unit gets
        no gradient: on digits, 0.54 accuracy after 30 epochs against 0.96).
"""

_SRC_CONSTANTS = (
    "synapse_decay", "current_bound", "fast_feedback", "slow_feedback", "z", "z_hyp", "z_dep",
    "bias_init", "bias_max", "spike_gradient",
)  # fmt: skip


class _SRCCells:
    """Mixin: every layer is an SRC configured by the estimator's parameters."""

    def _make_cells(self, n_layers):
        kw = {name: getattr(self, name) for name in _SRC_CONSTANTS}
        bad = [k for k, v in kw.items() if k != "spike_gradient" and not np.isfinite(v)]
        if bad:
            raise ValueError(f"{', '.join(bad)} must be finite; got {[kw[k] for k in bad]}.")
        if self.bias_init > self.bias_max:
            raise ValueError(
                f"bias_init={self.bias_init} exceeds bias_max={self.bias_max}; the bias starts "
                "at bias_init and is kept at most bias_max."
            )
        return [CELLS["src"](**kw) for _ in range(n_layers)], [False] * n_layers, {}


class SRCClassifier(_SRCCells, BaseNetworkClassifier):
    __doc__ = f"""Classifier made of Spiking Recurrent Cells, trained by BPTT.

    Every layer, the output layer included, is made of SRC units; the output units' spike
    rate over the time steps, times a fixed scale of 30, is the softmax logit (as in
    :class:`~sksnn.SNUClassifier`, whose scale is 10: an SRC fires at most every few steps).
    The input weights of every layer, the output layer included, are Glorot-uniform times a
    gain found on a random batch of up to 256 training samples so that 5 % of the
    (step, unit) pairs carry a spike (``input_gains_``).
    An SRC needs some steps to reach its first spike (its slow variable starts at rest), so
    use more time steps than for an SNU.

    Parameters
    ----------{_SRC_PARAMS_DOC}
    n_steps : int, default=50
        Time steps for 2-D input (ignored for 3-D input).
    encoding : {{"current", "rate", "latency"}}, default="rate"
        How 2-D input becomes time steps (:mod:`sksnn.encoding`); "rate" gives input spikes,
        as in the SRC paper. Needs features in [0, 1].{_TRAINING_PARAMS_DOC}
    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        Class labels.{_FITTED_DOC}
    See Also
    --------
    SRCSequencePredictor : per-step predictions for sequences.
    SNUClassifier : the Spiking Neural Unit.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from sksnn import SRCClassifier
    >>> X, y = load_digits(return_X_y=True)
    >>> clf = SRCClassifier(max_iter=3, random_state=0).fit(X[:300] / 16, y[:300])
    >>> clf.predict(X[:3] / 16).shape
    (3,)
    """

    _parameter_constraints: dict = {**BaseNetworkClassifier._parameter_constraints,
                                    **_SRC_CONSTRAINTS}  # fmt: skip
    _readout_is_last_layer = True
    # SRC spikes are two steps wide and a few steps apart: rates stay below about 0.2, so the
    # logits need a larger scale than the SNU's (on 5000 MNIST images, 6 epochs: loss 0.59
    # with 30 against 1.38 with 10; 60 lost accuracy)
    _readout_scale = 30.0

    def __init__(
        self,
        hidden_layer_sizes=(128,),
        *,
        synapse_decay=0.9,
        current_bound=3.0,
        fast_feedback=2.0,
        slow_feedback=-7.0,
        z=0.0,
        z_hyp=0.9,
        z_dep=0.0,
        bias_init=-6.0,
        bias_max=-4.0,
        spike_gradient="identity",
        n_steps=50,
        encoding="rate",
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
        self.synapse_decay = synapse_decay
        self.current_bound = current_bound
        self.fast_feedback = fast_feedback
        self.slow_feedback = slow_feedback
        self.z = z
        self.z_hyp = z_hyp
        self.z_dep = z_dep
        self.bias_init = bias_init
        self.bias_max = bias_max
        self.spike_gradient = spike_gradient
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


class SRCSequencePredictor(_SRCCells, BaseSequencePredictor):
    __doc__ = f"""Per-step sequence predictor made of Spiking Recurrent Cells, trained by BPTT.

    Hidden SRC layers feed a per-step affine readout with the link of ``loss``. With
    ``y=None`` it learns next-step prediction (the target at step t is ``X`` at step t + 1).

    Parameters
    ----------{_SRC_PARAMS_DOC}
    loss : {{"binary", "squared_error", "categorical"}}, default="binary"
        Per-step loss; ``score`` is minus its mean per step (for "binary": the NLL per step
        summed over outputs, the JSB convention).
    bptt_steps : int or None, default=None
        Truncated backpropagation through time: windows of this many steps, one update per
        window, the layers' states carried across. None: full BPTT.{_TRAINING_PARAMS_DOC}
    Attributes
    ----------
    n_outputs_ : int
        Outputs per step.
    classes_ : ndarray
        Class labels (``loss='categorical'`` only).{_FITTED_DOC}
    See Also
    --------
    SRCClassifier : one label per sequence.
    SNUSequencePredictor : the Spiking Neural Unit.

    Examples
    --------
    >>> import numpy as np
    >>> from sksnn import SRCSequencePredictor
    >>> rng = np.random.default_rng(0)
    >>> X = [(rng.random((n, 5)) < 0.3).astype(float) for n in (12, 9, 15)]
    >>> model = SRCSequencePredictor(max_iter=3, random_state=0).fit(X)  # next-step
    >>> [p.shape for p in model.predict_proba(X)]
    [(12, 5), (9, 5), (15, 5)]
    """

    _parameter_constraints: dict = {**BaseSequencePredictor._parameter_constraints,
                                    **_SRC_CONSTRAINTS}  # fmt: skip
    _readout_is_last_layer = False

    def __init__(
        self,
        hidden_layer_sizes=(128,),
        *,
        synapse_decay=0.9,
        current_bound=3.0,
        fast_feedback=2.0,
        slow_feedback=-7.0,
        z=0.0,
        z_hyp=0.9,
        z_dep=0.0,
        bias_init=-6.0,
        bias_max=-4.0,
        spike_gradient="identity",
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
        self.synapse_decay = synapse_decay
        self.current_bound = current_bound
        self.fast_feedback = fast_feedback
        self.slow_feedback = slow_feedback
        self.z = z
        self.z_hyp = z_hyp
        self.z_dep = z_dep
        self.bias_init = bias_init
        self.bias_max = bias_max
        self.spike_gradient = spike_gradient
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
