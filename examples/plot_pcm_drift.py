"""
A spiking network on simulated phase-change memory
==================================================

Train an SNU classifier on digits (rows as time steps), then read its synaptic weights from
simulated PCM devices one second to one year after programming, with and without drift
compensation. Needs matplotlib.
"""

# %%
import matplotlib.pyplot as plt
import numpy as np
from sklearn.model_selection import train_test_split

from sksnn import PCMDeviceTransformer, SNUClassifier
from sksnn.datasets import load_digits_sequences

X, y = load_digits_sequences(return_X_y=True)
X_tr, X_te, y_tr, y_te = train_test_split(X, y, test_size=0.3, stratify=y, random_state=0)
clf = SNUClassifier((128,), random_state=0).fit(X_tr, y_tr)
software = clf.score(X_te, y_te)

# %%
# The same programmed devices are read at later times (``t_inference``); five device seeds
# show the spread.
times = np.logspace(0, 7.5, 7)
curves = {}
for comp in (True, False):
    curves[comp] = [
        np.mean([
            clf.set_params(device=PCMDeviceTransformer(
                t_inference=t, drift_compensation=comp, random_state=seed
            )).score(X_te, y_te)
            for seed in range(5)
        ])
        for t in times
    ]  # fmt: skip
clf.set_params(device=None)

fig, ax = plt.subplots(figsize=(6, 3.5))
ax.axhline(software, color="k", lw=0.8, label="software")
ax.plot(times, curves[True], "o-", label="PCM, drift compensation")
ax.plot(times, curves[False], "o--", label="PCM, no compensation")
for t, label in ((3600, "1 hour"), (86400, "1 day"), (3.15e7, "1 year")):
    ax.axvline(t, color="0.8", lw=0.8, zorder=0)
    ax.annotate(
        label,
        (t, 1),
        xycoords=("data", "axes fraction"),
        xytext=(0, 3),
        textcoords="offset points",
        ha="center",
        fontsize=8,
        color="0.4",
    )
ax.set_xscale("log")
ax.set_xlabel("seconds after programming")
ax.set_ylabel("test accuracy")
ax.legend(loc="lower left")
fig.tight_layout()
plt.show()
