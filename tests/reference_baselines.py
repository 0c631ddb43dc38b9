"""Slow, obvious NumPy references of the LSTM, GRU and tanh-RNN layers (PyTorch equations).

Weights follow the engine's layout: ``W`` (n_in, G n), ``H`` (n, G n), gates in PyTorch's order
(LSTM: i, f, g, o; GRU: r, z, n). One Python loop over time steps, nothing fused.
"""

import numpy as np


def _sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def ref_lstm_forward(x, W, H, b):
    """Return the hidden outputs (T, B, n) of an LSTM layer."""
    T, B, _ = x.shape
    n = H.shape[0]
    h = np.zeros((B, n))
    c = np.zeros((B, n))
    out = np.zeros((T, B, n))
    for t in range(T):
        a = x[t] @ W + h @ H + b
        i = _sigmoid(a[:, :n])
        f = _sigmoid(a[:, n : 2 * n])
        g = np.tanh(a[:, 2 * n : 3 * n])
        o = _sigmoid(a[:, 3 * n :])
        c = f * c + i * g
        h = o * np.tanh(c)
        out[t] = h
    return out


def ref_gru_forward(x, W, H, b, b_hn):
    """Return the hidden outputs (T, B, n) of a GRU layer."""
    T, B, _ = x.shape
    n = H.shape[0]
    h = np.zeros((B, n))
    out = np.zeros((T, B, n))
    for t in range(T):
        a = x[t] @ W + b
        u = h @ H
        r = _sigmoid(a[:, :n] + u[:, :n])
        z = _sigmoid(a[:, n : 2 * n] + u[:, n : 2 * n])
        nn = np.tanh(a[:, 2 * n :] + r * (u[:, 2 * n :] + b_hn))
        h = (1 - z) * nn + z * h
        out[t] = h
    return out


def ref_rnn_forward(x, W, H, b):
    """Return the hidden outputs (T, B, n) of a tanh RNN layer."""
    T, B, _ = x.shape
    h = np.zeros((B, H.shape[0]))
    out = np.zeros((T, B, H.shape[0]))
    for t in range(T):
        h = np.tanh(x[t] @ W + h @ H + b)
        out[t] = h
    return out


REFERENCES = {
    "lstm": lambda x, p: ref_lstm_forward(x, p["W"], p["H"], p["b"]),
    "gru": lambda x, p: ref_gru_forward(x, p["W"], p["H"], p["b"], p["b_hn"]),
    "rnn": lambda x, p: ref_rnn_forward(x, p["W"], p["H"], p["b"]),
}
