"""A stack of cell layers, a readout and a loss: forward, BPTT and the parameter list.

Inputs are time-major arrays ``X`` of shape (T, B, n_in). Parameters live in plain dicts, one
per layer plus one for the readout, so they pickle, copy and compare easily; the network object
itself only holds the configuration.
"""

import numpy as np

from .losses import LOSSES
from .readouts import READOUTS
from .workspace import recycle, workspace


class Network:
    r"""Stacked recurrent cells with a readout and a loss.

    Parameters
    ----------
    cells : list of cell objects
        One per layer (e.g. :class:`~sksnn._engine.snu.SNUCell`); each has ``init``,
        ``forward``, ``backward``, ``param_names`` and ``weight_names``.
    recurrent : list of bool
        Whether each layer has a within-layer recurrent matrix.
    readout : {"mean", "linear"}
    loss : {"softmax_ce", "binary", "categorical", "squared_error"}
    train_threshold, train_decay : bool
        Whether thresholds and decays are trained (decays are kept in [0, 1]).
    readout_kwargs : dict, optional
        Passed to the readout's constructor (``scale`` for ``mean``).
    dropout : float in [0, 1)
        Inverted dropout on the outputs of the hidden layers, i.e. on the inputs of every
        layer after the first and of an affine readout: each value is zeroed with probability
        ``dropout`` and the others are scaled by ``1 / (1 - dropout)``, independently per
        step. Applied only in :meth:`loss_grad` and only while ``dropout_rng`` is a generator
        (the estimator sets it during ``fit``).
    spike_penalty : float >= 0
        Weight :math:`\lambda` of an L1 penalty on the spikes of the hidden spiking layers
        (cells with ``spiking = True`` whose output feeds another layer or an affine readout),
        added by :meth:`loss_grad`: :math:`\lambda \sum_l \bar y_l`, with :math:`\bar y_l`
        the mean output of layer :math:`l` over steps, samples and units (over valid steps
        only with a mask), whose gradient :math:`\lambda / N_l` reaches every output of the
        layer. Sparser spikes make the event-driven products (:mod:`.events`) cheaper.
    """

    def __init__(
        self, cells, recurrent, readout="mean", loss="softmax_ce", train_threshold=True,
        train_decay=False, readout_kwargs=None, dropout=0.0, spike_penalty=0.0,
    ):  # fmt: skip
        self.cells = list(cells)
        self.recurrent = list(recurrent)
        self.readout_name = readout
        self.readout = READOUTS[readout](**(readout_kwargs or {}))
        self.loss_name = loss
        self.loss_fn, self.link = LOSSES[loss]
        self.train_threshold = train_threshold
        self.train_decay = train_decay
        self.dropout = float(dropout)
        self.dropout_rng = None
        self.spike_penalty = float(spike_penalty)

    # ------------------------------------------------------------------ parameters
    def init(self, rng, sizes, n_out=None, dtype=np.float32, **cell_kwargs):
        """Initial parameters for layer sizes ``sizes = [n_in, n_1, ..., n_L]``.

        ``n_out`` is the readout size (linear readout only). ``cell_kwargs`` (threshold,
        decay) go to every cell's ``init``. Returns ``(layer_params, readout_params)``.
        """
        layers = [
            cell.init(rng, n_i, n_o, recurrent=rec, dtype=dtype, **cell_kwargs)
            for cell, rec, n_i, n_o in zip(self.cells, self.recurrent, sizes[:-1], sizes[1:])
        ]
        readout = self.readout.init(rng, sizes[-1], n_out, dtype=dtype)
        return layers, readout

    def _trainable(self, name):
        if name == "threshold":
            return self.train_threshold
        if name == "decay":
            return self.train_decay
        return True

    def keys(self, params):
        """The ``(layer index, name)`` of every trainable array; the readout has index -1."""
        layers = params[0]
        keys = [
            (i, name)
            for i, (cell, p) in enumerate(zip(self.cells, layers))
            for name in cell.param_names
            if name in p and self._trainable(name)
        ]
        keys += [(-1, name) for name in self.readout.param_names]
        return keys

    def flat(self, params, tree=None):
        """The trainable arrays of ``tree`` (parameters or gradients) in :meth:`keys` order."""
        layers, readout = params if tree is None else tree
        return [readout[n] if i == -1 else layers[i][n] for i, n in self.keys(params)]

    def is_weight(self, params):
        """For each entry of :meth:`flat`, whether it is a synaptic weight (L2-penalised)."""
        out = []
        for i, name in self.keys(params):
            owner = self.readout if i == -1 else self.cells[i]
            out.append(name in owner.weight_names)
        return out

    def project(self, params):
        """Keep constrained parameters feasible after an update (decays in [0, 1]; a cell's
        own constraints through its ``project``)."""
        for cell, p in zip(self.cells, params[0]):
            if "decay" in p:
                np.clip(p["decay"], 0.0, 1.0, out=p["decay"])
            if hasattr(cell, "project"):
                cell.project(p)

    # ------------------------------------------------------------------ passes
    def _drop(self, H, masks):
        """``H`` with inverted dropout applied; the mask (or None) is appended to ``masks``."""
        if masks is None or self.dropout <= 0 or self.dropout_rng is None:
            if masks is not None:
                masks.append(None)
            return H
        keep = 1.0 - self.dropout
        mask = self.dropout_rng.random(H.shape, dtype=H.dtype) < keep
        mask = mask.astype(H.dtype)
        mask *= H.dtype.type(1.0 / keep)
        masks.append(mask)
        return H * mask

    def forward(self, params, X, keep_states=False, states=None, train=True, masks=None):
        """Forward pass.

        Returns the readout output ``Z`` (logits: (B, C) for ``mean``, (T, B, C) for
        ``linear``) and a list of caches. With ``keep_states`` the caches are kept even if not
        needed later; they hold every layer's states and outputs. ``states`` (one per layer,
        from :meth:`final_states`) continue a sequence cut into windows (truncated BPTT).
        ``train=False`` says no backward pass follows (see :mod:`.events`). When ``masks`` is
        a list, dropout is applied (see the class) and it receives the masks for
        :meth:`backward`: one per layer input after the first, then the readout's.
        """
        layers, readout = params
        caches = []
        H = X
        states = [None] * len(layers) if states is None else states
        for i, (cell, p, state) in enumerate(zip(self.cells, layers, states)):
            if i > 0:
                H = self._drop(H, masks)
            H, cache = cell.forward(p, H, state, train)
            caches.append(cache)
        if self.readout.param_names:  # an affine readout reads a hidden layer: drop there too
            H = self._drop(H, masks)
        elif masks is not None:  # the last layer is the output layer ("mean" readout)
            masks.append(None)
        Z, rcache = self.readout.forward(readout, H)
        caches.append(rcache)
        return Z, caches

    def layer_outputs(self, params, X):
        """The output sequence of every layer, each of shape (T, B, n_l)."""
        outs = []
        H = X
        for cell, p in zip(self.cells, params[0]):
            H, _ = cell.forward(p, H)
            outs.append(H)
        return outs

    def backward(self, params, caches, dZ, masks=None, extra=None):
        """BPTT from the gradient of the readout output; returns gradients like ``params``.

        ``masks``: the dropout masks filled by :meth:`forward`, if any. ``extra``: per layer,
        None or a gradient added to that of the layer's output (a penalty on it).
        """
        layers, readout = params
        masks = masks or [None] * len(layers)  # inputs of layers 1..L-1, then the readout
        dH, rgrads = self.readout.backward(readout, caches[-1], dZ)
        if masks[-1] is not None:
            dH = dH * masks[-1]
        grads = [None] * len(layers)
        for i in range(len(layers) - 1, -1, -1):
            if extra is not None and extra[i] is not None:
                dH = dH + extra[i]
            dH, grads[i] = self.cells[i].backward(layers[i], caches[i], dH, need_dX=i > 0)
            if i > 0 and masks[i - 1] is not None:
                dH = dH * masks[i - 1]
        return grads, rgrads

    def final_states(self, caches):
        """Every layer's state after the last step (the ``states`` of the next window)."""
        return [cell.final_state(c) for cell, c in zip(self.cells, caches)]

    def loss_grad(self, params, X, Y, mask=None, states=None, final_states=None):
        """Loss, gradients (same structure as ``params``) and per-layer firing rates.

        ``states``: the layers' states before the first step (truncated BPTT). When
        ``final_states`` is a list, it receives the layers' states after the last step.
        """
        masks = [] if self.dropout > 0 and self.dropout_rng is not None else None
        Z, caches = self.forward(params, X, states=states, masks=masks)
        if final_states is not None:
            final_states[:] = self.final_states(caches)
        if self.readout_name in ("mean", "last"):
            loss, dZ = self.loss_fn(Z, Y)
        else:
            loss, dZ = self.loss_fn(Z, Y, mask)
        # every cell's cache ends with its output sequence
        rates = [self._rate(c[-1], mask) for c in caches[:-1]]
        extra = None
        if self.spike_penalty > 0:
            extra = self._penalty_grads(caches, mask)
            loss += self.spike_penalty * sum(r for r, e in zip(rates, extra) if e is not None)
        grads = self.backward(params, caches, dZ.astype(Z.dtype, copy=False), masks, extra)
        return loss, grads, rates

    def _penalty_grads(self, caches, mask):
        """Per layer, the gradient of the spike penalty on its output, or None (see the
        class)."""
        out = []
        last = len(self.cells) - 1
        for i, (cell, cache) in enumerate(zip(self.cells, caches[:-1])):
            hidden = i < last or bool(self.readout.param_names)
            if not (hidden and getattr(cell, "spiking", False)):
                out.append(None)
                continue
            Y = cache[-1]
            if mask is None:
                out.append(Y.dtype.type(self.spike_penalty / Y.size))
            else:
                n = max(float(mask.sum()) * Y.shape[2], 1.0)
                out.append((mask[..., None] * (self.spike_penalty / n)).astype(Y.dtype))
        return out

    @staticmethod
    def _rate(Y, mask):
        """Mean output of a layer over valid steps."""
        if mask is None:
            return float(Y.mean())
        return float((Y * mask[..., None]).sum()) / max(float(mask.sum()) * Y.shape[2], 1.0)

    def predict_output(self, params, X, window=None):
        """The readout output passed through the loss's link (probabilities or values).

        With ``window``, a per-step readout runs over windows of that many steps with the
        layers' states carried across (the same outputs in bounded memory).
        """
        if window is None or window >= X.shape[0]:
            Z, _ = self.forward(params, X, train=False)
            return self.link(Z)
        if self.readout_name != "linear":
            raise ValueError(f"windows need a per-step readout, not {self.readout_name!r}")
        outs, states = [], None
        with workspace():  # a scope of its own, so that memory stays bounded by the window
            for lo in range(0, X.shape[0], window):
                recycle()  # the last window's temporaries are free (the states are copies)
                Z, caches = self.forward(params, X[lo : lo + window], states=states, train=False)
                states = self.final_states(caches)
                outs.append(self.link(Z))
        return np.concatenate(outs)


