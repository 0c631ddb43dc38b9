"""N-MNIST (Orchard et al. 2015): MNIST digits recorded by an event camera, read from the
original binary files and binned into frames.

Layout under the data folder (see :func:`get_data_home`), as in the original release
(``Train.zip`` and ``Test.zip`` unzipped)::

    nmnist/Train/0/00002.bin ... nmnist/Train/9/*.bin      60000 recordings
    nmnist/Test/0/00004.bin  ... nmnist/Test/9/*.bin       10000 recordings

Binary format: 5 bytes per event. Byte 0 is x, byte 1 is y, bit 7 of byte 2 is the polarity
(0 off, 1 on), and the other 23 bits (byte 2 & 0x7F, byte 3, byte 4, big-endian) are the
timestamp in microseconds. An event with y == 240 is not a spike but a timestamp-overflow
marker: 2**13 is added to the timestamps of the events after it (the rule of the data set's
own MATLAB reader, ``Read_Ndataset.m``). The sensor is 34 x 34 pixels.
"""

from numbers import Integral, Real
from pathlib import Path

import numpy as np
from sklearn.utils import Bunch

from ._fetch import get_data_home, missing_file_message

SENSOR_SIZE = (34, 34)  # (width, height): x in 0..33, y in 0..33
EVENT_BYTES = 5
OVERFLOW_Y = 240
OVERFLOW_INCREMENT = 2**13
EVENT_DTYPE = np.dtype([("x", np.int16), ("y", np.int16), ("t", np.int64), ("p", np.int8)])

SPLITS = {"train": "Train", "test": "Test"}
SOURCE = "https://www.garrickorchard.com/datasets/n-mnist"
POLARITIES = ("split", "sum")

DESCR = (
    "N-MNIST (Orchard, Jayawant, Cohen, Thakor 2015): the MNIST digits recorded by an ATIS "
    "event camera (34x34 pixels) making three saccades of about 100 ms each; 60000 training "
    "and 10000 test recordings, labels 0-9. Events binned into equal time steps: per step, "
    "the event counts of each pixel (off channel then on channel with polarity='split')."
)


def read_nmnist_events(path):
    """The events of one N-MNIST recording (an original ``.bin`` file).

    Parameters
    ----------
    path : str or path-like
        The ``.bin`` file.

    Returns
    -------
    events : structured ndarray of shape (n_events,)
        Fields ``x`` and ``y`` (int16, pixel column and row, 0 to 33), ``t`` (int64,
        timestamp in microseconds, non-decreasing) and ``p`` (int8, polarity: 0 off, 1 on),
        in file order. Timestamp-overflow markers (y == 240) are applied (2**13 is added to
        the timestamps of every later event) and removed.

    Raises
    ------
    FileNotFoundError
        ``path`` does not exist.
    ValueError
        The file size is not a multiple of 5 bytes, an event lies outside the 34 x 34 sensor,
        or the timestamps go backwards; the message names the file.

    Examples
    --------
    >>> from sksnn.datasets import read_nmnist_events
    >>> ev = read_nmnist_events("nmnist/Test/7/00001.bin")  # doctest: +SKIP
    >>> ev.dtype.names  # doctest: +SKIP
    ('x', 'y', 't', 'p')
    """
    path = Path(path)
    raw = np.fromfile(path, dtype=np.uint8)
    if raw.size % EVENT_BYTES:
        raise ValueError(
            f"{path} holds {raw.size} bytes, not a multiple of the {EVENT_BYTES} bytes of an "
            "N-MNIST event: the file is truncated or not an N-MNIST recording."
        )
    raw = raw.reshape(-1, EVENT_BYTES)
    x, y = raw[:, 0], raw[:, 1]
    b = raw[:, 2:].astype(np.int64)
    t = ((b[:, 0] & 0x7F) << 16) | (b[:, 1] << 8) | b[:, 2]
    marker = y == OVERFLOW_Y
    if marker.any():
        t += OVERFLOW_INCREMENT * np.cumsum(marker)
    keep = ~marker
    x, y, t = x[keep], y[keep], t[keep]
    width, height = SENSOR_SIZE
    outside = (x >= width) | (y >= height)
    if outside.any():
        i = int(np.flatnonzero(outside)[0])
        raise ValueError(
            f"{path}: {int(outside.sum())} events lie outside the {width}x{height} sensor (the "
            f"first has x={int(x[i])}, y={int(y[i])}): the file is corrupt or not an N-MNIST "
            "recording."
        )
    back = np.flatnonzero(np.diff(t) < 0)
    if back.size:
        i = int(back[0])
        raise ValueError(
            f"{path}: the timestamps go backwards ({int(t[i])} us then {int(t[i + 1])} us, "
            "after applying the overflow markers): the file is corrupt or not an N-MNIST "
            "recording."
        )
    events = np.empty(t.size, dtype=EVENT_DTYPE)
    events["x"], events["y"], events["t"] = x, y, t
    events["p"] = raw[keep, 2] >> 7
    return events


