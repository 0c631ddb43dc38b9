"""Central finite differences of a network's loss against its BPTT gradient (float64)."""

import numpy as np


def numerical_gradient(loss, arr, eps=1e-6):
    """Central differences of ``loss()`` with respect to every entry of ``arr`` (in place)."""
    num = np.empty_like(arr)
    for idx in np.ndindex(arr.shape):
        old = arr[idx]
        arr[idx] = old + eps
        lp = loss()
        arr[idx] = old - eps
        lm = loss()
        arr[idx] = old
        num[idx] = (lp - lm) / (2 * eps)
    return num


def check_network_gradient(net, params, X, Y, mask=None, eps=1e-6, tol=1e-5):
    """Assert that every trainable array's BPTT gradient matches central differences.

    ``net.loss_grad`` is called for every perturbed entry, so a network whose loss draws
    random numbers (dropout) must reset its generator inside ``loss_grad``.
    """
    _, (grads, rgrads), _ = net.loss_grad(params, X, Y, mask)
    flat_p = net.flat(params)
    flat_g = net.flat(params, (grads, rgrads))
    assert len(flat_p) == len(flat_g) > 0
    for p, g in zip(flat_p, flat_g):
        num = numerical_gradient(lambda: net.loss_grad(params, X, Y, mask)[0], p, eps)
        err = np.linalg.norm(num - g) / max(np.linalg.norm(num + g), 1e-12)
        assert err < tol, f"relative gradient error {err:.2e}"
        assert np.linalg.norm(g) > 0, "a zero gradient checks nothing"
