"""Central finite differences of a network's loss against its BPTT gradient (float64)."""

import numpy as np


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
        num = np.empty_like(p)
        for idx in np.ndindex(p.shape):
            old = p[idx]
            p[idx] = old + eps
            lp = net.loss_grad(params, X, Y, mask)[0]
            p[idx] = old - eps
            lm = net.loss_grad(params, X, Y, mask)[0]
            p[idx] = old
            num[idx] = (lp - lm) / (2 * eps)
        err = np.linalg.norm(num - g) / max(np.linalg.norm(num + g), 1e-12)
        assert err < tol, f"relative gradient error {err:.2e}"
        assert np.linalg.norm(g) > 0, "a zero gradient checks nothing"
