"""The PyTorch side of the speed benchmark: the same networks in plain PyTorch (eager and
``torch.compile``), in snnTorch, and ``torch.nn.LSTM``.

* :class:`SNUNet`: the SNU equations of sksnn, layer-major as the engine computes them (one
  input product ``X W`` over all steps per layer, then the elementwise time loop),
  :math:`s_t = g(a_t + l \\odot s_{t-1} \\odot (1 - y_{t-1}))`, :math:`y_t = H(s_t - \\theta)`
  with the Heaviside step forward and the tanh surrogate :math:`k(1 - \\tanh^2(k u))`, k = 1,
  backward (:class:`SpikeFn`, a custom ``autograd.Function``). Thresholds are parameters,
  decays buffers (sksnn's Network defaults: ``train_threshold=True``, ``train_decay=False``).
* :class:`SnnTorchNet`: what a user would write with snnTorch: ``nn.Linear`` + ``snn.Leaky``
  (beta 0.8, threshold 1, reset to zero, atan surrogate) per layer, stepped through time as
  in the snnTorch tutorials (a ``Linear`` call per step), same readout and loss.
* :class:`LSTMNet`: ``torch.nn.LSTM`` + ``nn.Linear`` readout of every step (B) or of the last
  step (C).

Every ``*_candidate`` function returns a :class:`Candidate` with ``step()`` (forward, loss,
backward, Adam) and ``predict()`` (forward under ``torch.inference_mode``, with the output link
as sksnn's ``predict_output``), on float32 tensors made from the same NumPy batches as the
engine's. Weights can be copied from the engine's parameter dicts (:func:`load_engine_params`)
so that ``run.py --check`` can compare losses and gradients.
"""

import itertools
import time

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from common import (
    CONFIGS,
    DECAY,
    READOUT_SCALE,
    THRESHOLD,
    TRAIN_DECAY,
    TRAIN_THRESHOLD,
    Candidate,
    activations,
    fit_data,
    lstm_sizes,
    step_batch,
)


# ---------------------------------------------------------------------- SNU in PyTorch
class SpikeFn(torch.autograd.Function):
    """Heaviside step forward, tanh surrogate ``k (1 - tanh^2(k u))`` backward."""

    @staticmethod
    def forward(ctx, u, slope):
        ctx.save_for_backward(u)
        ctx.slope = slope
        return (u > 0).to(u.dtype)

    @staticmethod
    def backward(ctx, grad):
        (u,) = ctx.saved_tensors
        k = ctx.slope
        t = torch.tanh(k * u)
        return grad * (k * (1.0 - t * t)), None


class SNULayer(nn.Module):
    """A feed-forward SNU layer over a whole sequence (T, B, n_in) -> (T, B, n)."""

    def __init__(self, n_in, n, activation="relu", slope=1.0):
        super().__init__()
        limit = float(np.sqrt(6.0 / (n_in + n)))
        self.W = nn.Parameter(torch.empty(n_in, n).uniform_(-limit, limit))
        self.threshold = nn.Parameter(torch.full((n,), THRESHOLD), TRAIN_THRESHOLD)
        if TRAIN_DECAY:
            self.decay = nn.Parameter(torch.full((n,), DECAY))
        else:
            self.register_buffer("decay", torch.full((n,), DECAY))
        self.relu = activation == "relu"
        self.slope = slope

    def forward(self, X):
        T, B, n_in = X.shape
        A = (X.reshape(T * B, n_in) @ self.W).reshape(T, B, -1)
        s = torch.relu(A[0]) if self.relu else A[0]
        y = SpikeFn.apply(s - self.threshold, self.slope)
        ys = [y]
        for t in range(1, T):
            v = A[t] + self.decay * s * (1.0 - y)
            s = torch.relu(v) if self.relu else v
            y = SpikeFn.apply(s - self.threshold, self.slope)
            ys.append(y)
        return torch.stack(ys)


class SNUNet(nn.Module):
    """SNU layers and the readout of a configuration; ``forward`` returns the logits."""

    def __init__(self, cfg):
        super().__init__()
        sizes = cfg["sizes"]
        self.layers = nn.ModuleList(
            SNULayer(a, b, g) for a, b, g in zip(sizes[:-1], sizes[1:], activations(cfg))
        )
        self.mean = cfg["readout"] == "mean"
        self.readout = None if self.mean else nn.Linear(sizes[-1], cfg["n_out"])
        if self.readout is not None:
            limit = float(np.sqrt(6.0 / (sizes[-1] + cfg["n_out"])))
            nn.init.uniform_(self.readout.weight, -limit, limit)
            nn.init.zeros_(self.readout.bias)

    def forward(self, X):
        H = X
        for layer in self.layers:
            H = layer(H)
        if self.mean:
            return H.mean(dim=0) * READOUT_SCALE
        return self.readout(H)


