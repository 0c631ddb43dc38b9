r"""Non-spiking baselines on the same engine and with the same parameter names: LSTM, GRU and
tanh-RNN classifiers and sequence predictors.

The cells follow PyTorch's ``nn.LSTM``, ``nn.GRU`` and ``nn.RNN`` equations and gate order (see
:mod:`sksnn._engine.lstm`, :mod:`~sksnn._engine.gru`, :mod:`~sksnn._engine.rnn`), so weights and
results can be compared with PyTorch: ``coefs_[l] = weight_ih_l0.T``,
``recurrent_coefs_[l] = weight_hh_l0.T``. Classifiers read the last step's hidden state through
an affine softmax layer; sequence predictors read every step through an affine layer with the
link of ``loss``. Everything else (validation, training loop, early stopping, ``partial_fit``,
``warm_start``, fitted attributes) is shared with the SNU estimators.
"""

from ._classifier import BaseNetworkClassifier
from ._engine import CELLS
from ._sequence import BaseSequencePredictor
from .snu import _FITTED_DOC, _TRAINING_PARAMS_DOC

_BASELINE_PARAMS_DOC = """
    hidden_layer_sizes : array-like of shape (n_layers - 2,), default=(128,)
        Units of each recurrent layer.
"""


class _BaselineCells:
    """Mixin: every layer is the cell named by the class attribute ``_cell``."""

    _cell = None
    _readout_is_last_layer = False

    def _make_cells(self, n_layers):
        return [CELLS[self._cell]() for _ in range(n_layers)], [True] * n_layers, {}


class _BaselineClassifier(_BaselineCells, BaseNetworkClassifier):
    def __init__(
        self,
        hidden_layer_sizes=(128,),
        *,
        n_steps=20,
        encoding="current",
        solver="adam",
        learning_rate="adaptive",
        learning_rate_init=0.005,
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


class _BaselineSequencePredictor(_BaselineCells, BaseSequencePredictor):
    def __init__(
        self,
        hidden_layer_sizes=(128,),
        *,
        loss="binary",
        bptt_steps=None,
        solver="adam",
        learning_rate="adaptive",
        learning_rate_init=0.005,
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


_CLASSIFIER_DOC = """{title}

    The last step's hidden state of the last layer goes through an affine softmax layer.
    Parameter names, input contract and fitted attributes are those of
    :class:`~sksnn.SNUClassifier`, so one grid can compare them.

    Parameters
    ----------{params}
    n_steps : int, default=20
        Time steps for 2-D input (ignored for 3-D input).
    encoding : {{"current", "rate", "latency"}}, default="current"
        How 2-D input becomes time steps (:mod:`sksnn.encoding`).{training}
    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        Class labels.{fitted}
    See Also
    --------
    SNUClassifier : the spiking model these are the baseline for.
"""

_SEQUENCE_DOC = """{title}

    Every step's hidden state goes through an affine layer with the link of ``loss``.
    Parameter names, input contract and fitted attributes are those of
    :class:`~sksnn.SNUSequencePredictor`.

    Parameters
    ----------{params}
    loss : {{"binary", "squared_error", "categorical"}}, default="binary"
        Per-step loss; ``score`` is minus its mean per step (for "binary": the NLL per step
        summed over outputs, the JSB convention).
    bptt_steps : int or None, default=None
        Truncated backpropagation through time: cut each batch into windows of this many
        steps, update after every window and carry the layers' states into the next one
        (gradients do not cross window borders). Memory then grows with ``bptt_steps``
        instead of the sequence length, for training and prediction alike; predictions are
        the same as without windows. None: one window per sequence (full BPTT).{training}
    Attributes
    ----------
    n_outputs_ : int
        Outputs per step.
    classes_ : ndarray
        Class labels (``loss='categorical'`` only).{fitted}
    See Also
    --------
    SNUSequencePredictor : the spiking model these are the baseline for.
"""


def _doc(template, title):
    return template.format(
        title=title, params=_BASELINE_PARAMS_DOC, training=_TRAINING_PARAMS_DOC.replace(
            "learning_rate_init : float, default=0.01", "learning_rate_init : float, default=0.005"
        ), fitted=_FITTED_DOC,
    )  # fmt: skip


class LSTMClassifier(_BaselineClassifier):
    __doc__ = _doc(_CLASSIFIER_DOC, "Classifier made of LSTM layers (PyTorch's equations).")
    _cell = "lstm"


class GRUClassifier(_BaselineClassifier):
    __doc__ = _doc(_CLASSIFIER_DOC, "Classifier made of GRU layers (PyTorch's equations).")
    _cell = "gru"


class RNNClassifier(_BaselineClassifier):
    __doc__ = _doc(_CLASSIFIER_DOC, "Classifier made of tanh RNN layers (PyTorch's nn.RNN).")
    _cell = "rnn"


class LSTMSequencePredictor(_BaselineSequencePredictor):
    __doc__ = _doc(_SEQUENCE_DOC, "Per-step sequence predictor made of LSTM layers.")
    _cell = "lstm"


class GRUSequencePredictor(_BaselineSequencePredictor):
    __doc__ = _doc(_SEQUENCE_DOC, "Per-step sequence predictor made of GRU layers.")
    _cell = "gru"


class RNNSequencePredictor(_BaselineSequencePredictor):
    __doc__ = _doc(_SEQUENCE_DOC, "Per-step sequence predictor made of tanh RNN layers.")
    _cell = "rnn"
