"""Slow, obvious pure-NumPy reference for the SNU / sSNU layer (forward and BPTT).

This module is a test oracle for the fast engine in ``sksnn._engine``. It does not import
sksnn; it is written for clarity, with plain Python loops over time steps.

Model (Woźniak et al. 2020, see ``SPEC.md`` section 1), per layer and time step ``t``
(``⊙`` elementwise, state and output zero before the first step)::

    r_{t-1} = 1 - y_{t-1}                                (reset factor)
    v_t     = x_t @ W  [+ y_{t-1} @ H]  + decay ⊙ s_{t-1} ⊙ r_{t-1}
    s_t     = g(v_t)                                     (carried state, post-activation)
    u_t     = s_t - threshold
    y_t     = h(u_t)

Lateral-inhibition variant: ``r_{t-1}[b, :] = 1 - max_j y_{t-1}[b, j]`` (one scalar per
sample, broadcast over units).

Shapes: ``x`` is ``(T, B, n_in)`` (time-major), ``W`` is ``(n_in, n)``, ``H`` is ``(n, n)`` or
``None`` (feed-forward), ``threshold`` and ``decay`` are ``(n,)``; ``S`` and ``Y`` are
``(T, B, n)``.

- ``g`` (activation): ``"relu"`` = max(v, 0), ``"identity"``, ``"leaky_relu"`` = v if v > 0
  else 0.01 v.
- SNU (``soft=False``): ``h`` is the Heaviside step, 1 if u > 0 else 0 (strict). The backward
  pass replaces ``h'`` by a surrogate derivative of ``u`` with slope ``k``:

  ==================  ==========================================
  tanh                k (1 - tanh(k u)^2)
  sigmoid             k σ(k u) (1 - σ(k u))
  fast_sigmoid        1 / (1 + k |u|)^2
  atan                (k / 2) / (1 + (π k u / 2)^2)
  triangle            max(0, 1 - k |u|) k
  straight_through    1
  ==================  ==========================================

- sSNU (``soft=True``): ``h`` is the logistic sigmoid σ, with its exact derivative σ (1 - σ);
  the surrogate is ignored.

Gradients flow through everything: the input and recurrent terms, the reset factor
``1 - y_{t-1}`` (through ``h'`` or the surrogate of ``y_{t-1}``), the threshold and the decay.
In the lateral variant the gradient of ``max_j y`` goes to the first argmax (``np.argmax``).
"""

import numpy as np

SURROGATE_NAMES = ("tanh", "sigmoid", "fast_sigmoid", "atan", "triangle", "straight_through")
ACTIVATION_NAMES = ("relu", "identity", "leaky_relu")
LEAKY_SLOPE = 0.01


def _float_dtype(*arrays):
    """Common floating dtype of the given arrays (float64 if none is floating)."""
    dtype = np.result_type(*[np.asarray(a) for a in arrays if a is not None])
    if not np.issubdtype(dtype, np.floating):
        dtype = np.dtype(np.float64)
    return dtype


def ref_sigmoid(u):
    """Logistic sigmoid ``1 / (1 + exp(-u))``, computed without overflow.

    Parameters
    ----------
    u : ndarray
        Input array.

    Returns
    -------
    ndarray
        σ(u), same dtype as ``u`` (float64 if ``u`` is not floating).
    """
    u = np.asarray(u)
    if not np.issubdtype(u.dtype, np.floating):
        u = u.astype(np.float64)
    e = np.exp(-np.abs(u))  # in (0, 1], never overflows
    return np.where(u >= 0, 1.0 / (1.0 + e), e / (1.0 + e)).astype(u.dtype)


