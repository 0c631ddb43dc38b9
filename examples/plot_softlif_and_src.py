"""
Soft-LIF conversion and the Spiking Recurrent Cell on digits
============================================================

Two more neuron models on scikit-learn's 8x8 digits, read as 64 static pixels in [0, 1].
:class:`sksnn.SoftLIFClassifier` trains soft-LIF rate units like an ANN and then runs the same
weights as spiking LIF neurons; the spiking network needs enough presentation time to match
the rate network. :class:`sksnn.SRCClassifier` is made of Spiking Recurrent Cells trained on
their spiking dynamics; its hidden layer is shown spike by spike. See "Other neuron models of
the research line" in the user guide.
"""

# %%
# Data: the pixels scaled to [0, 1], the same 70 % / 30 % split for both models.
import warnings

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

from sksnn import SoftLIFClassifier, SRCClassifier
from sksnn.plotting import plot_membrane, plot_raster

X, y = load_digits(return_X_y=True)
X = X / 16
X_tr, X_te, y_tr, y_te = train_test_split(X, y, test_size=0.3, stratify=y, random_state=0)
print(X_tr.shape, X_te.shape)

# %%
# Soft LIF: one hidden layer of 128 units, trained as a rate network (one step per input, with
# noise on the rates). Its test accuracy is the rate network's.
softlif = SoftLIFClassifier((128,), random_state=0).fit(X_tr, y_tr)
rate_accuracy = softlif.score(X_te, y_te)
print(f"rate network accuracy {rate_accuracy:.3f}  epochs {softlif.n_iter_}")

# %%
# ``spiking=True`` makes ``score`` run the same weights as spiking LIF neurons with alpha
# synapses: each digit is presented for ``presentation_time`` seconds in steps of ``dt``
# (1 ms), and the class is read from the output averaged over the last half of the
# presentation. Each alpha synapse (``tau_synapse``, 5 ms) delays and smooths the spike
# trains, so the output needs a few tens of milliseconds to settle at the rates the network
# was trained on; shorter presentations fall towards chance (0.1).
presentation_times = (0.01, 0.02, 0.05, 0.1, 0.15, 0.3)
spiking_accuracy = []
softlif.set_params(spiking=True)
for t in presentation_times:
    spiking_accuracy.append(softlif.set_params(presentation_time=t).score(X_te, y_te))
    print(f"spiking, {1000 * t:3.0f} ms: accuracy {spiking_accuracy[-1]:.3f}")
softlif.set_params(spiking=False, presentation_time=0.15)  # back to the rate network

fig, ax = plt.subplots(figsize=(6, 3.5))
ax.axhline(rate_accuracy, color="k", lw=0.8, label="rate network")
ax.plot(1000 * np.array(presentation_times), spiking_accuracy, "o-", label="spiking LIF")
ax.set_xscale("log")
ax.set_xticks([10, 20, 50, 100, 150, 300], labels=["10", "20", "50", "100", "150", "300"])
ax.minorticks_off()
ax.set_ylim(0, 1.05)
ax.set_xlabel("presentation time (ms)")
ax.set_ylabel("test accuracy")
ax.legend(loc="lower right")
ax.grid(alpha=0.3)
fig.tight_layout()
plt.show()

# %%
# Spiking Recurrent Cell: 64 hidden SRC units and 10 SRC output units. The pixels are
# rate-coded into input spikes over ``n_steps=50`` time steps. ``max_iter=20`` is far from
# convergence, so the ``ConvergenceWarning`` is expected and silenced here.
src = SRCClassifier((64,), max_iter=20, random_state=0)
with warnings.catch_warnings():
    warnings.simplefilter("ignore", UserWarning)
    src.fit(X_tr, y_tr)
print(f"SRC accuracy {src.score(X_te, y_te):.3f}")

# %%
# The fast variable :math:`h` of four hidden units on the first test digit: a unit spikes
# while :math:`h > 0` (dotted line), then its slow negative feedback pulls it back down. The
# three most active units are drawn, and one that stays silent on this digit.
spikes = src.record(X_te[:1])[0]["spikes"][0]  # (time steps, hidden units)
counts = (spikes > 0.5).sum(axis=0)
order = np.argsort(counts, kind="stable")
units = [*order[::-1][:3], order[0]]
fig, ax = plt.subplots(figsize=(7, 3.5))
plot_membrane(src, X_te, sample=0, layer=0, units=units, ax=ax)
fig.tight_layout()
plt.show()

# %%
# All 64 hidden units on the same digit. An SRC spike is the positive part of :math:`h`, a
# pulse about two steps wide, so the raster shows its height rather than a tick. The units
# need a few steps to fire their first spike.
fig, ax = plt.subplots(figsize=(7, 4))
plot_raster(src, X_te, sample=0, layer=0, ax=ax)
fig.tight_layout()
plt.show()
