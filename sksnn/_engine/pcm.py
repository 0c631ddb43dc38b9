r"""Phase-change-memory (PCM) device model for synaptic weight matrices.

Statistics of Nandakumar et al. (2019) and Joshi et al. (Nature Communications 11, 2473,
2020), as in IBM aihwkit's PCM noise model; conductances in µS, :math:`g_{max}` = 25 µS.

Mapping (per matrix): :math:`s = g_{max} / \max|W|`, targets
:math:`G^+_T = \mathrm{clip}(s W, 0, g_{max})`, :math:`G^-_T = \mathrm{clip}(-s W, 0, g_{max})`,
optionally quantised to ``n_levels`` levels; ``n_pairs`` differential pairs per weight are
averaged: :math:`W = \overline{G^+ - G^-} / s`.

Programming noise (once): :math:`G_P = \max(0, G_T + \sigma_P(G_T)\,\xi)` with
:math:`\sigma_P = (0.26348 + 1.9650\,x - 1.1731\,x^2)\,g_{max}/25`, :math:`x = G_T/g_{max}`.

Drift exponent (per device, at programming): :math:`g_r = \max(G_T/g_{max}, 10^{-7})`,
:math:`\mu_\nu = \mathrm{clip}(-0.0155 \ln g_r + 0.0244, 0.049, 0.1)`,
:math:`\sigma_\nu = \mathrm{clip}(-0.0125 \ln g_r - 0.0059, 0.008, 0.045)`,
:math:`\nu = |\mu_\nu + \sigma_\nu \xi|`.

Drift at time :math:`t_{inf}` after programming (:math:`t = t_{inf} + t_0`, :math:`t_0` = 20 s):
:math:`G(t) = G_P (t/t_0)^{-\nu}`.

Read noise (1/f): :math:`Q = \min(0.0088 / \max((G_P/g_{max})^{0.65}, 10^{-3}), 0.2)`,
:math:`\sigma_R = Q \sqrt{\ln((t + t_r)/(2 t_r))}`, :math:`t_r` = 250 ns,
:math:`G \leftarrow \max(0, G + |G|\,\sigma_R\,\xi)`.

Global drift compensation: the mean absolute output of one-hot reads (the mean :math:`|W|`)
right after programming, divided by the same at :math:`t_{inf}`, multiplies the matrix (done in
digital); the per-column variant keeps one ratio per output.

All functions take the standard normal draws :math:`\xi` as arguments (:class:`Draws`), so a
caller decides where randomness comes from and the physics stays pure arithmetic.
"""

from typing import NamedTuple

import numpy as np

T0 = 20.0  # seconds: reference time of programming
T_READ = 250e-9  # seconds: read duration


class DeviceParams(NamedTuple):
    """Knobs of the device model (see the module docstring)."""

    g_max: float = 25.0
    prog_noise_scale: float = 1.0
    read_noise_scale: float = 1.0
    drift_scale: float = 1.0
    n_pairs: int = 1
    n_levels: int | None = None


class Draws(NamedTuple):
    """Standard normal draws, each of shape (2, n_pairs, *W.shape) (polarity, pair, weight)."""

    prog: np.ndarray
    nu: np.ndarray
    read_ref: np.ndarray
    read: np.ndarray


class Programmed(NamedTuple):
    """A programmed matrix: conductances and drift exponents, (2, n_pairs, *shape)."""

    G: np.ndarray
    nu: np.ndarray
    scale: float


def draw(rng, shape, n_pairs):
    """Fresh draws for a matrix of ``shape`` from a NumPy Generator."""
    full = (4, 2, n_pairs, *shape)
    return Draws(*rng.standard_normal(full))


def weight_scale(W, g_max):
    """Conductance per weight unit: :math:`g_{max} / \\max|W|` (1 for an all-zero matrix)."""
    m = float(np.max(np.abs(W))) if W.size else 0.0
    return g_max / m if m > 0 else 1.0


def targets(W, scale, p):
    """Target conductances (2, *W.shape) of the G+ and G- devices, optionally quantised."""
    G = np.stack([np.clip(W * scale, 0.0, p.g_max), np.clip(-W * scale, 0.0, p.g_max)])
    if p.n_levels is not None:
        step = p.g_max / (p.n_levels - 1)
        G = np.round(G / step) * step
    return G


