"""The shared estimator base: parameters, the epoch/batch training loop, early stopping,
``partial_fit``, ``warm_start``, divergence and interrupt handling, and the training history.

Task-specific bases (:mod:`._classifier`, :mod:`._sequence`) say how data becomes time-major
batches and what is scored; cell-specific mixins (:mod:`.snu`) say which cells make the layers.
The engine (:mod:`._engine`) does the numerics.
"""

import contextlib
import copy
import inspect
import itertools
import threading
import time
import warnings
from abc import ABCMeta, abstractmethod
from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions
from sklearn.utils.multiclass import check_classification_targets
from threadpoolctl import ThreadpoolController

from . import __version__
from ._engine import OPTIMIZERS, Network, add_l2, calibrate_input_gain, clip_grad_norm, pcm
from ._engine.threads import numba_threads
from ._engine.workspace import recycle, workspace
from .exceptions import ConvergenceWarning, DivergenceWarning

# Prediction runs in chunks of this many samples to bound memory.
PREDICT_CHUNK = 1024
# batch_size="auto": spiking networks learn better from small batches than sklearn's 200.
AUTO_BATCH = 32
# Matrix products smaller than this (multiply-adds per batch and layer) run faster on one BLAS
# thread: the threads' start-up costs more than they save (measured: 10x on digits).
SMALL_GEMM = 5e7
# Batch used for the data-driven gain of spiking layers, and the share of states above
# threshold it aims at.
CALIBRATION_SAMPLES = 256
CALIBRATION_ROWS = 256 * 20
CALIBRATION_TARGET = 0.3

# threadpoolctl's limits are process-wide: when fits overlap in threads (joblib's threading
# backend, Dask), the one-BLAS-thread limit is set by the first of them and restored by the
# last, so an early finisher cannot restore a value that another fit had set. One controller
# serves the process (finding the libraries costs milliseconds; using them, microseconds).
_THREADS_LOCK = threading.Lock()
_THREADS = {"controller": None, "blas_users": 0, "blas_limiter": None}


def _controller():
    with _THREADS_LOCK:
        if _THREADS["controller"] is None:
            _THREADS["controller"] = ThreadpoolController()
        return _THREADS["controller"]


@contextlib.contextmanager
def _one_blas_thread():
    controller = _controller()
    with _THREADS_LOCK:
        if _THREADS["blas_users"] == 0:
            _THREADS["blas_limiter"] = controller.limit(limits=1, user_api="blas")
        _THREADS["blas_users"] += 1
    try:
        yield
    finally:
        with _THREADS_LOCK:
            _THREADS["blas_users"] -= 1
            if _THREADS["blas_users"] == 0:
                _THREADS["blas_limiter"].restore_original_limits()
                _THREADS["blas_limiter"] = None


def _openmp_limit():
    """The OpenMP thread limit in force (``threadpool_limits``, ``OMP_NUM_THREADS``) or None."""
    libs = _controller().select(user_api="openmp").lib_controllers
    return min((lib.num_threads for lib in libs), default=None)


class InputTypeError(ValueError, TypeError):
    """Input that cannot be converted to numbers (complex numbers, dicts in an object array).

    A ValueError, as every sksnn input error, and a TypeError, as scikit-learn's checks expect
    for such input (as its ``InvalidParameterError`` is both).
    """


def check_labels(y, name="y"):
    """Validate class labels (1-D): no NaN, inf or None, one type, binary or multiclass.

    Returns the sorted unique labels. scikit-learn's own checks would raise a TypeError for
    labels mixing strings and numbers and warn before rejecting NaN; this says what is wrong.
    """
    y = np.asarray(y)
    if y.dtype.kind in "fc" and not np.isfinite(y).all():
        raise ValueError(f"{name} holds NaN or infinite labels.")
    if y.dtype == object:
        if any(v is None for v in y):
            raise ValueError(f"{name} holds None labels.")
        if any(isinstance(v, float | np.floating) and not np.isfinite(v) for v in y):
            raise ValueError(f"{name} holds NaN or infinite labels.")
    try:
        check_classification_targets(y)
        return np.unique(y)
    except TypeError as exc:
        types = sorted({type(v).__name__ for v in y.ravel()})
        raise ValueError(
            f"{name} mixes labels of different types ({', '.join(types)}); use labels of one type."
        ) from exc


