"""The sksnn engine: pure array code (NumPy, SciPy, Numba); it never imports scikit-learn.

Cells (:mod:`.snu`), surrogate derivatives (:mod:`.surrogates`), membrane non-linearities
(:mod:`.activations`), readouts, losses, optimizers, the layer stack (:mod:`.network`) and
thread control (:mod:`.threads`).
"""

from .activations import ACTIVATIONS
from .gru import GRUCell
from .losses import LOSSES
from .lstm import LSTMCell
from .network import Network, calibrate_input_gain
from .optimizers import OPTIMIZERS, SGD, Adam, add_l2, clip_grad_norm
from .readouts import READOUTS
from .rnn import RNNCell
from .snu import SNUCell, snu_init
from .softlif import SoftLIFCell
from .src import SRCCell
from .surrogates import SURROGATES, default_slope, surrogate_derivative
from .threads import numba_threads

#: cell name -> factory taking the cell keyword arguments
CELLS = {
    "snu": lambda **kw: SNUCell(soft=False, **kw),
    "ssnu": lambda **kw: SNUCell(soft=True, **kw),
    "lstm": LSTMCell,
    "gru": GRUCell,
    "rnn": RNNCell,
    "src": SRCCell,
    "softlif": SoftLIFCell,
}

__all__ = [
    "ACTIVATIONS",
    "CELLS",
    "LOSSES",
    "OPTIMIZERS",
    "READOUTS",
    "SGD",
    "SURROGATES",
    "Adam",
    "GRUCell",
    "LSTMCell",
    "Network",
    "RNNCell",
    "SNUCell",
    "SRCCell",
    "SoftLIFCell",
    "add_l2",
    "calibrate_input_gain",
    "clip_grad_norm",
    "default_slope",
    "numba_threads",
    "snu_init",
    "surrogate_derivative",
]
