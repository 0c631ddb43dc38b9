"""
Surrogate derivatives
=====================

The SNU emits spikes with a Heaviside step; backpropagation replaces its derivative by a
surrogate, a function of the distance to threshold :math:`u = s - \\theta`. This plots every
surrogate of ``sksnn`` at its default slope, then one surrogate at several slopes (the
``surrogate`` and ``surrogate_slope`` parameters of the SNU estimators; needs matplotlib).
"""

# %%
# At their default slopes every surrogate peaks at 1 for :math:`u = 0`, so they can be
# swapped without retuning the learning rate; they differ in how far from the threshold they
# still pass a gradient.
import matplotlib.pyplot as plt

from sksnn.plotting import plot_surrogates

fig, ax = plt.subplots(figsize=(7, 3.5))
plot_surrogates(ax=ax)
ax.set_ylim(-0.05, 1.15)
ax.legend(loc="center left", bbox_to_anchor=(1.01, 0.5), frameon=False)
ax.set_title("default slopes")
fig.tight_layout()

# %%
# ``surrogate_slope`` sharpens or widens one surrogate: here ``"atan"`` with slope k, whose
# peak is k / 2.
fig, ax = plt.subplots(figsize=(7, 3.5))
for k in (1.0, 2.0, 4.0):
    plot_surrogates(["atan"], slope=k, ax=ax)
for line, k in zip(ax.get_lines(), (1.0, 2.0, 4.0)):
    line.set_label(f"atan, k = {k:g}")
ax.legend(loc="center left", bbox_to_anchor=(1.01, 0.5), frameon=False)
ax.set_title("one surrogate, three slopes")
fig.tight_layout()
plt.show()