def calibrate_input_gain(cell, params, X, target=0.3, low=1 / 64, high=64.0, n_iter=14):
    """Scale a layer's input weights so that a fraction ``target`` of its states exceed threshold.

    A data-driven initialisation (in the spirit of LSUV, Mishkin & Matas 2016) for spiking
    layers: Glorot weights that suit one input scale leave a layer silent or saturated under
    another. The gain ``a`` multiplying ``W`` is found by bisection on a log scale so that the
    share of :math:`s_t > \\theta` over the batch, steps and units is close to ``target``.

    Parameters
    ----------
    cell : cell object
        The layer's cell; ``cell.active_fraction(params, cache)`` measures the share of
        states above threshold (for an SRC: of spikes).
    params : dict
        The layer's parameters; ``W`` is scaled in place.
    X : ndarray of shape (T, B, n_in)
        A batch of the layer's inputs.
    target : float in (0, 1)
    low, high : float
        Range of the gain.
    n_iter : int
        Bisection steps.

    Returns
    -------
    float
        The gain applied.
    """
    W0 = params["W"].copy()

    def active(gain):
        params["W"][...] = W0 * gain
        _, cache = cell.forward(params, X)
        return cell.active_fraction(params, cache)

    lo, hi = np.log(low), np.log(high)
    for _ in range(n_iter):
        mid = 0.5 * (lo + hi)
        if active(np.exp(mid)) < target:
            lo = mid
        else:
            hi = mid
    gain = float(np.exp(0.5 * (lo + hi)))
    params["W"][...] = W0 * gain
    return gain
