"""sksnn: spiking neural networks (SNU, sSNU) for scikit-learn, on a NumPy/Numba BPTT engine."""

__version__ = "0.1.0.dev0"

__all__ = ["__version__"]