def ref_surrogate(name, u, k):
    """Surrogate derivative of the Heaviside step, elementwise.

    Parameters
    ----------
    name : str
        One of :data:`SURROGATE_NAMES`.
    u : ndarray
        Argument of the step, ``s - threshold``.
    k : float
        Slope (sharpness) parameter.

    Returns
    -------
    ndarray
        The surrogate ``h'(u)``, same shape and dtype as ``u``.
    """
    u = np.asarray(u)
    if not np.issubdtype(u.dtype, np.floating):
        u = u.astype(np.float64)
    k = u.dtype.type(k)
    if name == "tanh":
        out = k * (1.0 - np.tanh(k * u) ** 2)
    elif name == "sigmoid":
        sig = ref_sigmoid(k * u)
        out = k * sig * (1.0 - sig)
    elif name == "fast_sigmoid":
        out = 1.0 / (1.0 + k * np.abs(u)) ** 2
    elif name == "atan":
        out = (k / 2.0) / (1.0 + (np.pi * k * u / 2.0) ** 2)
    elif name == "triangle":
        out = np.maximum(0.0, 1.0 - k * np.abs(u)) * k
    elif name == "straight_through":
        out = np.ones_like(u)
    else:
        raise ValueError(f"unknown surrogate {name!r}; expected one of {SURROGATE_NAMES}")
    return np.asarray(out, dtype=u.dtype)


def ref_activation(name, v):
    """Activation ``g(v)``, elementwise.

    Parameters
    ----------
    name : str
        One of :data:`ACTIVATION_NAMES`.
    v : ndarray
        Pre-activation.

    Returns
    -------
    ndarray
        ``g(v)``, same dtype as ``v``.
    """
    v = np.asarray(v)
    if name == "relu":
        out = np.where(v > 0, v, 0.0)
    elif name == "identity":
        out = v.copy()
    elif name == "leaky_relu":
        out = np.where(v > 0, v, LEAKY_SLOPE * v)
    else:
        raise ValueError(f"unknown activation {name!r}; expected one of {ACTIVATION_NAMES}")
    return np.asarray(out, dtype=v.dtype)


def ref_activation_grad(name, v):
    """Derivative ``g'(v)``, elementwise (the value at ``v == 0`` is that of ``v < 0``).

    Parameters
    ----------
    name : str
        One of :data:`ACTIVATION_NAMES`.
    v : ndarray
        Pre-activation.

    Returns
    -------
    ndarray
        ``g'(v)``, same dtype as ``v``.
    """
    v = np.asarray(v)
    if name == "relu":
        out = np.where(v > 0, 1.0, 0.0)
    elif name == "identity":
        out = np.ones_like(v)
    elif name == "leaky_relu":
        out = np.where(v > 0, 1.0, LEAKY_SLOPE)
    else:
        raise ValueError(f"unknown activation {name!r}; expected one of {ACTIVATION_NAMES}")
    return np.asarray(out, dtype=v.dtype)


def _check_and_cast(x, W, H, threshold, decay):
    """Validate shapes and cast everything to one floating dtype."""
    dtype = _float_dtype(x, W, H, threshold, decay)
    x = np.asarray(x, dtype=dtype)
    W = np.asarray(W, dtype=dtype)
    threshold = np.asarray(threshold, dtype=dtype)
    decay = np.asarray(decay, dtype=dtype)
    if x.ndim != 3:
        raise ValueError(f"x must be (T, B, n_in), got shape {x.shape}")
    if W.ndim != 2 or W.shape[0] != x.shape[2]:
        raise ValueError(f"W must be (n_in={x.shape[2]}, n), got shape {W.shape}")
    n = W.shape[1]
    if H is not None:
        H = np.asarray(H, dtype=dtype)
        if H.shape != (n, n):
            raise ValueError(f"H must be ({n}, {n}) or None, got shape {H.shape}")
    if threshold.shape != (n,):
        raise ValueError(f"threshold must be ({n},), got shape {threshold.shape}")
    if decay.shape != (n,):
        raise ValueError(f"decay must be ({n},), got shape {decay.shape}")
    return x, W, H, threshold, decay


