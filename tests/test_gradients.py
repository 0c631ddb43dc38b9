"""BPTT gradients of whole networks.

sSNU networks (smooth) are checked against central finite differences in float64; hard-step
SNU networks against the reference BPTT with the same surrogate, chained layer by layer.
"""

import itertools

import numpy as np
import pytest
from finite_differences import check_network_gradient
from reference import ref_loss_mean_rate_softmax_ce, ref_snu_backward, ref_snu_forward

from sksnn._engine import Network, SNUCell


def _network(soft, activation, recurrent, lateral, readout, loss, sizes, seed):
    cells = [SNUCell(soft=soft, activation=activation, lateral=lateral) for _ in sizes[1:]]
    rec = [recurrent] * (len(sizes) - 1)
    if readout == "mean":
        rec[-1] = False
    net = Network(cells, rec, readout=readout, loss=loss, train_threshold=True, train_decay=True)
    rng = np.random.default_rng(seed)
    params = net.init(rng, sizes, n_out=3, dtype=np.float64, threshold=0.5, decay=0.8)
    for p in params[0]:
        p["decay"][:] = rng.uniform(0.4, 0.9, p["decay"].shape)
        p["threshold"][:] = rng.uniform(0.2, 0.8, p["threshold"].shape)
        p["W"] *= 1.5
    return net, params, rng


def _targets(rng, loss, T, B, n_out):
    if loss == "softmax_ce":
        return np.eye(n_out)[rng.integers(0, n_out, B)], None
    mask = np.ones((T, B))
    mask[T - 2 :, 0] = 0.0  # a padded sequence
    if loss == "binary":
        Y = (rng.random((T, B, n_out)) < 0.4).astype(float)
    elif loss == "categorical":
        Y = np.eye(n_out)[rng.integers(0, n_out, (T, B))]
    else:
        Y = rng.standard_normal((T, B, n_out))
    return Y, mask


SMOOTH = list(itertools.product(["relu", "identity", "leaky_relu"], [False, True], [False, True]))


@pytest.mark.parametrize("activation,recurrent,lateral", SMOOTH)
def test_ssnu_classifier_gradient_finite_differences(activation, recurrent, lateral):
    net, params, rng = _network(True, activation, recurrent, lateral, "mean", "softmax_ce",
                                [3, 4, 3], seed=0)  # fmt: skip
    X = rng.uniform(0, 1, (5, 2, 3))
    Y, _ = _targets(rng, "softmax_ce", 5, 2, 3)
    check_network_gradient(net, params, X, Y, None)


@pytest.mark.parametrize("loss", ["binary", "categorical", "squared_error"])
@pytest.mark.parametrize("recurrent", [False, True])
def test_ssnu_sequence_gradient_finite_differences(loss, recurrent):
    net, params, rng = _network(True, "relu", recurrent, False, "linear", loss, [3, 4, 4],
                                seed=1)  # fmt: skip
    X = rng.uniform(0, 1, (6, 2, 3))
    Y, mask = _targets(rng, loss, 6, 2, 3)
    check_network_gradient(net, params, X, Y, mask)


@pytest.mark.parametrize("path", ["dense", "event"])
@pytest.mark.parametrize("recurrent,lateral", list(itertools.product([False, True], repeat=2)))
def test_snu_network_matches_reference_bptt(recurrent, lateral, path):
    """Hard-step SNU: the engine's network gradient equals the reference, chained by hand.
    On the event path the input is made of spikes, and so is the second layer's."""
    net, params, rng = _network(False, "relu", recurrent, lateral, "mean", "softmax_ce",
                                [4, 6, 3], seed=2)  # fmt: skip
    X = rng.uniform(0, 1, (8, 3, 4))
    if path == "event":
        X = (X < 0.5).astype(float)
    for cell in net.cells:
        cell.spike_path = path
    labels = rng.integers(0, 3, 3)
    loss, (grads, _), _ = net.loss_grad(params, X, np.eye(3)[labels])
    layers = params[0]
    # reference: forward both layers, loss, then backward layer 2 then layer 1
    _, Y1 = ref_snu_forward(X, layers[0]["W"], layers[0].get("H"), layers[0]["threshold"],
                            layers[0]["decay"], soft=False, lateral=lateral)  # fmt: skip
    _, Y2 = ref_snu_forward(Y1, layers[1]["W"], None, layers[1]["threshold"],
                            layers[1]["decay"], soft=False, lateral=lateral)  # fmt: skip
    ref_loss, dY2 = ref_loss_mean_rate_softmax_ce(Y2, labels)
    assert loss == pytest.approx(ref_loss, rel=1e-12)
    kw = dict(soft=False, lateral=lateral, surrogate="tanh", slope=1.0)
    g2 = ref_snu_backward(Y1, layers[1]["W"], None, layers[1]["threshold"], layers[1]["decay"],
                          dY2, **kw)  # fmt: skip
    g1 = ref_snu_backward(X, layers[0]["W"], layers[0].get("H"), layers[0]["threshold"],
                          layers[0]["decay"], g2["dx"], **kw)  # fmt: skip
    for got, ref in [(grads[1], g2), (grads[0], g1)]:
        np.testing.assert_allclose(got["W"], ref["dW"], atol=1e-12)
        np.testing.assert_allclose(got["threshold"], ref["dthreshold"], atol=1e-12)
        np.testing.assert_allclose(got["decay"], ref["ddecay"], atol=1e-12)
        if "H" in got:
            np.testing.assert_allclose(got["H"], ref["dH"], atol=1e-12)
    assert np.abs(grads[0]["W"]).sum() > 0, "the gradient must reach the first layer"


