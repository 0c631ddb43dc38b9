"""
Next-step prediction of Bach chorales with an SNU
=================================================

The JSB chorales (:func:`sksnn.datasets.load_jsb_chorales`) are piano rolls: at each
quarter-note step, which of the 88 keys sound. :class:`sksnn.SNUSequencePredictor` with
``y=None`` learns to predict step t + 1 from the steps up to t; its score is minus the negative
log-likelihood per step, summed over the 88 keys (lower NLL is better; the SNU paper reports
8.72 for a tuned SNU). This short run, 10 epochs on the 229 training chorales, takes a few
seconds.
"""

# %%
# sphinx_gallery_thumbnail_number = 2
import warnings

import matplotlib.pyplot as plt
import numpy as np

from sksnn import SNUSequencePredictor
from sksnn.datasets import load_jsb_chorales

data = load_jsb_chorales()
print(len(data.train), "training chorales; the first is", data.train[0].shape)

# %%
# A recurrent SNU layer of 150 units (the paper's size), 10 epochs. ``max_iter=10`` is far
# from convergence, so the ``ConvergenceWarning`` is expected and silenced here.
model = SNUSequencePredictor((150,), max_iter=10, random_state=0)
with warnings.catch_warnings():
    warnings.simplefilter("ignore", UserWarning)
    model.fit(data.train)
print(f"test NLL per step: {-model.score(data.test):.2f}")

# %%
# The training loss per epoch (``loss_curve_``): NLL per step on the training set, summed over
# the 88 keys.
fig, ax = plt.subplots(figsize=(5, 3))
epochs = np.arange(1, len(model.loss_curve_) + 1)
ax.plot(epochs, model.loss_curve_, "o-")
ax.set_xlabel("epoch")
ax.set_ylabel("training NLL per step")
ax.set_yscale("log")
ax.set_yticks([8, 10, 15, 20, 30], labels=["8", "10", "15", "20", "30"])
ax.minorticks_off()
ax.set_xticks(epochs)
ax.grid(alpha=0.3)
fig.tight_layout()

# %%
# Predicted probabilities for one test chorale, next to what was played. Row t of
# ``predict_proba`` is the prediction for step t + 1, so it is compared with the roll shifted
# by one step. Only the keys within the chorale's range (plus a margin) are drawn.
roll = data.test[0]
proba = model.predict_proba([roll])[0][:-1]  # predictions of steps 1 .. T-1
target = roll[1:]
used = np.flatnonzero(target.any(axis=0))
keys = slice(max(used.min() - 4, 0), min(used.max() + 5, 88))
midi = np.arange(88)[keys] + 21  # key 0 is MIDI note 21 (A0)
extent = (0.5, len(target) + 0.5, midi[0] - 0.5, midi[-1] + 0.5)

fig, (ax_true, ax_pred) = plt.subplots(2, 1, figsize=(7, 5.5), sharex=True, layout="constrained")
ax_true.imshow(
    target[:, keys].T,
    aspect="auto",
    origin="lower",
    extent=extent,
    cmap="Greys",
    interpolation="nearest",
)
ax_true.set_title("played (step t + 1)")
im = ax_pred.imshow(
    proba[:, keys].T,
    aspect="auto",
    origin="lower",
    extent=extent,
    cmap="magma",
    vmin=0,
    vmax=1,
    interpolation="nearest",
)
ax_pred.set_title("predicted probability (from steps up to t)")
ax_pred.set_xlabel("time step")
for ax in (ax_true, ax_pred):
    ax.set_ylabel("MIDI note")
fig.colorbar(im, ax=[ax_true, ax_pred], shrink=0.5, label="probability")
plt.show()
