"""Sequence prediction on top of the shared base: ragged sequences, padding, per-step targets.

``X`` is a 3-D array (n_sequences, n_steps, n_features) or a list of 2-D arrays
(n_steps_i, n_features) of different lengths. ``y`` has the same structure per step, or is
None for next-step prediction (the target at step t is ``X`` at step t + 1). Sequences are
padded inside each batch to its longest member; a mask keeps padded steps out of the loss and
the gradients.
"""

from numbers import Integral

import numpy as np
from sklearn.base import _fit_context
from sklearn.utils._available_if import available_if
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_array

from ._base import PREDICT_CHUNK, BaseNetwork, InputTypeError, check_labels
from ._engine.workspace import recycle, workspace

FLOAT_DTYPES = (np.float64, np.float32)


def check_sequences(X, name="X", min_steps=1):
    """Validate sequences.

    Parameters
    ----------
    X : 3-D array-like or list of 2-D array-likes
    name : str
        Used in error messages.
    min_steps : int
        Minimum length of every sequence.

    Returns
    -------
    seqs : list of ndarray of shape (n_steps_i, n_features)
    as_array : bool
        Whether ``X`` was one 3-D array (predictions are then returned as one).
    """
    if isinstance(X, np.ndarray) and X.dtype != object:
        if X.ndim != 3:
            raise ValueError(
                f"{name} must be a 3-D array (n_sequences, n_steps, n_features) or a list of "
                f"2-D arrays (n_steps, n_features); got an array of shape {X.shape}"
                + (" (for a single sequence, pass [X])." if X.ndim == 2 else ".")
            )
        seqs, as_array = list(X), True
    elif isinstance(X, list | tuple) or (isinstance(X, np.ndarray) and X.dtype == object):
        seqs, as_array = list(X), False
    else:
        raise ValueError(
            f"{name} must be a 3-D array or a list of 2-D arrays; got {type(X).__name__}."
        )
    if len(seqs) == 0:
        raise ValueError(f"{name} holds no sequence.")
    out = []
    for i, s in enumerate(seqs):
        if np.ndim(s) != 2:
            raise ValueError(
                f"{name}[{i}] must be 2-D (n_steps, n_features); got shape {np.shape(s)}."
            )
        try:
            a = check_array(s, dtype=FLOAT_DTYPES, ensure_min_samples=1, input_name=f"{name}[{i}]")
        except TypeError as exc:  # e.g. complex numbers in lists
            raise InputTypeError(f"{name}[{i}] cannot be converted to floats: {exc}") from exc
        if a.shape[0] < min_steps:
            raise ValueError(
                f"{name}[{i}] has {a.shape[0]} steps; at least {min_steps} are needed"
                + (" for next-step prediction (y=None)." if min_steps > 1 else ".")
            )
        if out and a.shape[1] != out[0].shape[1]:
            raise ValueError(
                f"{name}[{i}] has {a.shape[1]} features but {name}[0] has {out[0].shape[1]}."
            )
        out.append(a)
    return out, as_array


def pad(seqs, dtype):
    """Stack sequences into (n, T_max, F) with zeros after each end; return it and lengths."""
    lengths = np.array([len(s) for s in seqs], dtype=np.intp)
    out = np.zeros((len(seqs), lengths.max(), seqs[0].shape[1]), dtype=dtype)
    for i, s in enumerate(seqs):
        out[i, : len(s)] = s
    return out, lengths


class _SeqData:
    """Padded sequences (N, T, F), lengths (N,), optional padded targets (N, T, C)."""

    def __init__(self, X, lengths, Y=None):
        self.X, self.lengths, self.Y = X, lengths, Y
        self.n = X.shape[0]

    def subset(self, idx):
        return _SeqData(self.X[idx], self.lengths[idx], None if self.Y is None else self.Y[idx])