def program(W, scale, draws, p):
    """Program ``W`` at ``scale``: programming noise and drift exponents of every device."""
    GT = targets(np.asarray(W, dtype=np.float64), scale, p)[:, None]  # (2, 1, *shape)
    x = GT / p.g_max
    sigma = (0.26348 + 1.9650 * x - 1.1731 * x * x) * (p.g_max / 25.0) * p.prog_noise_scale
    G = np.maximum(0.0, GT + sigma * draws.prog)
    g_r = np.maximum(x, 1e-7)
    mu = np.clip(-0.0155 * np.log(g_r) + 0.0244, 0.049, 0.1)
    sd = np.clip(-0.0125 * np.log(g_r) - 0.0059, 0.008, 0.045)
    nu = np.abs(mu + sd * draws.nu) * p.drift_scale
    return Programmed(G, nu, scale)


def read_conductances(prog, t_inference, xi, p):
    """Conductances read ``t_inference`` seconds after programming, with read noise ``xi``."""
    t = t_inference + T0
    G = prog.G * (t / T0) ** (-prog.nu)
    Q = np.minimum(0.0088 / np.maximum((prog.G / p.g_max) ** 0.65, 1e-3), 0.2)
    sigma = Q * np.sqrt(np.log((t + T_READ) / (2 * T_READ))) * p.read_noise_scale
    return np.maximum(0.0, G + np.abs(G) * sigma * xi)


def to_weights(G, scale):
    """Weights from conductances (2, n_pairs, *shape): mean over pairs of (G+ - G-) / scale."""
    return (G[0] - G[1]).mean(axis=0) / scale


def compensation(W_ref, W_now, per_column=False):
    """Drift-compensation factor: mean |one-hot read| after programming over the same now."""
    axis = 0 if per_column else None
    ref = np.abs(W_ref).mean(axis=axis)
    now = np.abs(W_now).mean(axis=axis)
    return np.where(now > 0, ref / np.where(now > 0, now, 1.0), 1.0)


def read_weights(prog, t_inference, draws, p, compensate=True, per_column=False):
    """The matrix as used at ``t_inference``: drift, read noise, optional compensation."""
    W = to_weights(read_conductances(prog, t_inference, draws.read, p), prog.scale)
    if compensate:
        W_ref = to_weights(read_conductances(prog, 0.0, draws.read_ref, p), prog.scale)
        W = W * compensation(W_ref, W, per_column)
    return W


class InLoopArray:
    """Devices holding one weight matrix during hardware-in-the-loop training.

    The forward pass reads the devices (fresh read noise, right after programming); the
    software keeps full-precision weights that receive the updates; a device pair is
    re-programmed (new programming noise and drift exponent) only where the software weight
    has moved by more than ``increment`` conductance units since it was last programmed, as
    a chip would accumulate small updates until they exceed a programmable step. The whole
    matrix is re-programmed at a new scale when a weight outgrows the conductance range.
    """

    def __init__(self, W, rng, p, increment=0.5):
        self.p = p
        self.increment = float(increment)
        self.n_reprogrammed = 0
        self._program_all(W, rng)

    def _program_all(self, W, rng):
        # headroom: weights may grow to twice their current maximum before a full re-program
        self.scale = weight_scale(W, self.p.g_max) / 2.0
        self.target = np.array(W, dtype=np.float64)
        self.prog = program(self.target, self.scale, draw(rng, W.shape, self.p.n_pairs), self.p)

    def read(self, rng, dtype):
        """The weights as read now (fresh read noise)."""
        xi = rng.standard_normal(self.prog.G.shape)
        return to_weights(read_conductances(self.prog, 0.0, xi, self.p), self.scale).astype(dtype)

    def update(self, W, rng):
        """Re-program the devices whose software weight moved by more than the increment."""
        if np.max(np.abs(W)) * self.scale > self.p.g_max:
            self._program_all(W, rng)
            self.n_reprogrammed += W.size
            return
        moved = np.abs(W - self.target) * self.scale > self.increment
        if not moved.any():
            return
        self.target[moved] = W[moved]
        fresh = program(self.target, self.scale, draw(rng, W.shape, self.p.n_pairs), self.p)
        self.prog.G[:, :, moved] = fresh.G[:, :, moved]
        self.prog.nu[:, :, moved] = fresh.nu[:, :, moved]
        self.n_reprogrammed += int(moved.sum())


def noisy_weights(W, rng, p, t_inference=0.0, compensate=True, per_column=False):
    """``W`` programmed on fresh devices and read at ``t_inference`` (noise injection)."""
    scale = weight_scale(W, p.g_max)
    d = draw(rng, W.shape, p.n_pairs)
    prog = program(W, scale, d, p)
    return read_weights(prog, t_inference, d, p, compensate, per_column).astype(W.dtype)