def test_padding_changes_nothing():
    """Masked steps contribute neither to the loss nor to the gradient."""
    net, params, rng = _network(True, "relu", True, False, "linear", "binary", [3, 5, 5], 3)
    X = rng.uniform(0, 1, (6, 2, 3))
    Y = (rng.random((6, 2, 3)) < 0.5).astype(float)
    mask = np.ones((6, 2))
    mask[4:, 1] = 0
    loss_a, grads_a, _ = net.loss_grad(params, X, Y, mask)
    X2, Y2 = X.copy(), Y.copy()
    X2[4:, 1] = 123.0  # garbage in the padding
    Y2[4:, 1] = 1.0
    loss_b, grads_b, _ = net.loss_grad(params, X2, Y2, mask)
    assert loss_a == pytest.approx(loss_b, rel=1e-12)
    for a, b in zip(net.flat(params, grads_a), net.flat(params, grads_b)):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("penalty", [0.0, 0.5])
@pytest.mark.parametrize("readout", ["mean", "linear"])
def test_dropout_gradient_matches_finite_differences_with_the_same_masks(readout, penalty):
    """sSNU network with dropout (and a spike penalty), float64: each loss evaluation draws
    the same masks."""
    loss = "softmax_ce" if readout == "mean" else "binary"
    net, params, rng = _network(True, "relu", True, False, readout, loss, [4, 5, 4, 3], 7)
    net.dropout = 0.4
    net.spike_penalty = penalty
    T, B = 6, 3
    X = rng.random((T, B, 4))
    Y, mask = _targets(rng, loss, T, B, 3)

    def loss_grad(p, X_, Y_, M_):
        net.dropout_rng = np.random.default_rng(5)
        return Network.loss_grad(net, p, X_, Y_, M_)

    net.loss_grad = loss_grad
    _, (grads, _), _ = net.loss_grad(params, X, Y, mask)
    # the masks matter: without dropout the gradient differs
    net.dropout_rng = None
    _, (plain, _), _ = Network.loss_grad(net, params, X, Y, mask)
    assert not np.allclose(plain[0]["W"], grads[0]["W"])
    check_network_gradient(net, params, X, Y, mask)


@pytest.mark.parametrize("readout", ["mean", "linear"])
def test_spike_penalty_gradient_matches_finite_differences(readout):
    """sSNU network, float64: the penalised loss and its BPTT gradient agree; the penalty
    reaches the hidden layers only (with a mean readout the last layer is the output)."""
    loss = "softmax_ce" if readout == "mean" else "binary"
    net, params, rng = _network(True, "relu", True, False, readout, loss, [4, 5, 4, 3], 9)
    T, B = 6, 3
    X = rng.random((T, B, 4))
    Y, mask = _targets(rng, loss, T, B, 3)
    plain_loss, _, rates = net.loss_grad(params, X, Y, mask)
    net.spike_penalty = 0.7
    penalised, _, _ = net.loss_grad(params, X, Y, mask)
    hidden = rates[:-1] if readout == "mean" else rates
    assert penalised == pytest.approx(plain_loss + 0.7 * sum(hidden), rel=1e-12)
    check_network_gradient(net, params, X, Y, mask)


def test_spike_penalty_lowers_hidden_firing():
    from sklearn.datasets import load_digits

    from sksnn import SNUClassifier

    X, y = load_digits(return_X_y=True)
    X = X[:400] / 16.0
    kw = dict(hidden_layer_sizes=(48,), recurrent=False, encoding="rate", n_steps=8,
              max_iter=8, random_state=0)  # fmt: skip
    plain = SNUClassifier(**kw).fit(X, y[:400])
    sparse = SNUClassifier(spike_penalty=2.0, **kw).fit(X, y[:400])
    assert sparse.firing_rates_[0] < 0.7 * plain.firing_rates_[0]
    assert sparse.score(X, y[:400]) > 0.8