def load_engine_params(model, params):
    """Copy sksnn engine parameters ``(layers, readout)`` into a :class:`SNUNet` or
    :class:`LSTMNet`."""
    layers, readout = params
    with torch.no_grad():
        if isinstance(model, LSTMNet):
            (p,) = layers
            model.lstm.weight_ih_l0.copy_(torch.from_numpy(p["W"].T.copy()))
            model.lstm.weight_hh_l0.copy_(torch.from_numpy(p["H"].T.copy()))
            model.lstm.bias_ih_l0.copy_(torch.from_numpy(p["b"]))
            model.lstm.bias_hh_l0.zero_()
        else:
            for layer, p in zip(model.layers, layers):
                layer.W.copy_(torch.from_numpy(p["W"]))
                layer.threshold.copy_(torch.from_numpy(p["threshold"]))
                layer.decay.copy_(torch.from_numpy(p["decay"]))
        if "W" in readout:
            model.readout.weight.copy_(torch.from_numpy(readout["W"].T.copy()))
            model.readout.bias.copy_(torch.from_numpy(readout["b"]))


# ---------------------------------------------------------------------- snnTorch
class SnnTorchNet(nn.Module):
    """``nn.Linear`` + ``snn.Leaky`` layers stepped through time, as in the snnTorch tutorials."""

    def __init__(self, cfg):
        super().__init__()
        import snntorch as snn
        from snntorch import surrogate

        sizes = cfg["sizes"]
        self.fcs = nn.ModuleList(nn.Linear(a, b) for a, b in itertools.pairwise(sizes))
        self.lifs = nn.ModuleList(
            snn.Leaky(
                beta=DECAY,
                threshold=THRESHOLD,
                spike_grad=surrogate.atan(),
                reset_mechanism="zero",
            )
            for _ in sizes[1:]
        )
        self.mean = cfg["readout"] == "mean"
        self.readout = None if self.mean else nn.Linear(sizes[-1], cfg["n_out"])

    def forward(self, X):
        mems = [lif.init_leaky() for lif in self.lifs]
        outs = []
        for t in range(X.shape[0]):
            h = X[t]
            for i, (fc, lif) in enumerate(zip(self.fcs, self.lifs)):
                h, mems[i] = lif(fc(h), mems[i])
            outs.append(h if self.mean else self.readout(h))
        out = torch.stack(outs)
        return out.mean(dim=0) * READOUT_SCALE if self.mean else out


# ---------------------------------------------------------------------- LSTM
class LSTMNet(nn.Module):
    """``torch.nn.LSTM`` and an affine readout of every step or of the last one."""

    def __init__(self, cfg):
        super().__init__()
        (n_in, n), n_out, readout, _ = lstm_sizes(cfg)
        self.lstm = nn.LSTM(n_in, n)
        self.readout = nn.Linear(n, n_out)
        self.last = readout == "last"

    def forward(self, X):
        H, _ = self.lstm(X)
        return self.readout(H[-1] if self.last else H)


# ---------------------------------------------------------------------- training steps
def loss_fn(kind, T, B):
    """The loss of a configuration as a function of logits and targets."""
    if kind == "binary":
        scale = 1.0 / (T * B)

        def binary(Z, Y):
            return F.binary_cross_entropy_with_logits(Z, Y, reduction="sum") * scale

        return binary
    return F.cross_entropy


def link(kind):
    """The output link of a loss (sksnn's ``predict_output``)."""
    return torch.sigmoid if kind == "binary" else (lambda z: torch.softmax(z, dim=-1))


def tensors(cfg, seed=0, batch=None):
    """Torch versions of :func:`common.step_batch` (labels for classification)."""
    X, Y = step_batch(cfg, seed=seed, batch=batch)
    X = torch.from_numpy(X)
    Y = torch.from_numpy(Y)
    if cfg["loss"] != "binary":
        Y = Y.argmax(dim=1)
    return X, Y


def _candidate(model, cfg, loss_kind, compile_mode=None, lr=1e-3):
    X, Y = tensors(cfg)
    Xp, _ = tensors(cfg, seed=1, batch=cfg["predict_batch"])
    lossf = loss_fn(loss_kind, cfg["steps"], cfg["batch"])
    out_link = link(loss_kind)
    opt = torch.optim.Adam(model.parameters(), lr=lr)

    def train_loss(X, Y):
        return lossf(model(X), Y)

    def infer(X):
        return out_link(model(X))

    opt_step = opt.step
    info = {}
    if compile_mode is not None:
        with torch.no_grad():
            eager_loss = float(train_loss(X, Y))
        train_loss = torch.compile(train_loss, mode=compile_mode, dynamic=False)
        infer = torch.compile(infer, mode=compile_mode, dynamic=False)

        @torch.compile(mode=compile_mode, dynamic=False)
        def opt_step():
            opt.step()

        # compilation happens on the first calls; timed apart and excluded from the steps
        start = time.perf_counter()
        compiled_loss = float(train_loss(X, Y).detach())
        info["compile_s"] = time.perf_counter() - start
        info["compiled_vs_eager_loss"] = [compiled_loss, eager_loss]

    def step():
        opt.zero_grad(set_to_none=True)
        loss = train_loss(X, Y)
        loss.backward()
        opt_step()

    def predict():
        with torch.inference_mode():
            infer(Xp)

    if compile_mode is not None:
        start = time.perf_counter()
        step()  # compiles the backward graph and the optimizer step
        info["compile_s"] += time.perf_counter() - start
        start = time.perf_counter()
        predict()
        info["compile_predict_s"] = time.perf_counter() - start
    return Candidate(step, predict, cfg["predict_batch"], info=info)


