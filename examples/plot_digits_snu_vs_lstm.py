"""
SNU, sSNU and LSTM on digits read row by row
============================================

scikit-learn's 8x8 digits become sequences of 8 time steps (one row of 8 pixels per step,
:func:`sksnn.datasets.load_digits_sequences`). A spiking network (SNU), its soft variant
(sSNU) and an LSTM, each with one hidden layer of 128 units and otherwise default
parameters, are trained on the same 70 % split and compared on the other 30 %: test accuracy
and fit time. All three estimators share one engine and one set of parameter names, so the
comparison changes nothing but the cell.
"""

# %%
# Data: 1797 digits, each an array of shape (8 steps, 8 pixels) with values in [0, 1].
import time
import warnings

import matplotlib.pyplot as plt
from sklearn.model_selection import train_test_split

from sksnn import LSTMClassifier, SNUClassifier
from sksnn.datasets import load_digits_sequences

X, y = load_digits_sequences(return_X_y=True)
X_tr, X_te, y_tr, y_te = train_test_split(X, y, test_size=0.3, stratify=y, random_state=0)
print(X_tr.shape, X_te.shape)

# %%
# Fit the three models. ``max_iter`` stays at its default of 200; the ``"adaptive"``
# learning-rate schedule stops each run once the training loss no longer improves (a
# ``ConvergenceWarning`` would say otherwise).
models = {
    "SNU": SNUClassifier((128,), random_state=0),
    "sSNU": SNUClassifier((128,), soft=True, random_state=0),
    "LSTM": LSTMClassifier((128,), random_state=0),
}
accuracy, seconds = {}, {}
for name, model in models.items():
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        model.fit(X_tr, y_tr)
    seconds[name] = time.perf_counter() - start
    accuracy[name] = model.score(X_te, y_te)
    print(
        f"{name:5s} accuracy {accuracy[name]:.3f}  fit {seconds[name]:.1f} s  "
        f"epochs {model.n_iter_}"
    )

# %%
# The spiking layers' mean outputs during the last epoch (``firing_rates_``): the hidden
# layer, then the output layer. A layer near 0 would be silent (see the FAQ).
for name in ("SNU", "sSNU"):
    print(name, models[name].firing_rates_.round(3))

# %%
# Test accuracy and fit time side by side.
names = list(models)
colors = ["tab:blue", "tab:cyan", "tab:orange"]
fig, (ax_acc, ax_time) = plt.subplots(1, 2, figsize=(7.5, 3.2))
bars = ax_acc.bar(names, [accuracy[n] for n in names], color=colors)
ax_acc.bar_label(bars, fmt="%.3f", padding=2)
ax_acc.set_ylim(0.8, 1.02)
ax_acc.set_yticks([0.8, 0.85, 0.9, 0.95, 1.0])
ax_acc.set_ylabel("test accuracy")
bars = ax_time.bar(names, [seconds[n] for n in names], color=colors)
ax_time.bar_label(bars, fmt="%.1f s", padding=2)
ax_time.set_ylim(0, 1.2 * max(seconds.values()))
ax_time.set_ylabel("fit time (s)")
fig.suptitle("Digits, 8 rows as 8 time steps, 128 hidden units")
fig.tight_layout()
plt.show()
