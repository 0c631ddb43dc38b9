"""Classification on top of the shared base: labels, 2-D encoding or 3-D sequences, scoring.

2-D ``X`` (n_samples, n_features) is static input presented for ``n_steps`` time steps through
``encoding``; 3-D ``X`` (n_samples, n_steps, n_features) is a time series used as it is. The
output layer has one unit per class; its time-averaged output, scaled, is the softmax logit.
"""

from numbers import Integral

import numpy as np
from sklearn.base import ClassifierMixin, _fit_context
from sklearn.model_selection import train_test_split
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.multiclass import type_of_target
from sklearn.utils.validation import (
    _check_feature_names,
    check_array,
    check_consistent_length,
    column_or_1d,
    validate_data,
)

from ._base import BaseNetwork, InputTypeError, check_labels
from .encoding import ENCODINGS, check_encodable, encode

FLOAT_DTYPES = (np.float64, np.float32)


class _ClassData:
    """Validated classification data: static (N, F) or sequences (N, T, F), one-hot targets."""

    def __init__(self, X, Y=None, y=None):
        self.X, self.Y, self.y = X, Y, y
        self.n = X.shape[0]

    def subset(self, idx):
        return _ClassData(
            self.X[idx],
            None if self.Y is None else self.Y[idx],
            None if self.y is None else self.y[idx],
        )