def _check_n_steps(n_steps):
    if not isinstance(n_steps, Integral) or isinstance(n_steps, bool) or n_steps < 1:
        raise ValueError(f"n_steps must be a positive integer; got {n_steps!r}.")


def _check_options(sensor_size, duration, polarity):
    """Validate the binning options; return ``(width, height)``."""
    try:
        width, height = (int(s) for s in sensor_size)
    except (TypeError, ValueError):
        width = height = 0
    if width < 1 or height < 1 or tuple(sensor_size) != (width, height):
        raise ValueError(
            f"sensor_size must be (width, height), two positive integers; got {sensor_size!r}."
        )
    if duration is not None and (
        not isinstance(duration, Real) or isinstance(duration, bool) or not duration > 0
    ):
        raise ValueError(
            f"duration must be a positive number of microseconds or None; got {duration!r}."
        )
    if polarity not in POLARITIES:
        raise ValueError(f"polarity must be one of {list(POLARITIES)}; got {polarity!r}.")
    return width, height


def events_to_frames(
    events,
    n_steps,
    *,
    sensor_size=SENSOR_SIZE,
    duration=None,
    polarity="split",
    binary=False,
    dtype=np.float32,
):
    """Bin events into ``n_steps`` frames of per-pixel event counts: one (T, F) sequence.

    The time span ``[0, D]``, ``D`` being ``duration`` or else the last timestamp, is cut into
    ``n_steps`` equal bins: step k counts the events with ``k * D / n_steps <= t < (k + 1) * D
    / n_steps`` (the last bin also holds ``t == D``). Events after ``duration`` are dropped.

    Parameters
    ----------
    events : structured ndarray
        Fields ``x``, ``y``, ``t`` (microseconds, >= 0) and ``p`` (0 off, 1 on), as returned
        by :func:`read_nmnist_events`.
    n_steps : int
        Number of time steps T.
    sensor_size : (int, int), default=(34, 34)
        (width, height): ``x`` in ``0..width - 1``, ``y`` in ``0..height - 1``.
    duration : float, default=None
        Span ``D`` in microseconds covered by the steps. None: the last timestamp of
        ``events``. A fixed value (e.g. 316000 for N-MNIST) gives the steps of every recording
        the same length.
    polarity : {"split", "sum"}, default="split"
        "split": ``2 * width * height`` features, the off channel then the on channel.
        "sum": ``width * height`` features, both polarities counted together.
    binary : bool, default=False
        Clip the counts at 1 (a spike where a pixel had at least one event in the step).
    dtype : dtype, default=np.float32
        Type of the returned array.

    Returns
    -------
    frames : ndarray of shape (n_steps, n_features)
        Event counts. Feature ``c * width * height + y * width + x`` is pixel (x, y) of channel
        c (c = polarity with "split", 0 with "sum"): each channel is a row-major image. A list
        of such arrays, or a 3-D stack of them, is an ``X`` for sksnn's estimators.

    Raises
    ------
    ValueError
        Invalid options, an event outside the sensor, a polarity other than 0 and 1, a
        negative timestamp, or counts too large for an integer ``dtype``.

    Examples
    --------
    >>> import numpy as np
    >>> from sksnn.datasets import events_to_frames
    >>> ev = np.array([(0, 0, 0, 1), (1, 0, 90, 0), (1, 0, 100, 0)],
    ...               dtype=[("x", "i2"), ("y", "i2"), ("t", "i8"), ("p", "i1")])
    >>> events_to_frames(ev, 2, sensor_size=(2, 1))
    array([[0., 0., 1., 0.],
           [0., 2., 0., 0.]], dtype=float32)
    >>> events_to_frames(ev, 2, sensor_size=(2, 1), polarity="sum", binary=True)
    array([[1., 0.],
           [0., 1.]], dtype=float32)
    """
    _check_n_steps(n_steps)
    width, height = _check_options(sensor_size, duration, polarity)
    events = np.asarray(events)
    missing = [f for f in "xytp" if events.dtype.names is None or f not in events.dtype.names]
    if missing or events.ndim != 1:
        raise ValueError(
            "events must be a 1-D structured array with fields x, y, t and p (see "
            f"read_nmnist_events); got dtype {events.dtype} and shape {events.shape}."
        )
    x, y, t, p = (events[f].astype(np.int64) for f in "xytp")
    for name, v, hi in (("x", x, width), ("y", y, height), ("p", p, 2)):
        if v.size and (v.min() < 0 or v.max() >= hi):
            raise ValueError(
                f"events {name} must lie in 0..{hi - 1}; got values in {v.min()}..{v.max()}."
                + (f" (sensor_size={(width, height)})" if name != "p" else "")
            )
    if t.size and t.min() < 0:
        raise ValueError(f"events t must be >= 0; got {t.min()}.")
    if duration is None:
        span = t.max() if t.size else 0
    else:
        span = duration
        inside = t <= duration
        x, y, t, p = x[inside], y[inside], t[inside], p[inside]
    # floor(t * n_steps / span) on integers is exact in float64 for any realistic span
    step = np.floor(t * n_steps / (span if span > 0 else 1)).astype(np.int64)
    np.minimum(step, n_steps - 1, out=step)
    n_pixels = width * height
    feature = y * width + x
    n_features = n_pixels
    if polarity == "split":
        feature += p * n_pixels
        n_features *= 2
    counts = np.bincount(step * n_features + feature, minlength=n_steps * n_features)
    counts = counts.reshape(n_steps, n_features)
    if binary:
        np.minimum(counts, 1, out=counts)
    dtype = np.dtype(dtype)
    if np.issubdtype(dtype, np.integer) and counts.size and counts.max() > np.iinfo(dtype).max:
        raise ValueError(
            f"A pixel counts {counts.max()} events in one step, more than {dtype} holds; use "
            "a wider dtype, more steps or binary=True."
        )
    return counts.astype(dtype)


