"""sksnn: spiking neural networks (SNU, sSNU) for scikit-learn, on a NumPy/Numba BPTT engine."""

__version__ = "0.1.0.dev0"

from .baselines import (
    GRUClassifier,
    GRUSequencePredictor,
    LSTMClassifier,
    LSTMSequencePredictor,
    RNNClassifier,
    RNNSequencePredictor,
)
from .pcm import PCMDeviceTransformer
from .snu import SNUClassifier, SNUSequencePredictor
from .softlif import SoftLIFClassifier
from .src import SRCClassifier, SRCSequencePredictor

__all__ = [
    "GRUClassifier",
    "GRUSequencePredictor",
    "LSTMClassifier",
    "LSTMSequencePredictor",
    "PCMDeviceTransformer",
    "RNNClassifier",
    "RNNSequencePredictor",
    "SNUClassifier",
    "SNUSequencePredictor",
    "SRCClassifier",
    "SRCSequencePredictor",
    "SoftLIFClassifier",
    "__version__",
]
