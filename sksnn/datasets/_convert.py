"""Build the compact JSB chorales file shipped with sksnn from the Boulanger-Lewandowski
``JSB_Chorales.mat`` (piano rolls, 88 keys, quarter-note steps, 229 / 76 / 77 chorales).

The shipped ``jsb_chorales.npz`` holds, per split, the rolls' bits packed along the key axis
(``np.packbits``) and the sequence lengths. Run ``python -m sksnn.datasets._convert
path/to/JSB_Chorales.mat`` to rebuild it; the tests rebuild it from the shared data and compare.
"""

import sys
from pathlib import Path

import numpy as np

SPLITS = ("train", "valid", "test")
N_KEYS = 88


def rolls_from_mat(path):
    """Read ``{split: list of (T, 88) uint8 rolls}`` from a Boulanger-Lewandowski .mat file."""
    from scipy.io import loadmat

    mat = loadmat(path)
    return {s: [np.asarray(r, dtype=np.uint8) for r in mat[f"{s}data"][0]] for s in SPLITS}


def pack(rolls):
    """Arrays to store for ``{split: rolls}``: packed bits and lengths per split."""
    out = {}
    for split, seqs in rolls.items():
        stacked = np.concatenate(seqs).astype(bool)
        if stacked.shape[1] != N_KEYS:
            raise ValueError(f"expected {N_KEYS} keys, got {stacked.shape[1]}")
        out[f"{split}_bits"] = np.packbits(stacked, axis=1)
        out[f"{split}_lengths"] = np.array([len(s) for s in seqs], dtype=np.int32)
    return out


def unpack(arrays, split, dtype=np.float32):
    """The list of (T, 88) 0/1 rolls of one split."""
    rolls = np.unpackbits(arrays[f"{split}_bits"], axis=1, count=N_KEYS).astype(dtype)
    return np.split(rolls, np.cumsum(arrays[f"{split}_lengths"])[:-1])


def main(argv=None):
    """Convert a .mat file into ``jsb_chorales.npz`` beside this module."""
    argv = sys.argv[1:] if argv is None else argv
    target = Path(__file__).with_name("jsb_chorales.npz")
    np.savez_compressed(target, **pack(rolls_from_mat(argv[0])))
    print(f"wrote {target}")


if __name__ == "__main__":
    main()
