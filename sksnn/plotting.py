"""Plots of fitted sksnn estimators (needs matplotlib: ``pip install sksnn[plot]``).

Every function draws on a given Matplotlib ``Axes`` (or a new one) and returns it.
"""

import numpy as np


def _axes(ax, **subplots):
    try:
        import matplotlib.pyplot as plt
    except ImportError as exc:  # pragma: no cover - exercised only without matplotlib
        raise ImportError("sksnn.plotting needs matplotlib: pip install 'sksnn[plot]'") from exc
    if ax is None:
        _, ax = plt.subplots(**subplots)
    return ax


def _sample_states(estimator, X, sample):
    X1 = X[sample : sample + 1] if not isinstance(X, list) else [X[sample]]
    return estimator.record(X1)


def plot_raster(estimator, X, sample=0, layer=-1, ax=None):
    """Spike raster (or output intensity, for non-spiking layers) of one layer on one input.

    Parameters
    ----------
    estimator : fitted sksnn estimator
    X : array-like
        Input in the form ``predict`` takes; sample ``sample`` is shown.
    sample : int, default=0
    layer : int, default=-1
        Layer index (the last by default).
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib Axes
    """
    ax = _axes(ax, figsize=(6, 3))
    states = _sample_states(estimator, X, sample)[layer]
    if "spikes" not in states and "hidden" not in states:
        raise ValueError(
            f"plot_raster needs a layer with outputs over time steps; {type(estimator).__name__}"
            f" records only {sorted(states)} (a soft-LIF network has rates, no time steps)."
        )
    out = states.get("spikes", states.get("hidden"))[0]  # (T, n)
    if "spikes" in states and set(np.unique(out)) <= {0.0, 1.0}:
        t, unit = np.nonzero(out)
        ax.scatter(t, unit, marker="|", s=40, color="k")
        ax.set_xlim(-0.5, out.shape[0] - 0.5)
        ax.set_ylim(-0.5, out.shape[1] - 0.5)
    else:
        im = ax.imshow(out.T, aspect="auto", origin="lower", interpolation="nearest", cmap="magma")
        ax.figure.colorbar(im, ax=ax, label="output")
    ax.set_xlabel("time step")
    ax.set_ylabel("unit")
    ax.set_title(
        f"layer {layer if layer >= 0 else len(estimator.coefs_) + layer}, sample {sample}"
    )
    return ax


def plot_membrane(estimator, X, sample=0, layer=0, units=(0, 1, 2, 3), ax=None):
    """Membrane traces of a few units of a spiking layer, with their thresholds and spikes.

    Parameters
    ----------
    estimator : fitted SNU estimator
    X : array-like
    sample : int, default=0
    layer : int, default=0
    units : sequence of int, default=(0, 1, 2, 3)
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib Axes
    """
    ax = _axes(ax, figsize=(6, 3))
    states = _sample_states(estimator, X, sample)[layer]
    if "membrane" not in states:
        raise ValueError("plot_membrane needs a spiking layer (SNU, sSNU or SRC).")
    s, y = states["membrane"][0], states["spikes"][0]
    if estimator.thresholds_:
        theta = estimator.thresholds_[layer]
    else:  # an SRC spikes while its fast variable h is above 0
        theta = np.zeros(s.shape[1])
    for j in units:
        (line,) = ax.plot(s[:, j], marker=".", label=f"unit {j}")
        ax.axhline(theta[j], color=line.get_color(), ls=":", lw=0.8)
        fired = np.nonzero(y[:, j] > 0.5)[0]
        ax.plot(fired, s[fired, j], "o", mfc="none", color=line.get_color(), ms=8)
    ax.set_xlabel("time step")
    ax.set_ylabel("membrane state s" if estimator.thresholds_ else "fast variable h")
    ax.legend(fontsize=7)
    ax.set_title("dotted: thresholds; circles: spikes")
    return ax


def plot_training(estimator, ax=None):
    """Training loss per epoch and, with early stopping, the validation score.

    Parameters
    ----------
    estimator : fitted sksnn estimator
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib Axes
    """
    ax = _axes(ax, figsize=(6, 3))
    epochs = np.arange(1, len(estimator.loss_curve_) + 1)
    ax.plot(epochs, estimator.loss_curve_, color="C0", label="training loss")
    ax.set_xlabel("epoch")
    ax.set_ylabel("loss", color="C0")
    if estimator.validation_scores_:
        twin = ax.twinx()
        twin.plot(epochs, estimator.validation_scores_, color="C1", label="validation score")
        twin.set_ylabel("validation score", color="C1")
    return ax


def plot_pcm_drift(estimator, X, y=None, times=None, device=None, n_seeds=3, ax=None):
    """Score of an estimator on simulated PCM devices against time after programming.

    Parameters
    ----------
    estimator : fitted sksnn estimator
    X, y : data for ``estimator.score``
    times : sequence of float, optional
        Seconds after programming; default 1 s to 1 year.
    device : PCMDeviceTransformer, optional
        Device template (default ``PCMDeviceTransformer()``); its ``t_inference``,
        ``drift_compensation`` and ``random_state`` are set here.
    n_seeds : int, default=3
        Device draws averaged per point.
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib Axes
    """
    from sklearn.base import clone

    from .pcm import PCMDeviceTransformer

    ax = _axes(ax, figsize=(6, 3.5))
    times = np.logspace(0, 7.5, 7) if times is None else np.asarray(times, dtype=float)
    template = PCMDeviceTransformer() if device is None else device
    original = estimator.device
    try:
        estimator.set_params(device=None)
        software = estimator.score(X, y)
        for comp, style in ((True, "o-"), (False, "o--")):
            scores = []
            for t in times:
                runs = []
                for seed in range(n_seeds):
                    dev = clone(template).set_params(
                        t_inference=float(t), drift_compensation=comp, random_state=seed
                    )
                    runs.append(estimator.set_params(device=dev).score(X, y))
                scores.append(np.mean(runs))
            label = "PCM, drift compensation" if comp else "PCM, no compensation"
            ax.plot(times, scores, style, label=label)
    finally:
        estimator.set_params(device=original)
    ax.axhline(software, color="k", lw=0.8, label="software")
    ax.set_xscale("log")
    ax.set_xlabel("seconds after programming")
    ax.set_ylabel("score")
    ax.legend(fontsize=8)
    return ax


def plot_surrogates(names=None, slope=None, ax=None):
    """The surrogate derivatives of the spike step, as functions of ``u = s - threshold``.

    Parameters
    ----------
    names : sequence of str, optional
        Surrogates to draw (all by default).
    slope : float, optional
        Common slope; each surrogate's default when omitted.
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib Axes
    """
    from ._engine import SURROGATES, surrogate_derivative

    ax = _axes(ax, figsize=(6, 3.5))
    u = np.linspace(-3, 3, 601)
    for name in names or SURROGATES:
        ax.plot(u, surrogate_derivative(name, u, slope), label=name)
    ax.set_xlabel("u = s - threshold")
    ax.set_ylabel("surrogate dy/du")
    ax.legend(fontsize=8)
    return ax