def snu_candidate(name, compile_mode=None, params=None):
    """PyTorch SNU network of configuration ``name``: eager, or compiled with ``mode``."""
    cfg = CONFIGS[name]
    model = SNUNet(cfg)
    if params is not None:
        load_engine_params(model, params)
    return _candidate(model, cfg, cfg["loss"], compile_mode)


def snntorch_candidate(name, params=None):
    """snnTorch ``Leaky`` network of configuration ``name`` (eager)."""
    cfg = CONFIGS[name]
    model = SnnTorchNet(cfg)
    if params is not None:  # the engine's weights, zero biases: similar firing
        with torch.no_grad():
            for fc, p in zip(model.fcs, params[0]):
                fc.weight.copy_(torch.from_numpy(p["W"].T.copy()))
                fc.bias.zero_()
    return _candidate(model, cfg, cfg["loss"])


def lstm_candidate(name, params=None):
    """``torch.nn.LSTM`` baseline of configuration ``name`` (B or C)."""
    cfg = CONFIGS[name]
    model = LSTMNet(cfg)
    if params is not None:
        load_engine_params(model, params)
    return _candidate(model, cfg, lstm_sizes(cfg)[3])


# ---------------------------------------------------------------------- a full fit
def fit_candidate(name, data=None, lr=0.01, alpha=1e-4, max_grad_norm=1.0):
    """One epoch of a PyTorch training loop doing what ``fit`` does on the same data.

    Shuffled mini-batches of the configuration's size; the inputs are encoded per batch as the
    estimator does (Bernoulli rate coding for A, the same values at every step for C, the
    sequence shifted by one step for B); the loss plus the L2 term ``alpha / batch`` that
    sksnn adds to the weight gradients (Adam's ``weight_decay`` on the weights only), global
    gradient-norm clipping at 1, Adam. ``step()`` returns the epoch's time; ``predict()``
    runs the model on the whole training set in chunks of 1024, as ``predict`` does. ``data``
    is :func:`common.fit_data`'s ``(X, y, encoding)``, made when omitted.
    """
    cfg = CONFIGS[name]
    X_np, y_np, kind = fit_data(name) if data is None else data
    X = torch.from_numpy(X_np)
    y = None if y_np is None else torch.from_numpy(y_np)
    T, B = cfg["steps"], cfg["batch"]
    model = SNUNet(cfg)
    weights = [p for n, p in model.named_parameters() if n.endswith("W") or "weight" in n]
    others = [p for n, p in model.named_parameters()
              if p.requires_grad and not any(p is w for w in weights)]  # fmt: skip
    # sksnn divides alpha by the loss's terms: samples, or valid steps for sequences
    terms = B * T if kind == "next_step" else B
    opt = torch.optim.Adam(
        [{"params": weights, "weight_decay": alpha / terms}, {"params": others}], lr=lr
    )
    gen = torch.Generator().manual_seed(0)

    def batch(idx):
        x = X[idx]
        if kind == "next_step":
            seq = x.transpose(0, 1)
            return seq[:-1].contiguous(), seq[1:].contiguous()
        if kind == "rate":
            xb = (torch.rand((T, *x.shape), generator=gen) < x).to(x.dtype)
        else:
            xb = x.expand(T, *x.shape).contiguous()
        return xb, y[idx]

    def step(n_batches=None):
        start = time.perf_counter()
        order = torch.randperm(len(X), generator=gen)
        for s in range(0, len(X) if n_batches is None else n_batches * B, B):
            xb, yb = batch(order[s : s + B])
            opt.zero_grad(set_to_none=True)
            loss = loss_fn(cfg["loss"], *xb.shape[:2])(model(xb), yb)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), max_grad_norm)
            opt.step()
        return time.perf_counter() - start

    out_link = link(cfg["loss"])

    def predict():
        with torch.inference_mode():
            for s in range(0, len(X), 1024):
                out_link(model(batch(torch.arange(s, min(s + 1024, len(X))))[0]))

    step(n_batches=2)  # warm-up
    info = {"n_samples": len(X), "batches": -(-len(X) // B)}
    return Candidate(step, predict, len(X), info=info)


def gemm_rate(n=1024, repeat=5):
    """Best float32 GEMM rate of PyTorch (FLOP/s) on an n x n product."""
    a = torch.rand(n, n)
    a @ a
    best = float("inf")
    for _ in range(repeat):
        t = time.perf_counter()
        a @ a
        best = min(best, time.perf_counter() - t)
    return 2 * n**3 / best