class VersionedState:
    """Mixin: the pickled state records the sksnn version; loading it under another warns.

    A model pickled before a parameter was added gets that parameter's default, so it can be
    cloned and trained further. (pickle, joblib and skops.io all go through
    ``__getstate__`` / ``__setstate__``.)
    """

    def __getstate__(self):
        state = super().__getstate__()
        state.setdefault("_sksnn_version", __version__)  # networks keep the fitting version
        return state

    def __setstate__(self, state):
        version = state.get("_sksnn_version")
        if version is not None and version != __version__:
            warnings.warn(
                f"This {type(self).__name__} was fitted with sksnn {version} and is loaded "
                f"with sksnn {__version__}; results may differ.",
                UserWarning,
                stacklevel=2,
            )
        super().__setstate__(state)
        for name, param in inspect.signature(type(self).__init__).parameters.items():
            if param.default is not param.empty and name not in self.__dict__:
                setattr(self, name, param.default)


class BaseNetwork(VersionedState, BaseEstimator, metaclass=ABCMeta):
    """Base of every sksnn estimator: owns the training loop.

    Subclasses define ``__init__`` (storing their parameters unchanged) and the hooks
    ``_prepare_fit``, ``_prepare_predict``, ``_batch``, ``_layout``, ``_make_cells`` and
    ``_validation_score``.
    """

    _parameter_constraints: dict = {
        "hidden_layer_sizes": ["array-like", Interval(Integral, 1, None, closed="left")],
        "solver": [StrOptions({"adam", "sgd"})],
        "learning_rate": [StrOptions({"constant", "adaptive"})],
        "learning_rate_init": [Interval(Real, 0, None, closed="neither")],
        "alpha": [Interval(Real, 0, None, closed="left")],
        "dropout": [Interval(Real, 0, 1, closed="left")],
        "batch_size": [StrOptions({"auto"}), Interval(Integral, 1, None, closed="left")],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "tol": [Interval(Real, 0, None, closed="left")],
        "n_iter_no_change": [Interval(Integral, 1, None, closed="left")],
        "early_stopping": ["boolean"],
        "validation_fraction": [Interval(Real, 0, 1, closed="left")],
        "shuffle": ["boolean"],
        "warm_start": ["boolean"],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
        "momentum": [Interval(Real, 0, 1, closed="both")],
        "nesterovs_momentum": ["boolean"],
        "beta_1": [Interval(Real, 0, 1, closed="left")],
        "beta_2": [Interval(Real, 0, 1, closed="left")],
        "epsilon": [Interval(Real, 0, None, closed="neither")],
        "max_grad_norm": [None, Interval(Real, 0, None, closed="neither")],
        "dtype": [StrOptions({"float32", "float64"})],
        "device": [None, HasMethods(["fit", "transform"])],
        "device_training": [StrOptions({"off", "noise", "in_loop"})],
        "callback": [None, callable],
    }

    # ------------------------------------------------------------------ hooks
    @abstractmethod
    def _prepare_fit(self, X, y, reset, classes=None):
        """Validate training data; return ``(data, fitted_attrs)`` without changing ``self``."""

    @abstractmethod
    def _prepare_predict(self, X):
        """Validate prediction input; return a data object for :meth:`_batch`."""

    @abstractmethod
    def _batch(self, data, idx, rng):
        """Time-major batch ``(X (T, B, F), Y, mask (T, B) or None)`` of samples ``idx``."""

    @abstractmethod
    def _layout(self):
        """``(sizes, n_out, readout, loss, readout_kwargs)`` of the network for fitted data."""

    @abstractmethod
    def _make_cells(self, n_layers):
        """``(cells, recurrent_flags, init_kwargs)`` for ``n_layers`` layers."""

    @abstractmethod
    def _steps_hint(self, data):
        """Typical number of time steps of a batch of ``data``."""

    @abstractmethod
    def _validation_score(self, data):
        """Score (higher is better) of the current model on held-out ``data``."""

    def _split_validation(self, data, rng):
        """Hold out ``validation_fraction`` of the samples (subclasses may stratify)."""
        n = data.n
        n_val = max(1, round(self.validation_fraction * n))
        if n - n_val < 1:
            raise ValueError(
                f"validation_fraction={self.validation_fraction} leaves no training sample "
                f"out of {n}; lower it or set early_stopping=False."
            )
        perm = rng.permutation(n)
        return data.subset(perm[n_val:]), data.subset(perm[:n_val])

    # ------------------------------------------------------------------ state
    @property
    def _dtype(self):
        return np.dtype(self.dtype)

    def _hidden_sizes(self):
        sizes = self.hidden_layer_sizes
        if not hasattr(sizes, "__iter__"):
            sizes = [sizes]
        sizes = list(sizes)
        if not sizes or not all(
            isinstance(s, Integral | np.integer) and not isinstance(s, bool) and s > 0
            for s in sizes
        ):
            raise ValueError(
                "hidden_layer_sizes must be a non-empty sequence of positive integers, got "
                f"{self.hidden_layer_sizes!r}."
            )
        return [int(s) for s in sizes]

    def _build_net(self):
        """The network for the current parameters: ``(net, sizes, n_out, init_kwargs)``."""
        sizes, n_out, readout, loss, readout_kwargs = self._layout()
        cells, recurrent, init_kwargs = self._make_cells(len(sizes) - 1)
        net = Network(
            cells, recurrent, readout=readout, loss=loss,
            train_threshold=getattr(self, "train_threshold", True),
            train_decay=getattr(self, "train_decay", False), readout_kwargs=readout_kwargs,
            dropout=self.dropout, spike_penalty=getattr(self, "spike_penalty", 0.0),
        )  # fmt: skip
        return net, sizes, n_out, init_kwargs

    def _initialize(self, rng, data):
        self.__dict__.pop("_device_arrays", None)  # in-the-loop devices of an earlier fit
        net, sizes, n_out, init_kwargs = self._build_net()
        self._net = net
        self._params = net.init(rng, sizes, n_out=n_out, dtype=self._dtype, **init_kwargs)
        self._calibrate(data, rng)
        self._init_optimizer()
        self.n_iter_ = 0
        self.t_ = 0
        self.loss_ = np.nan  # until an epoch completes
        self.loss_curve_ = []
        self.history_ = []
        self.firing_rates_ = np.full(len(sizes) - 1, np.nan)
        self._sksnn_version = __version__
        self._reset_best()
        self._expose()

    def _reset_best(self):
        """Start the best-so-far bookkeeping of a fit (early stopping, divergence restore)."""
        self._no_improvement_count = 0
        self._best_loss = np.inf
        self.best_loss_ = None if self.early_stopping else np.inf
        self.validation_scores_ = [] if self.early_stopping else None
        self.best_validation_score_ = -np.inf if self.early_stopping else None
        self._best_params = copy.deepcopy(self._params)

    def _continue(self, incremental):
        """Prepare a warm-start fit or a later ``partial_fit`` call.

        The cells are rebuilt from the current parameters (so a changed surrogate, slope,
        activation or ``soft`` takes effect); parameters that would change the weights' shapes
        or dtype raise a clear error. ``fit`` with ``warm_start`` starts a new optimizer, as
        scikit-learn's MLP does; ``partial_fit`` keeps it unless the trained set changed.
        """
        net, sizes, n_out, _ = self._build_net()
        wanted = net.init(np.random.default_rng(0), sizes, n_out=n_out, dtype=self._dtype)
        have = self._params

        def shapes(tree):
            layers = [*tree[0], tree[1]]
            return [sorted((k, v.shape, v.dtype.str) for k, v in d.items()) for d in layers]

        if shapes(wanted) != shapes(have):
            how = "partial_fit" if incremental else "warm_start=True"
            raise ValueError(
                f"{how} continues the fitted network, but hidden_layer_sizes, recurrent, dtype "
                "or the data's features/outputs no longer match its weights. Set "
                "warm_start=False or call fit to start a new network."
            )
        keys_changed = net.keys(have) != self._net.keys(have)
        self._net = net
        if not incremental or keys_changed:
            self._init_optimizer()
        if not incremental:
            self._reset_best()

    def _calibrate(self, data, rng):
        """Data-driven gain of the input weights of every spiking hidden layer."""
        # up to 256 samples, and at most 256 x 20 (sample, step) rows: long sequences use
        # fewer samples (the pass holds every layer's states in memory)
        steps = self._steps_hint(data)
        n = max(8, min(CALIBRATION_SAMPLES, CALIBRATION_ROWS // max(steps, 1)))
        idx = rng.permutation(data.n)[:n]
        H, _, _ = self._batch(data, idx, rng)
        H = H[self._windows(H.shape[0])[0]]  # the first window is sample enough
        n_hidden = len(self._hidden_sizes())
        self.input_gains_ = []
        for i, (cell, p) in enumerate(zip(self._net.cells, self._params[0])):
            # output layers of spiking units are calibrated only when their cell asks for it
            # (an SRC output layer is silent at first; an SNU's is not)
            output = i >= n_hidden
            if getattr(cell, "spiking", False) and (
                not output or getattr(cell, "calibrate_output", False)
            ):
                target = getattr(cell, "calibration_target", CALIBRATION_TARGET)
                self.input_gains_.append(calibrate_input_gain(cell, p, H, target))
            if i + 1 < len(self._net.cells):  # the next layer's input
                H, _ = cell.forward(p, H)

    def _thread_limits(self, n_rows):
        """Context for a fit or a prediction: BLAS and Numba threads, restored on exit.

        Small products run on one BLAS thread. The engine's Numba thread budget, the caller's
        ``numba.get_num_threads()``, is capped by ``NUMBA_NUM_THREADS`` (which joblib's
        process workers set to their share of the cores, or to ``inner_max_num_threads``) and
        by the OpenMP limit in force (``threadpoolctl.threadpool_limits``, ``OMP_NUM_THREADS``,
        which Dask's workers set to 1).
        """
        sizes = [self.n_features_in_, *self._hidden_sizes()]
        largest = max(a * b for a, b in itertools.pairwise(sizes)) * n_rows
        stack = contextlib.ExitStack()
        if largest < SMALL_GEMM:
            stack.enter_context(_one_blas_thread())
        stack.enter_context(numba_threads(limit=_openmp_limit()))
        return stack

    def _init_optimizer(self):
        flat = self._net.flat(self._params)
        if self.solver == "adam":
            self._optimizer = OPTIMIZERS["adam"](
                flat, self.learning_rate_init, self.beta_1, self.beta_2, self.epsilon
            )
        else:
            self._optimizer = OPTIMIZERS["sgd"](
                flat, self.learning_rate_init, self.momentum, self.nesterovs_momentum
            )

    def _expose(self):
        """Publish the fitted attributes (views of the engine's parameter arrays)."""
        layers, readout = self._params
        self.coefs_ = [p["W"] for p in layers] + ([readout["W"]] if "W" in readout else [])
        self.recurrent_coefs_ = [p.get("H") for p in layers]
        self.thresholds_ = [p["threshold"] for p in layers if "threshold" in p]
        self.decays_ = [p["decay"] for p in layers if "decay" in p]
        # biases: -threshold of spiking layers, b of the baselines, then the readout's
        self.intercepts_ = [
            p["b"] if "b" in p else -p["threshold"] for p in layers if "b" in p or "threshold" in p
        ] + ([readout["b"]] if "b" in readout else [])

    def _restore(self, snapshot):
        """Copy a parameter snapshot into the live arrays (references stay valid)."""
        for live, saved in zip(self._params[0], snapshot[0]):
            for k in live:
                np.copyto(live[k], saved[k])
        for k in self._params[1]:
            np.copyto(self._params[1][k], snapshot[1][k])
        self._expose()

    # ------------------------------------------------------------------ training
    def _fit(self, X, y, incremental=False, classes=None):
        if self.device_training != "off" and not hasattr(self.device, "_device_params"):
            raise ValueError(
                f"device_training={self.device_training!r} needs device=PCMDeviceTransformer(...);"
                f" got device={self.device!r}."
            )
        fitted = hasattr(self, "_params")
        first = not fitted or not (incremental or self.warm_start)
        # a failed call leaves the estimator exactly as it was (fitted or not). The fitted
        # state is copied in one go, keeping its arrays shared (coefs_ are views of _params);
        # the parameters (a callback, a device) are never changed by fit and are not copied.
        params = self.get_params(deep=False)
        state = {k: v for k, v in self.__dict__.items() if k not in params}
        state = copy.deepcopy(state) if fitted else state
        backup = {k: state.get(k, v) for k, v in self.__dict__.items()}
        try:
            data, attrs = self._prepare_fit(X, y, reset=first, classes=classes)
            for key, value in attrs.items():
                setattr(self, key, value)
            with self._thread_limits(self._steps_hint(data) * min(data.n, 200)):
                if first:
                    seed = check_random_state(self.random_state).randint(np.iinfo(np.int32).max)
                    self._rng = np.random.default_rng(seed)
                    self._predict_seed = int(self._rng.integers(np.iinfo(np.int32).max))
                    self._initialize(self._rng, data)
                else:
                    self._continue(incremental)
                self._train(data, incremental)
        except BaseException:  # Ctrl-C inside _train is handled there; this is setup or errors
            self.__dict__.clear()
            self.__dict__.update(backup)
            raise
        return self

    def _train(self, data, incremental):
        """Run the epochs; dropout and cells with training noise draw from the estimator's
        generator during this call only (never in prediction or calibration)."""
        noisy = [cell for cell in self._net.cells if hasattr(cell, "noise_rng")]
        for cell in noisy:
            cell.noise_rng = self._rng
        self._net.dropout_rng = self._rng
        try:
            with workspace():  # the steps' large temporaries are reused (see recycle below)
                self._run_epochs(data, incremental)
        finally:
            for cell in noisy:
                cell.noise_rng = None
            self._net.dropout_rng = None

    def _run_epochs(self, data, incremental):
        rng = self._rng
        if self.early_stopping and not incremental:
            train, val = self._split_validation(data, rng)
        else:
            train, val = data, None
        n = train.n
        if self.batch_size == "auto":
            batch_size = min(AUTO_BATCH, n)
        else:
            if self.batch_size > n and not incremental:
                warnings.warn(
                    f"Got batch_size={self.batch_size} larger than the {n} training samples; "
                    "using all samples in each batch.",
                    UserWarning,
                    stacklevel=4,
                )
            batch_size = int(np.clip(self.batch_size, 1, n))
        net, params, opt = self._net, self._params, self._optimizer
        flat = net.flat(params)
        is_weight = net.is_weight(params)
        max_iter = 1 if incremental else self.max_iter
        try:
            for _ in range(max_iter):
                start = time.perf_counter()
                order = rng.permutation(n) if self.shuffle else np.arange(n)
                total, weight, rates, diverged = 0.0, 0.0, None, False
                for s in range(0, n, batch_size):
                    idx = order[s : s + batch_size]
                    Xb, Yb, Mb = self._batch(train, idx, rng)
                    states = None
                    # one update per window of bptt_steps steps (truncated BPTT), the layers'
                    # states carried from one window to the next; one window without it
                    for w in self._windows(Xb.shape[0]):
                        Mw = None if Mb is None else Mb[w]
                        if Mw is not None and not Mw.any():
                            break  # only padding left in this batch
                        recycle()  # the last step's temporaries are free again
                        seen = self._training_params(rng)  # device weights, or params itself
                        final = []
                        Yw = Yb if w == slice(None) else Yb[w]
                        loss, grads, batch_rates = net.loss_grad(
                            seen, Xb[w], Yw, Mw, states, final
                        )
                        states = final
                        # the loss is a mean over samples (or over valid steps, for sequences)
                        terms = len(idx) if Mw is None else float(Mw.sum())
                        g = net.flat(params, grads)
                        loss += add_l2(flat, g, is_weight, self.alpha / terms)
                        norm = clip_grad_norm(g, self.max_grad_norm)
                        if not (np.isfinite(loss) and np.isfinite(norm)):
                            diverged = True
                            break
                        opt.update_params(flat, g)
                        net.project(params)
                        self._after_update(rng)
                        total += loss * terms
                        weight += terms
                        r = np.asarray(batch_rates) * terms
                        rates = r if rates is None else rates + r
                    if diverged:
                        break
                    self.t_ += len(idx)
                if diverged or not all(np.isfinite(p).all() for p in flat):
                    self._diverged()
                    break
                self.n_iter_ += 1
                self.loss_ = total / weight
                self.loss_curve_.append(self.loss_)
                self.firing_rates_ = rates / weight
                record = {
                    "epoch": self.n_iter_,
                    "loss": self.loss_,
                    "firing_rates": self.firing_rates_.tolist(),
                }
                if val is not None:
                    score = self._validation_score(val)
                    self.validation_scores_.append(score)
                    record["validation_score"] = score
                record["seconds"] = time.perf_counter() - start
                self.history_.append(record)
                if self.verbose:
                    msg = f"Iteration {self.n_iter_}, loss = {self.loss_:.8f}"
                    if val is not None:
                        msg += f", validation score = {record['validation_score']:.6f}"
                    print(msg)
                stop = self._stop_early(val is not None)
                if self.callback is not None and self.callback(self, dict(record)):
                    stop = True
                if stop:
                    break
            else:
                if not incremental:
                    warnings.warn(
                        f"Stochastic optimizer: maximum iterations ({self.max_iter}) reached "
                        "and the optimization hasn't converged yet.",
                        ConvergenceWarning,
                        stacklevel=4,
                    )
        except KeyboardInterrupt:
            warnings.warn(
                "Training interrupted by the user; the model keeps the weights of the last "
                "completed update" + (" (best validation weights)" if val is not None else ""),
                UserWarning,
                stacklevel=4,
            )
        if val is not None:
            self._restore(self._best_params)
        self._expose()

    def _stop_early(self, use_validation):
        """Update the best-so-far bookkeeping; return True when training should stop."""
        if use_validation:
            score = self.validation_scores_[-1]
            if score < self.best_validation_score_ + self.tol:
                self._no_improvement_count += 1
            else:
                self._no_improvement_count = 0
            if score > self.best_validation_score_:
                self.best_validation_score_ = score
                self._best_params = copy.deepcopy(self._params)
        else:
            if self.loss_ > self._best_loss - self.tol:
                self._no_improvement_count += 1
            else:
                self._no_improvement_count = 0
            if self.loss_ < self._best_loss:
                self._best_loss = self.loss_
                self._best_params = copy.deepcopy(self._params)
                if self.best_loss_ is not None:
                    self.best_loss_ = self._best_loss
        if (
            self.learning_rate == "adaptive"
            and self._no_improvement_count > 2
            and self._optimizer.learning_rate >= 1e-6
        ):
            # scikit-learn's "adaptive" schedule: divide by 5 after two epochs without
            # improvement; stop once the step is negligible
            self._optimizer.learning_rate /= 5.0
            self._no_improvement_count = 0
            if self.verbose:
                print(f"Setting learning rate to {self._optimizer.learning_rate:.6g}")
            return self._optimizer.learning_rate < 1e-6
        if self._no_improvement_count > self.n_iter_no_change:
            what = "Validation score" if use_validation else "Training loss"
            if self.verbose:
                print(
                    f"{what} did not improve more than tol={self.tol} for "
                    f"{self.n_iter_no_change} consecutive epochs. Stopping."
                )
            return True
        return False

    def _diverged(self):
        self._restore(self._best_params)
        self._init_optimizer()
        warnings.warn(
            f"Training diverged at epoch {self.n_iter_ + 1} (non-finite loss or gradient); "
            "stopped and restored the best weights seen. Lower learning_rate_init or set "
            "max_grad_norm.",
            DivergenceWarning,
            stacklevel=5,
        )

    # ------------------------------------------------------------------ inference
    def _weight_slots(self):
        """``(where, name)`` of every synaptic matrix: layer index (or -1: readout) and key."""
        layers = self._params[0]
        slots = [
            (i, name)
            for i, (cell, p) in enumerate(zip(self._net.cells, layers))
            for name in cell.weight_names
            if name in p
        ]
        return slots + [(-1, name) for name in self._net.readout.weight_names]

    @staticmethod
    def _replace(params, replacements):
        """A shallow copy of ``params`` with some arrays replaced (the originals untouched)."""
        layers = [dict(p) for p in params[0]]
        readout = dict(params[1])
        for (i, name), value in replacements.items():
            (readout if i == -1 else layers[i])[name] = value
        return layers, readout

    def _inference_params(self):
        """The parameters used for prediction: the device's weights when ``device`` is set."""
        if self.device is None:
            return self._params
        from sklearn.base import clone

        seed = getattr(self.device, "random_state", None)
        base = self._predict_seed if seed is None else check_random_state(seed).randint(2**31)
        replacements = {}
        for k, (i, name) in enumerate(self._weight_slots()):
            W = (self._params[1] if i == -1 else self._params[0][i])[name]
            child = int(np.random.SeedSequence([base, k]).generate_state(1)[0] >> 1)
            dev = clone(self.device)
            if "random_state" in dev.get_params():
                dev.set_params(random_state=child)
            replacements[(i, name)] = np.asarray(dev.fit_transform(W), dtype=W.dtype)
        return self._replace(self._params, replacements)

    def _training_params(self, rng):
        """The parameters seen by a training step's forward pass (device-aware training)."""
        mode = self.device_training
        if mode == "off":
            return self._params
        p = self.device._device_params()
        replacements = {}
        for i, name in self._weight_slots():
            W = (self._params[1] if i == -1 else self._params[0][i])[name]
            if mode == "noise":
                comp = self.device.drift_compensation
                replacements[(i, name)] = pcm.noisy_weights(
                    W, rng, p, float(self.device.t_inference), bool(comp), comp == "column"
                )
            else:  # in_loop
                arrays = self.__dict__.setdefault("_device_arrays", {})
                if (i, name) not in arrays:
                    arrays[(i, name)] = pcm.InLoopArray(W, rng, p)
                replacements[(i, name)] = arrays[(i, name)].read(rng, W.dtype)
        return self._replace(self._params, replacements)

    def _after_update(self, rng):
        """In-the-loop training: re-program the devices whose weights moved far enough."""
        if self.device_training == "in_loop":
            for (i, name), array in self._device_arrays.items():
                array.update((self._params[1] if i == -1 else self._params[0][i])[name], rng)

    def _windows(self, n_steps):
        """Time slices of one update: windows of ``bptt_steps`` steps, or the whole sequence."""
        k = getattr(self, "bptt_steps", None)
        if k is None or k >= n_steps:
            return [slice(None)]
        return [slice(lo, lo + k) for lo in range(0, n_steps, k)]

    def _outputs(self, data):
        """Network outputs (after the loss link) for all samples of ``data``, in order."""
        params = self._inference_params()
        rng = np.random.default_rng(self._predict_seed)
        outs = []
        with self._thread_limits(self._steps_hint(data) * min(data.n, PREDICT_CHUNK)), workspace():
            for s in range(0, data.n, PREDICT_CHUNK):
                recycle()  # the last chunk's temporaries are free again
                idx = np.arange(s, min(s + PREDICT_CHUNK, data.n))
                Xb, _, _ = self._batch(data, idx, rng)
                window = getattr(self, "bptt_steps", None)
                outs.append(self._net.predict_output(params, Xb, window))
        return outs

    def _check_range(self, X, name="X"):
        """Raise a ValueError when ``X`` holds values too large for the network's dtype.

        The limit is the square root of the dtype's largest value (1.8e19 for float32,
        1.3e154 for float64), so that products and squares of such values stay finite.
        """
        limit = float(np.sqrt(np.finfo(self._dtype).max))
        X = np.asarray(X)
        largest = float(np.max(np.abs(X))) if X.size else 0.0
        if largest > limit:
            raise ValueError(
                f"{name} holds values up to {largest:.3g}, more than dtype={self.dtype!r} "
                f"computations allow ({limit:.3g}); scale them (e.g. StandardScaler) or set "
                "dtype='float64'."
            )

    @contextlib.contextmanager
    def _overflow_guard(self):
        """Context for a public prediction or score: overflow to a clear ValueError.

        An overflow inside saturating units (a spike, a sigmoid at 0 or 1) is harmless and
        silenced; an invalid value (inf - inf) means the input was too large for the
        computation, which is an error, not a prediction.
        """
        try:
            with np.errstate(over="ignore", invalid="raise"):
                yield
        except FloatingPointError as exc:
            raise ValueError(self._overflow_message()) from exc

    def _overflow_message(self):
        return (
            f"X is too large for {self.dtype} computations with the fitted weights: the "
            "network's values overflow. Scale the features (e.g. StandardScaler) or set "
            "dtype='float64'."
        )

    def _predict_outputs(self, data):
        """:meth:`_outputs` for a public prediction: finite, or a ValueError."""
        with self._overflow_guard():
            outs = self._outputs(data)
        if not all(np.isfinite(o).all() for o in outs):
            raise ValueError(self._overflow_message())
        return outs

    def record(self, X):
        """Record every layer's outputs (spikes) and membrane states for ``X``.

        Parameters
        ----------
        X : array-like
            Input in the same form as for ``predict``.

        Returns
        -------
        list of dict
            One dict per layer, arrays of shape (n_samples, n_steps, n_units), zero beyond
            each sequence's end: ``"spikes"`` and ``"membrane"`` for spiking layers (for an
            SRC, ``"membrane"`` is the fast variable :math:`h` and ``"slow"`` the slow one),
            ``"hidden"`` (and ``"cell"`` for the LSTM) for the baselines, ``"rates"`` (Hz,
            one step) for soft-LIF layers.
        """
        self._check_fitted()
        data = self._prepare_predict(X)
        rng = np.random.default_rng(self._predict_seed)
        Xb, _, mask = self._batch(data, np.arange(data.n), rng)
        _, caches = self._net.forward(self._inference_params(), Xb, train=False)
        keep = 1.0 if mask is None else mask.T[:, :, None]
        out = []
        for cell, cache in zip(self._net.cells, caches[:-1]):
            states = cell.states(cache)
            out.append({k: v.transpose(1, 0, 2) * keep for k, v in states.items()})
        return out

    def _check_fitted(self):
        from sklearn.utils.validation import check_is_fitted

        check_is_fitted(self, "_params")

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.three_d_array = True
        tags.non_deterministic = False
        return tags