def ref_snu_forward_trace(x, W, H, threshold, decay, *, soft, activation="relu", lateral=False):
    """Forward pass keeping every intermediate quantity.

    Parameters
    ----------
    x, W, H, threshold, decay
        See the module docstring; ``H`` may be None.
    soft : bool
        True for the sSNU (sigmoid output), False for the SNU (step output).
    activation : str
        Name of ``g``.
    lateral : bool
        Use the lateral-inhibition reset ``1 - max_j y_{t-1, j}``.

    Returns
    -------
    dict
        ``V`` (pre-activation), ``S`` (state), ``U`` (``S - threshold``), ``Y`` (output),
        ``R`` (reset factor used at step t, broadcast to ``(T, B, n)``), and ``argmax``
        (``(T, B)`` int, the unit of ``y_{t-1}`` giving the max; only meaningful if lateral).
    """
    x, W, H, threshold, decay = _check_and_cast(x, W, H, threshold, decay)
    T, B, _ = x.shape
    n = W.shape[1]
    dtype = x.dtype
    V = np.zeros((T, B, n), dtype=dtype)
    S = np.zeros((T, B, n), dtype=dtype)
    U = np.zeros((T, B, n), dtype=dtype)
    Y = np.zeros((T, B, n), dtype=dtype)
    R = np.zeros((T, B, n), dtype=dtype)
    argmax = np.zeros((T, B), dtype=np.intp)

    s_prev = np.zeros((B, n), dtype=dtype)
    y_prev = np.zeros((B, n), dtype=dtype)
    for t in range(T):
        if lateral:
            argmax[t] = np.argmax(y_prev, axis=1)
            m = y_prev.max(axis=1)  # (B,)
            r = np.broadcast_to((1.0 - m)[:, None], (B, n)).astype(dtype)
        else:
            r = 1.0 - y_prev
        v = x[t] @ W
        if H is not None:
            v = v + y_prev @ H
        v = v + decay * s_prev * r
        s = ref_activation(activation, v)
        u = s - threshold
        if soft:
            y = ref_sigmoid(u)
        else:
            y = (u > 0).astype(dtype)

        V[t], S[t], U[t], Y[t], R[t] = v, s, u, y, r
        s_prev, y_prev = s, y
    return dict(V=V, S=S, U=U, Y=Y, R=R, argmax=argmax)


def ref_snu_forward(x, W, H, threshold, decay, *, soft, activation="relu", lateral=False):
    """Forward pass of one SNU / sSNU layer.

    Parameters
    ----------
    x : ndarray of shape (T, B, n_in)
        Inputs, time-major.
    W : ndarray of shape (n_in, n)
        Input weights.
    H : ndarray of shape (n, n) or None
        Recurrent weights on ``y_{t-1}``; None for feed-forward.
    threshold, decay : ndarray of shape (n,)
        Threshold θ and per-step decay ``l(τ)``.
    soft : bool
        True for the sSNU (sigmoid output), False for the SNU (step output).
    activation : str
        Name of ``g``: ``"relu"``, ``"identity"`` or ``"leaky_relu"``.
    lateral : bool
        Use the lateral-inhibition reset ``1 - max_j y_{t-1, j}``.

    Returns
    -------
    S, Y : ndarray of shape (T, B, n)
        Post-``g`` states and outputs.
    """
    tr = ref_snu_forward_trace(
        x, W, H, threshold, decay, soft=soft, activation=activation, lateral=lateral
    )
    return tr["S"], tr["Y"]


