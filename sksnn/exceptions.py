"""Warnings raised by sksnn estimators."""

from sklearn.exceptions import ConvergenceWarning


class DivergenceWarning(ConvergenceWarning):
    """Training stopped because the loss or the gradients became non-finite.

    The estimator keeps the best weights seen before the divergence.
    """


__all__ = ["ConvergenceWarning", "DivergenceWarning"]
