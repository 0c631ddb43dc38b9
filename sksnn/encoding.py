r"""Encodings: how a static feature vector becomes a sequence of ``n_steps`` inputs.

All functions take ``X`` of shape (n_samples, n_features) and return an array of shape
(n_samples, n_steps, n_features), the 3-D layout every sksnn estimator accepts.

``current``
    The features are presented unchanged at every step, as a constant input current
    :math:`x_t = x`. Deterministic; accepts any real values.
``rate``
    Each feature :math:`x \in [0, 1]` emits an independent Bernoulli spike at each step with
    probability :math:`p = x \cdot m / T` (:math:`m` = ``max_spikes``, :math:`T` = ``n_steps``),
    about :math:`m x` spikes in all (the SNU paper: :math:`T = 20, m = 6`). The default
    :math:`m = T` gives :math:`p = x`.
``latency``
    Each feature :math:`x \in [0, 1]` emits one spike, earlier for larger values, at step
    :math:`\mathrm{round}((1 - x)(T - 1))`; a feature equal to 0 stays silent.
"""

import numpy as np

ENCODINGS = ("current", "rate", "latency")


def _check_unit_interval(X, name):
    if X.size and (np.min(X) < 0 or np.max(X) > 1):
        raise ValueError(
            f"{name} encoding needs features in [0, 1]; got values in "
            f"[{np.min(X):.3g}, {np.max(X):.3g}]. Scale them first, e.g. with MinMaxScaler, "
            "or use encoding='current'."
        )


def check_encodable(X, encoding):
    """Raise a clear ValueError when ``X`` cannot be encoded with ``encoding``."""
    if encoding not in ENCODINGS:
        raise ValueError(f"Unknown encoding {encoding!r}; valid names are {list(ENCODINGS)}.")
    if encoding != "current":
        _check_unit_interval(np.asarray(X), encoding)


def current_encode(X, n_steps):
    """Present ``X`` unchanged at each of ``n_steps`` steps."""
    X = np.asarray(X)
    return np.repeat(X[:, None, :], n_steps, axis=1)


def rate_encode(X, n_steps, max_spikes=None, random_state=None):
    """Bernoulli rate coding with probability ``x * max_spikes / n_steps`` per step.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
        Features in [0, 1].
    n_steps : int
        Number of time steps.
    max_spikes : float, optional
        Expected number of spikes of a feature equal to 1 (at most ``n_steps``); default
        ``n_steps``.
    random_state : int, numpy.random.Generator or None
        Source of the spikes.

    Returns
    -------
    ndarray of shape (n_samples, n_steps, n_features)
        0/1 spikes, dtype of ``X`` if floating, else float64.

    Notes
    -----
    The uniform draws behind the spikes are float32 when ``X`` is float32 (half the memory
    traffic of float64; probabilities are resolved to 2**-24) and float64 otherwise; the
    comparison is written into the array of draws, so the call allocates only its result.
    For the SNU paper's temporal MNIST use ``n_steps=20, max_spikes=6`` on pixels in [0, 1]
    (:func:`sksnn.datasets.load_mnist`).

    Examples
    --------
    >>> import numpy as np
    >>> from sksnn.encoding import rate_encode
    >>> X = np.array([[0.0, 0.5, 1.0]], dtype=np.float32)
    >>> S = rate_encode(X, n_steps=20, max_spikes=6, random_state=0)
    >>> S.shape, S.dtype, S[0, :, 0].sum()
    ((1, 20, 3), dtype('float32'), np.float32(0.0))
    """
    X = np.asarray(X)
    if not np.issubdtype(X.dtype, np.floating):
        X = X.astype(np.float64)
    _check_unit_interval(X, "rate")
    m = n_steps if max_spikes is None else float(max_spikes)
    if not 0 < m <= n_steps:
        raise ValueError(f"max_spikes must be in (0, n_steps={n_steps}]; got {max_spikes}.")
    rng = np.random.default_rng(random_state)
    draw = np.float32 if X.dtype == np.float32 else np.float64
    p = (X * (m / n_steps)).astype(draw, copy=False)
    u = rng.random((X.shape[0], n_steps, X.shape[1]), dtype=draw)
    np.less(u, p[:, None, :], out=u)  # spikes as 0.0 / 1.0, in place
    return u.astype(X.dtype, copy=False)


def latency_encode(X, n_steps):
    """One spike per feature at step ``round((1 - x) (n_steps - 1))``; zero stays silent."""
    X = np.asarray(X)
    if not np.issubdtype(X.dtype, np.floating):
        X = X.astype(np.float64)
    _check_unit_interval(X, "latency")
    out = np.zeros((X.shape[0], n_steps, X.shape[1]), dtype=X.dtype)
    steps = np.rint((1.0 - X) * (n_steps - 1)).astype(np.intp)
    n, f = np.nonzero(X > 0)
    out[n, steps[n, f], f] = 1.0
    return out


def encode(X, encoding, n_steps, random_state=None):
    """Encode ``X`` (n_samples, n_features) with the named encoding."""
    if encoding == "current":
        return current_encode(X, n_steps)
    if encoding == "rate":
        return rate_encode(X, n_steps, random_state=random_state)
    if encoding == "latency":
        return latency_encode(X, n_steps)
    raise ValueError(f"Unknown encoding {encoding!r}; valid names are {list(ENCODINGS)}.")