def ref_snu_backward(
    x,
    W,
    H,
    threshold,
    decay,
    dY,
    *,
    soft,
    activation="relu",
    lateral=False,
    surrogate="tanh",
    slope=1.0,
):
    """Backpropagation through time for one SNU / sSNU layer.

    Parameters
    ----------
    x, W, H, threshold, decay, soft, activation, lateral
        As in :func:`ref_snu_forward`.
    dY : ndarray of shape (T, B, n)
        Gradient of a scalar loss with respect to ``Y`` from outside the layer (direct
        dependence only; the dependence through later steps of the layer is added here).
    surrogate : str
        Surrogate derivative of the step (SNU only), one of :data:`SURROGATE_NAMES`.
    slope : float
        Slope ``k`` of the surrogate.

    Returns
    -------
    dict
        ``dx`` (T, B, n_in), ``dW`` (n_in, n), ``dH`` (n, n) or None, ``dthreshold`` (n,),
        ``ddecay`` (n,).
    """
    tr = ref_snu_forward_trace(
        x, W, H, threshold, decay, soft=soft, activation=activation, lateral=lateral
    )
    x, W, H, threshold, decay = _check_and_cast(x, W, H, threshold, decay)
    dtype = x.dtype
    dY = np.asarray(dY, dtype=dtype)
    V, S, U, Y, R, argmax = tr["V"], tr["S"], tr["U"], tr["Y"], tr["R"], tr["argmax"]
    T, B, _ = x.shape
    n = W.shape[1]
    if dY.shape != (T, B, n):
        raise ValueError(f"dY must be {(T, B, n)}, got shape {dY.shape}")

    dx = np.zeros_like(x)
    dW = np.zeros_like(W)
    dH = None if H is None else np.zeros_like(H)
    dthreshold = np.zeros(n, dtype=dtype)
    ddecay = np.zeros(n, dtype=dtype)

    # Gradients of L with respect to s_t and y_t that arrive through v_{t+1}.
    ds_next = np.zeros((B, n), dtype=dtype)
    dy_next = np.zeros((B, n), dtype=dtype)
    for t in reversed(range(T)):
        # y_t = h(u_t): total gradient on y_t, then on u_t.
        dy = dY[t] + dy_next
        if soft:
            sig = Y[t]
            hprime = sig * (1.0 - sig)
        else:
            hprime = ref_surrogate(surrogate, U[t], slope)
        du = dy * hprime

        # u_t = s_t - threshold.
        ds = du + ds_next
        dthreshold -= du.sum(axis=0)

        # s_t = g(v_t).
        dv = ds * ref_activation_grad(activation, V[t])

        # v_t = x_t @ W + y_{t-1} @ H + decay * s_{t-1} * r_{t-1}.
        if t > 0:
            s_prev, y_prev = S[t - 1], Y[t - 1]
        else:
            s_prev = np.zeros((B, n), dtype=dtype)
            y_prev = np.zeros((B, n), dtype=dtype)
        r = R[t]

        dx[t] = dv @ W.T
        dW += x[t].T @ dv
        ddecay += (dv * s_prev * r).sum(axis=0)

        ds_next = dv * decay * r
        dr = dv * decay * s_prev
        dy_next = np.zeros((B, n), dtype=dtype)
        if H is not None:
            dH += y_prev.T @ dv
            dy_next += dv @ H.T
        if lateral:
            # r[b, :] = 1 - max_j y_prev[b, j]; the max routes to the first argmax.
            dm = -dr.sum(axis=1)  # (B,)
            for b in range(B):
                dy_next[b, argmax[t, b]] += dm[b]
        else:
            # r = 1 - y_prev.
            dy_next += -dr
        # At t == 0, s_prev and y_prev are constants: ds_next / dy_next are discarded.

    return dict(dx=dx, dW=dW, dH=dH, dthreshold=dthreshold, ddecay=ddecay)


def ref_loss_mean_rate_softmax_ce(Y_last, labels):
    """Softmax cross-entropy on the time-averaged output of the last layer.

    Parameters
    ----------
    Y_last : ndarray of shape (T, B, C)
        Outputs of the last layer; ``logits = Y_last.mean(axis=0)``.
    labels : ndarray of shape (B,)
        Integer class labels in ``[0, C)``.

    Returns
    -------
    loss : float
        Mean over the batch of ``-log softmax(logits)[b, labels[b]]``.
    dY_last : ndarray of shape (T, B, C)
        Gradient of ``loss`` with respect to ``Y_last``.
    """
    Y_last = np.asarray(Y_last)
    if not np.issubdtype(Y_last.dtype, np.floating):
        Y_last = Y_last.astype(np.float64)
    labels = np.asarray(labels)
    T, B, C = Y_last.shape
    if labels.shape != (B,):
        raise ValueError(f"labels must be ({B},), got shape {labels.shape}")
    logits = Y_last.mean(axis=0)  # (B, C)
    shifted = logits - logits.max(axis=1, keepdims=True)
    log_z = np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    log_p = shifted - log_z
    rows = np.arange(B)
    loss = -log_p[rows, labels].mean()

    p = np.exp(log_p)
    onehot = np.zeros((B, C), dtype=Y_last.dtype)
    onehot[rows, labels] = 1.0
    dlogits = (p - onehot) / B
    dY_last = np.broadcast_to(dlogits / T, (T, B, C)).astype(Y_last.dtype)
    return float(loss), dY_last