class BaseNetworkClassifier(ClassifierMixin, BaseNetwork):
    """Shared behaviour of the sksnn classifiers."""

    _parameter_constraints: dict = {
        **BaseNetwork._parameter_constraints,
        "n_steps": [Interval(Integral, 1, None, closed="left")],
        "encoding": [StrOptions(set(ENCODINGS))],
    }

    # Softmax logits are `readout_scale * firing rate`: rates lie in [0, 1].
    _readout_scale = 10.0

    # ------------------------------------------------------------------ data
    def _check_X(self, X, reset):
        try:
            return self._validate_X(X, reset)
        except TypeError as exc:  # scikit-learn's check_array, e.g. for complex numbers in lists
            raise InputTypeError(f"X cannot be converted to an array of floats: {exc}") from exc

    def _validate_X(self, X, reset):
        ndim = getattr(X, "ndim", None)
        if ndim is None and not hasattr(X, "__array__") and not hasattr(X, "iloc"):
            ndim = np.ndim(np.asarray(X, dtype=object)) if isinstance(X, list | tuple) else None
        name = type(self).__name__
        if ndim == 3:
            X = check_array(X, allow_nd=True, dtype=FLOAT_DTYPES, input_name="X")
            if X.shape[1] < 1 or X.shape[2] < 1:
                raise ValueError(
                    f"X of shape {X.shape} has no time steps or no features; {name} needs at "
                    "least one of each."
                )
            _check_feature_names(self, X, reset=reset)
        else:
            X = validate_data(self, X, reset=reset, dtype=FLOAT_DTYPES)
        self._check_range(X)
        n_features = X.shape[-1]
        if reset:
            return X, {"n_features_in_": n_features, "_input_ndim": X.ndim}
        if X.ndim != self._input_ndim:
            raise ValueError(
                f"X has {X.ndim} dimensions, but {name} was fitted on {self._input_ndim}-D "
                "input (2-D: static features encoded over n_steps; 3-D: sequences)."
            )
        if n_features != self.n_features_in_:
            raise ValueError(
                f"X has {n_features} features, but {name} is expecting "
                f"{self.n_features_in_} features as input."
            )
        return X, {}

    def _prepare_fit(self, X, y, reset, classes=None):
        X, attrs = self._check_X(X, reset)
        y = column_or_1d(y, warn=True)
        check_consistent_length(X, y)
        labels = check_labels(y)
        target = type_of_target(y)
        if target not in ("binary", "multiclass"):
            raise ValueError(
                f"{type(self).__name__} supports binary and multiclass y; got {target}."
            )
        if reset:
            if classes is not None:
                classes_ = check_labels(column_or_1d(classes), "classes")
            else:
                classes_ = labels
            if len(classes_) < 2:
                raise ValueError(
                    f"{type(self).__name__} needs samples of at least 2 classes in y; got 1 "
                    f"class: {classes_[0]!r}."
                )
            attrs["classes_"] = classes_
        else:
            classes_ = self.classes_
            if classes is not None and not np.array_equal(
                check_labels(column_or_1d(classes), "classes"), classes_
            ):
                raise ValueError(
                    f"classes={list(classes)} differs from the classes of the first call, "
                    f"{list(classes_)}."
                )
        try:
            unknown = np.setdiff1d(labels, classes_)
        except TypeError:  # labels of another type than the classes
            unknown = labels
        if unknown.size:
            raise ValueError(
                f"y contains labels {unknown.tolist()} not seen before; the estimator knows "
                f"{classes_.tolist()}"
                + (" (with warm_start, fit must see the same classes)" if self.warm_start else "")
            )
        if X.ndim == 2:
            check_encodable(X, self.encoding)
        y_idx = np.searchsorted(classes_, y)
        Y = np.eye(len(classes_), dtype=self._dtype)[y_idx]
        return _ClassData(X, Y, y_idx), attrs

    def _prepare_predict(self, X):
        self._check_fitted()
        X, _ = self._check_X(X, reset=False)
        if X.ndim == 2 and self.encoding != "current":
            # a scaler fitted on training data can step slightly outside [0, 1] on new data:
            # a spike probability or latency is clipped there (fit itself stays strict)
            X = np.clip(X, 0.0, 1.0)
        return _ClassData(X)

    def _batch(self, data, idx, rng):
        X = data.X[idx]
        if X.ndim == 2:
            if self.encoding == "current":
                Xb = np.empty((self.n_steps, *X.shape), dtype=self._dtype)
                Xb[...] = X
            else:
                Xb = encode(X, self.encoding, self.n_steps, rng).transpose(1, 0, 2)
        else:
            Xb = X.transpose(1, 0, 2)
        Xb = np.ascontiguousarray(Xb, dtype=self._dtype)
        return Xb, (None if data.Y is None else data.Y[idx]), None

    def _steps_hint(self, data):
        return self.n_steps if data.X.ndim == 2 else data.X.shape[1]

    def _layout(self):
        n_classes = len(self.classes_)
        if self._readout_is_last_layer:  # spiking: one output unit per class, rate readout
            sizes = [self.n_features_in_, *self._hidden_sizes(), n_classes]
            return sizes, None, "mean", "softmax_ce", {"scale": self._readout_scale}
        sizes = [self.n_features_in_, *self._hidden_sizes()]
        return sizes, n_classes, "last", "softmax_ce", {}

    def _split_validation(self, data, rng):
        seed = int(rng.integers(np.iinfo(np.int32).max))
        idx = np.arange(data.n)
        try:
            tr, va = train_test_split(
                idx, test_size=self.validation_fraction, stratify=data.y, random_state=seed
            )
        except ValueError:  # a class too small to stratify
            return super()._split_validation(data, rng)
        return data.subset(tr), data.subset(va)

    def _validation_score(self, data):
        proba = np.concatenate(self._outputs(data))
        return float(np.mean(proba.argmax(axis=1) == data.y))

    # ------------------------------------------------------------------ API
    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y):
        """Fit the network to data.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features) or (n_samples, n_steps, n_features)
            Static features (encoded over ``n_steps`` steps) or time series.
        y : array-like of shape (n_samples,)
            Class labels.

        Returns
        -------
        self : object
            The fitted estimator.
        """
        return self._fit(X, y, incremental=False)

    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y, classes=None):
        """Run one epoch over the given data (online or out-of-core learning).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features) or (n_samples, n_steps, n_features)
        y : array-like of shape (n_samples,)
        classes : array-like of shape (n_classes,), default=None
            All classes; required on the first call, optional afterwards.

        Returns
        -------
        self : object
        """
        if classes is None and not hasattr(self, "_params"):
            raise ValueError("classes must be passed on the first call to partial_fit.")
        return self._fit(X, y, incremental=True, classes=classes)

    def predict_proba(self, X):
        """Class probabilities: the softmax of the scaled output firing rates.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features) or (n_samples, n_steps, n_features)

        Returns
        -------
        ndarray of shape (n_samples, n_classes)
        """
        data = self._prepare_predict(X)
        return np.concatenate(self._predict_outputs(data)).astype(np.float64)

    def predict_log_proba(self, X):
        """Logarithm of :meth:`predict_proba`.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features) or (n_samples, n_steps, n_features)

        Returns
        -------
        ndarray of shape (n_samples, n_classes)
        """
        with np.errstate(divide="ignore"):
            return np.log(self.predict_proba(X))

    def predict(self, X):
        """Predict class labels.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features) or (n_samples, n_steps, n_features)

        Returns
        -------
        ndarray of shape (n_samples,)
        """
        proba = self.predict_proba(X)
        return self.classes_[proba.argmax(axis=1)]

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_label = False
        tags.target_tags.multi_output = False
        return tags