def load_nmnist(
    split="train",
    *,
    data_home=None,
    n_steps=30,
    duration=None,
    polarity="split",
    binary=False,
    dtype=np.float32,
    return_X_y=False,
):
    """N-MNIST from the original event files, each recording binned into ``n_steps`` frames.

    Every ``.bin`` file of ``data_home/nmnist/Train/<digit>/`` (or ``Test/``) is read with
    :func:`read_nmnist_events` and turned into a (n_steps, n_features) sequence with
    :func:`events_to_frames`; its label is the name of its digit folder. Nothing is downloaded.

    Parameters
    ----------
    split : {"train", "test"}, default="train"
        The 60000 training (``Train/``) or the 10000 test (``Test/``) recordings.
    data_home : str or path-like, default=None
        Folder holding ``nmnist/Train/`` and ``nmnist/Test/`` with the digit folders ``0/`` to
        ``9/`` of the original release (get ``Train.zip`` and ``Test.zip`` from
        https://www.garrickorchard.com/datasets/n-mnist and unzip them into ``nmnist/``).
        None: the ``SKSNN_DATA`` environment variable, else ``~/sksnn_data``
        (:func:`~sksnn.datasets.get_data_home`).
    n_steps : int, default=30
        Time steps per recording.
    duration : float, default=None
        Span in microseconds cut into the steps. None: each recording's own last timestamp
        (about 300 ms: three saccades of about 100 ms). Pass a fixed value (e.g. 316000) for
        steps of the same length in every recording; later events are dropped.
    polarity : {"split", "sum"}, default="split"
        "split": 2 * 34 * 34 = 2312 features (off channel then on channel); "sum": 1156.
    binary : bool, default=False
        Clip the counts at 1 (spikes).
    dtype : dtype, default=np.float32
        Type of the frames. The full training set at 30 steps holds 60000 x 30 x 2312 values:
        16.6 GB as float32, 4.2 GB as uint8 (``dtype=np.uint8``, with ``binary=True`` or
        enough steps that no count exceeds 255).
    return_X_y : bool, default=False
        Return ``(X, y)`` instead of a Bunch.

    Returns
    -------
    data : Bunch
        ``data``: array of shape (n_samples, n_steps, n_features), event counts per step (see
        :func:`events_to_frames` for the feature order), a valid ``X`` for sksnn's
        classifiers; ``target``: int64 array of shape (n_samples,), labels 0-9;
        ``target_names``; ``filenames``: the path of each recording; ``DESCR``. Recordings are
        ordered by digit, then by file name.
    (X, y) : tuple
        When ``return_X_y`` is True.

    Raises
    ------
    FileNotFoundError
        ``data_home/nmnist/Train`` (or ``Test``) is missing or holds no ``<digit>/*.bin``.
    ValueError
        Unknown ``split``, invalid binning options, or a corrupt ``.bin`` file (the message
        names it).

    Examples
    --------
    >>> from sksnn.datasets import load_nmnist
    >>> X, y = load_nmnist("test", n_steps=20, return_X_y=True)  # doctest: +SKIP
    >>> X.shape, y[:3]  # doctest: +SKIP
    ((10000, 20, 2312), array([0, 0, 0]))
    """
    if split not in SPLITS:
        raise ValueError(f"Unknown split {split!r}; valid splits are {list(SPLITS)}.")
    _check_n_steps(n_steps)
    _check_options(SENSOR_SIZE, duration, polarity)
    folder = get_data_home(data_home) / "nmnist" / SPLITS[split]
    how = (
        f"Get N-MNIST ({SPLITS[split]}.zip) from {SOURCE} and unzip it into "
        f"{folder.parent}, so that {folder} holds the digit folders 0/ to 9/ of .bin files."
    )
    if not folder.is_dir():
        raise FileNotFoundError(missing_file_message(folder, how))
    files = [
        (digit, path)
        for digit in range(10)
        for path in sorted((folder / str(digit)).glob("*.bin"))
        if path.is_file()
    ]
    if not files:
        raise FileNotFoundError(f"{folder} holds no <digit>/*.bin recording (0/ to 9/). {how}")
    n_features = SENSOR_SIZE[0] * SENSOR_SIZE[1] * (2 if polarity == "split" else 1)
    X = np.empty((len(files), n_steps, n_features), dtype=dtype)
    for i, (_, path) in enumerate(files):
        X[i] = events_to_frames(
            read_nmnist_events(path),
            n_steps,
            duration=duration,
            polarity=polarity,
            binary=binary,
            dtype=dtype,
        )
    y = np.array([digit for digit, _ in files], dtype=np.int64)
    if return_X_y:
        return X, y
    return Bunch(
        data=X,
        target=y,
        target_names=[str(d) for d in range(10)],
        filenames=[str(path) for _, path in files],
        DESCR=DESCR,
    )