class BaseSequencePredictor(BaseNetwork):
    """Shared behaviour of the sksnn sequence predictors."""

    _parameter_constraints: dict = {
        **BaseNetwork._parameter_constraints,
        "loss": [StrOptions({"binary", "squared_error", "categorical"})],
        "bptt_steps": [Interval(Integral, 1, None, closed="left"), None],
    }

    # ------------------------------------------------------------------ data
    def _targets(self, seqs, y, reset):
        """Per-step targets as float arrays (T_i, C) and the attributes they define."""
        attrs = {}
        if y is None:
            if self.loss == "categorical":
                targets = [s[1:].argmax(axis=1) for s in seqs]
            else:
                targets = [s[1:] for s in seqs]
            inputs = [s[:-1] for s in seqs]
            attrs["_y_1d"] = False
        else:
            inputs = seqs
            if isinstance(y, np.ndarray) and y.dtype != object and y.ndim in (2, 3):
                ys = list(y)
            elif isinstance(y, list | tuple) or isinstance(y, np.ndarray):
                ys = list(y)
            else:
                raise ValueError(f"y must be None, an array or a list; got {type(y).__name__}.")
            if len(ys) != len(seqs):
                raise ValueError(f"X holds {len(seqs)} sequences but y holds {len(ys)}.")
            targets = []
            for i, (s, t) in enumerate(zip(seqs, ys)):
                if self.loss == "categorical":
                    t = np.asarray(t)
                    if t.ndim != 1:
                        raise ValueError(
                            f"y[{i}] must be 1-D (one label per step) for loss='categorical'; "
                            f"got shape {t.shape}."
                        )
                else:
                    try:
                        t = check_array(
                            t, dtype=FLOAT_DTYPES, ensure_2d=False, input_name=f"y[{i}]"
                        )
                    except TypeError as exc:  # e.g. complex numbers in lists
                        raise InputTypeError(
                            f"y[{i}] cannot be converted to floats: {exc}"
                        ) from exc
                    if t.ndim not in (1, 2):
                        raise ValueError(f"y[{i}] must be 1-D or 2-D; got shape {t.shape}.")
                if len(t) != len(s):
                    raise ValueError(
                        f"X[{i}] has {len(s)} steps but its target y[{i}] has {len(t)}; "
                        "every sequence needs one target per step."
                    )
                targets.append(t)
            if self.loss != "categorical":
                dims = {t.ndim for t in targets}
                if len(dims) > 1:
                    raise ValueError("y mixes 1-D and 2-D targets.")
                attrs["_y_1d"] = dims == {1}
                targets = [t[:, None] if t.ndim == 1 else t for t in targets]
            else:
                attrs["_y_1d"] = True
        if self.loss == "categorical":
            labels = np.concatenate(targets)
            found = check_labels(labels, "y" if y is not None else "the labels (argmax of X)")
            if reset:
                classes_ = found
                if len(classes_) < 2:
                    raise ValueError("loss='categorical' needs at least 2 classes in y.")
                attrs["classes_"] = classes_
            else:
                classes_ = self.classes_
            try:
                unknown = np.setdiff1d(found, classes_)
            except TypeError:  # labels of another type than the classes
                unknown = found
            if unknown.size:
                raise ValueError(
                    f"y contains labels {unknown.tolist()} not seen before; the estimator "
                    f"knows {classes_.tolist()}."
                )
            eye = np.eye(len(classes_), dtype=self._dtype)
            targets = [eye[np.searchsorted(classes_, t)] for t in targets]
        else:
            widths = {t.shape[1] for t in targets}
            if len(widths) > 1:
                raise ValueError(f"The targets have different numbers of outputs: {widths}.")
            if self.loss == "binary":
                for i, t in enumerate(targets):
                    if not np.isin(t, (0.0, 1.0)).all():
                        raise ValueError(
                            f"loss='binary' needs 0/1 targets; y[{i}] (or X[{i}] for "
                            "next-step prediction) holds other values."
                        )
        n_out = targets[0].shape[1]
        if reset:
            attrs["n_outputs_"] = n_out
        elif n_out != self.n_outputs_:
            raise ValueError(f"y has {n_out} outputs, but the estimator has {self.n_outputs_}.")
        return inputs, targets, attrs

    def _prepare_fit(self, X, y, reset, classes=None):
        seqs, _ = check_sequences(X, min_steps=2 if y is None else 1)
        n_features = seqs[0].shape[1]
        if not reset and n_features != self.n_features_in_:
            raise ValueError(
                f"X has {n_features} features, but {type(self).__name__} is expecting "
                f"{self.n_features_in_} features as input."
            )
        for i, seq in enumerate(seqs):
            self._check_range(seq, f"X[{i}]")
        inputs, targets, attrs = self._targets(seqs, y, reset)
        if self.loss == "squared_error":  # their squares must stay finite too
            for i, t in enumerate(targets):
                self._check_range(t, f"y[{i}]" if y is not None else f"X[{i}]")
        if reset:
            attrs["n_features_in_"] = n_features
        if y is None and self.loss != "categorical":
            # next-step targets are the inputs shifted by one step: one padded copy holds both
            full, lengths = pad(seqs, self._dtype)
            return _SeqData(full[:, :-1], lengths - 1, full[:, 1:]), attrs
        Xp, lengths = pad(inputs, self._dtype)
        Yp, _ = pad(targets, self._dtype)
        return _SeqData(Xp, lengths, Yp), attrs

    def _prepare_predict(self, X):
        self._check_fitted()
        seqs, as_array = check_sequences(X)
        for i, seq in enumerate(seqs):
            self._check_range(seq, f"X[{i}]")
        if seqs[0].shape[1] != self.n_features_in_:
            raise ValueError(
                f"X has {seqs[0].shape[1]} features, but {type(self).__name__} is expecting "
                f"{self.n_features_in_} features as input."
            )
        Xp, lengths = pad(seqs, self._dtype)
        data = _SeqData(Xp, lengths)
        data.as_array = as_array
        return data

    def _batch(self, data, idx, rng):
        lengths = data.lengths[idx]
        T = int(lengths.max())
        Xb = np.ascontiguousarray(data.X[idx, :T].transpose(1, 0, 2))
        mask = (np.arange(T)[:, None] < lengths[None, :]).astype(self._dtype)
        Yb = None if data.Y is None else np.ascontiguousarray(data.Y[idx, :T].transpose(1, 0, 2))
        return Xb, Yb, mask

    def _steps_hint(self, data):
        return int(np.median(data.lengths))

    def _layout(self):
        sizes = [self.n_features_in_, *self._hidden_sizes()]
        return sizes, self.n_outputs_, "linear", self.loss, {}

    def _mean_loss(self, data):
        params = self._inference_params()
        total, steps = 0.0, 0.0
        with workspace():  # its own scope: fit's temporaries stay untouched
            for s in range(0, data.n, PREDICT_CHUNK):
                idx = np.arange(s, min(s + PREDICT_CHUNK, data.n))
                Xb, Yb, mask = self._batch(data, idx, None)
                total, steps = self._window_losses(params, Xb, Yb, mask, total, steps)
        return total / steps

    def _window_losses(self, params, Xb, Yb, mask, total, steps):
        """Add one chunk's summed loss and valid steps to ``total`` and ``steps``."""
        states = None
        for w in self._windows(Xb.shape[0]):  # bptt_steps bounds the memory here too
            recycle()  # the last window's temporaries are free again (states are copies)
            Z, caches = self._net.forward(params, Xb[w], states=states, train=False)
            states = self._net.final_states(caches)
            loss, _ = self._net.loss_fn(Z, Yb[w], mask[w])
            n_steps = float(mask[w].sum())
            total += loss * n_steps
            steps += n_steps
        return total, steps

    def _validation_score(self, data):
        return -self._mean_loss(data)

    def _per_sequence(self, data, outs):
        """Cut padded (T, B, C) chunk outputs back into the input's structure."""
        flat = []
        for o in outs:
            flat.extend(np.moveaxis(o, 1, 0))
        seqs = [f[:L] for f, L in zip(flat, data.lengths)]
        if data.as_array:
            return np.stack(seqs)
        return seqs

    # ------------------------------------------------------------------ API
    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Fit the network to sequences.

        Parameters
        ----------
        X : 3-D array-like or list of 2-D arrays (n_steps_i, n_features)
            Input sequences.
        y : same structure as X (per-step targets), or None
            None means next-step prediction: the target at step t is X at step t + 1.

        Returns
        -------
        self : object
        """
        return self._fit(X, y, incremental=False)

    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y=None):
        """Run one epoch over the given sequences.

        Parameters
        ----------
        X : 3-D array-like or list of 2-D arrays
        y : same structure as X, or None

        Returns
        -------
        self : object
        """
        return self._fit(X, y, incremental=True)

    def _raw_outputs(self, X):
        data = self._prepare_predict(X)
        return data, self._predict_outputs(data)

    def _has_proba(self):
        return self.loss != "squared_error"

    @available_if(_has_proba)
    def predict_proba(self, X):
        """Per-step probabilities (``loss`` binary: per output; categorical: per class).

        Parameters
        ----------
        X : 3-D array-like or list of 2-D arrays

        Returns
        -------
        ndarray or list of ndarray
            Shape (n_steps_i, n_outputs) per sequence, in the structure of ``X``.
        """
        data, outs = self._raw_outputs(X)
        if self.loss == "binary" and self._y_1d:
            outs = [o[..., 0] for o in outs]
        return self._per_sequence(data, outs)

    def predict(self, X):
        """Per-step predictions in the structure of ``X``.

        For ``loss='binary'``, 0/1 values (probability above 0.5); for ``'categorical'``, the
        class labels; for ``'squared_error'``, the values. For next-step models the output at
        step t predicts step t + 1.

        Parameters
        ----------
        X : 3-D array-like or list of 2-D arrays

        Returns
        -------
        ndarray or list of ndarray
        """
        data, outs = self._raw_outputs(X)
        if self.loss == "binary":
            outs = [(o > 0.5).astype(np.float64) for o in outs]
        elif self.loss == "categorical":
            outs = [o.argmax(axis=-1) for o in outs]
        if self._y_1d and self.loss != "categorical":
            outs = [o[..., 0] for o in outs]
        seqs = self._per_sequence(data, outs)
        if self.loss == "categorical":
            seqs = [self.classes_[s] for s in seqs]
            return np.stack(seqs) if data.as_array else seqs
        return seqs

    def score(self, X, y=None):
        """Minus the mean per-step loss (higher is better).

        For ``loss='binary'`` this is minus the negative log-likelihood per predicted step,
        summed over the outputs (the JSB chorales convention).

        Parameters
        ----------
        X : 3-D array-like or list of 2-D arrays
        y : same structure as X, or None for next-step prediction

        Returns
        -------
        float
        """
        self._check_fitted()
        data, _ = self._prepare_fit(X, y, reset=False)
        with self._overflow_guard():
            score = float(-self._mean_loss(data))
        if not np.isfinite(score):
            raise ValueError(self._overflow_message())
        return score

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.two_d_array = False
        tags.target_tags.required = False
        return tags
