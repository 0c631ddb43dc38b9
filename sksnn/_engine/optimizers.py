r"""Stochastic optimizers that update lists of arrays in place.

``SGD``: momentum :math:`\mu` and optional Nesterov momentum,
:math:`v \leftarrow \mu v - \eta g`, :math:`p \leftarrow p + v` (Nesterov:
:math:`p \leftarrow p + \mu v - \eta g`).

``Adam`` (Kingma & Ba 2014): :math:`m \leftarrow \beta_1 m + (1-\beta_1) g`,
:math:`v \leftarrow \beta_2 v + (1-\beta_2) g^2`,
:math:`p \leftarrow p - \eta_t\, m / (\sqrt{v} + \epsilon)` with
:math:`\eta_t = \eta \sqrt{1-\beta_2^t} / (1-\beta_1^t)`.

The L2 penalty and gradient clipping are applied to the gradients before the update
(:func:`add_l2`, :func:`clip_grad_norm`). Optimizer state pickles with the estimator, so
``warm_start`` and ``partial_fit`` continue where they stopped.
"""

import numpy as np

from ._numba import jit


# No fastmath here: the updates round exactly as the NumPy expressions of the docstring do
# (a contracted or approximated Adam step changed which digits model early stopping kept).
@jit(fastmath=False)
def _adam_kernel(p, g, m, v, lr, b1, b2, eps):
    """One fused pass of the Adam update over flat arrays (in the parameters' dtype)."""
    dt = p.dtype.type
    c1, c2 = dt(1.0 - b1), dt(1.0 - b2)
    lr, b1, b2, eps = dt(lr), dt(b1), dt(b2), dt(eps)
    for i in range(p.shape[0]):
        gi = g[i]
        mi = b1 * m[i] + c1 * gi
        vi = b2 * v[i] + c2 * (gi * gi)
        m[i] = mi
        v[i] = vi
        p[i] -= lr * mi / (np.sqrt(vi) + eps)


@jit(fastmath=False)
def _sgd_kernel(p, g, vel, lr, mu, nesterov):
    """One fused pass of the momentum update over flat arrays."""
    dt = p.dtype.type
    lr, mu = dt(lr), dt(mu)
    for i in range(p.shape[0]):
        vi = mu * vel[i] - lr * g[i]
        vel[i] = vi
        p[i] += mu * vi - lr * g[i] if nesterov else vi


def _flat(a):
    # a view for the contiguous arrays the engine allocates (a copy would lose the update)
    if not a.flags.c_contiguous:
        raise ValueError("optimizer arrays must be C-contiguous")
    return a.reshape(-1)


class SGD:
    """Stochastic gradient descent with momentum.

    Parameters
    ----------
    params : list of ndarray
    learning_rate_init : float
    momentum : float
    nesterov : bool
    """

    def __init__(self, params, learning_rate_init=0.01, momentum=0.9, nesterov=True):
        self.learning_rate = float(learning_rate_init)
        self.momentum = float(momentum)
        self.nesterov = bool(nesterov)
        self.velocities = [np.zeros_like(p) for p in params]
        self.t = 0

    def update_params(self, params, grads):
        """Update ``params`` in place from ``grads``."""
        self.t += 1
        for p, g, v in zip(params, grads, self.velocities):
            _sgd_kernel(
                _flat(p), _flat(np.ascontiguousarray(g, p.dtype)), _flat(v),
                self.learning_rate, self.momentum, self.nesterov,
            )  # fmt: skip


class Adam:
    """Adam optimizer.

    Parameters
    ----------
    params : list of ndarray
    learning_rate_init : float
    beta_1, beta_2 : float
    epsilon : float
    """

    def __init__(self, params, learning_rate_init=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-8):
        self.learning_rate = float(learning_rate_init)
        self.beta_1 = float(beta_1)
        self.beta_2 = float(beta_2)
        self.epsilon = float(epsilon)
        self.ms = [np.zeros_like(p) for p in params]
        self.vs = [np.zeros_like(p) for p in params]
        self.t = 0

    def update_params(self, params, grads):
        """Update ``params`` in place from ``grads``."""
        self.t += 1
        b1, b2 = self.beta_1, self.beta_2
        lr = float(self.learning_rate * np.sqrt(1.0 - b2**self.t) / (1.0 - b1**self.t))
        for p, g, m, v in zip(params, grads, self.ms, self.vs):
            _adam_kernel(
                _flat(p), _flat(np.ascontiguousarray(g, p.dtype)), _flat(m), _flat(v),
                lr, b1, b2, self.epsilon,
            )  # fmt: skip


OPTIMIZERS = {"sgd": SGD, "adam": Adam}


def add_l2(params, grads, is_weight, alpha):
    """Add the L2 penalty gradient ``alpha * p`` to the weight gradients; return the penalty.

    Parameters
    ----------
    params, grads : list of ndarray
    is_weight : list of bool
        Which entries are synaptic weights (thresholds, decays and biases are not penalised).
    alpha : float

    Returns
    -------
    float
        The penalty :math:`\\frac{\\alpha}{2}\\sum \\|W\\|^2` to add to the loss.
    """
    if alpha == 0.0:
        return 0.0
    penalty = 0.0
    for p, g, w in zip(params, grads, is_weight):
        if w:
            g += alpha * p
            penalty += float(np.vdot(p, p))
    return 0.5 * alpha * penalty


def clip_grad_norm(grads, max_norm):
    """Scale ``grads`` in place so that their global L2 norm is at most ``max_norm``.

    Returns the norm before clipping (``inf`` or ``nan`` when a gradient is not finite).
    """
    norm = float(np.sqrt(sum(float(np.vdot(g, g)) for g in grads)))
    if max_norm is not None and np.isfinite(norm) and norm > max_norm:
        scale = max_norm / norm
        for g in grads:
            g *= scale
    return norm
