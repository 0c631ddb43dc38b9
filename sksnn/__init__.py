"""sksnn: spiking neural networks (SNU, sSNU) for scikit-learn, on a NumPy/Numba BPTT engine."""

__version__ = "0.1.0.dev0"

from .snu import SNUClassifier, SNUSequencePredictor

__all__ = ["SNUClassifier", "SNUSequencePredictor", "__version__"]
