"""
Surrogate derivatives
=====================

The SNU emits spikes with a Heaviside step; backpropagation replaces its derivative by a
surrogate. This plots every surrogate of ``sksnn`` at its default slope (needs matplotlib).
"""

# %%
import matplotlib.pyplot as plt
import numpy as np

from sksnn._engine import SURROGATES, surrogate_derivative

u = np.linspace(-3, 3, 601)
fig, ax = plt.subplots(figsize=(6, 3.5))
for name in SURROGATES:
    ax.plot(u, surrogate_derivative(name, u), label=name)
ax.set_xlabel("u = s - threshold")
ax.set_ylabel("dy/du (surrogate)")
ax.legend()
fig.tight_layout()
plt.show()
