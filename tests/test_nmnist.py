"""N-MNIST: the event reader on the shared sample recording, the binning into frames and the
loader of the original folder layout (a tiny fake one built from the sample).

The sample is ``nmnist/sample_nmnist.bin`` of the shared data folder (``../shared/data`` beside
the repository, or the ``SKSNN_SHARED_DATA`` environment variable); the tests that need it skip
when it is absent.
"""

import os
import shutil
from pathlib import Path

import numpy as np
import pytest

from sksnn._sequence import check_sequences
from sksnn.datasets import events_to_frames, load_nmnist, read_nmnist_events

SHARED = Path(os.environ.get("SKSNN_SHARED_DATA") or Path(__file__).parents[2] / "shared" / "data")
SAMPLE = SHARED / "nmnist" / "sample_nmnist.bin"
needs_sample = pytest.mark.skipif(
    not SAMPLE.is_file(),
    reason=f"shared sample {SAMPLE} is absent (set SKSNN_SHARED_DATA to the folder holding "
    "nmnist/sample_nmnist.bin)",
)

# the sample's figures recorded in SOURCES.md
N_EVENTS, N_OFF, N_ON = 4325, 2180, 2145
N_PIXELS = 34 * 34


@pytest.fixture(autouse=True)
def _no_home(tmp_path, monkeypatch):
    """No test reads ~/sksnn_data."""
    monkeypatch.setenv("SKSNN_DATA", str(tmp_path / "env_home"))


@pytest.fixture(scope="module")
def events():
    if not SAMPLE.is_file():
        pytest.skip(f"shared sample {SAMPLE} is absent")
    return read_nmnist_events(SAMPLE)


def _encode(x, y, p, t):
    """The 5 bytes of one N-MNIST event."""
    return bytes([x, y, (p << 7) | ((t >> 16) & 0x7F), (t >> 8) & 0xFF, t & 0xFF])


def _events(rows):
    return np.array(rows, dtype=[("x", "i2"), ("y", "i2"), ("t", "i8"), ("p", "i1")])


# ---------------------------------------------------------------- reader
@needs_sample
def test_sample_events(events):
    assert events.shape == (N_EVENTS,)
    assert events.dtype.names == ("x", "y", "t", "p")
    assert events["t"].dtype == np.int64 and events["p"].dtype == np.int8
    for f in "xy":
        assert events[f].min() == 0 and events[f].max() == 33
    assert np.bincount(events["p"]).tolist() == [N_OFF, N_ON]
    assert np.all(np.diff(events["t"]) >= 0)
    assert events["t"][0] >= 0
    assert events["t"][-1] == pytest.approx(311_000, abs=1000)  # about 311 ms


def test_byte_layout_and_overflow_markers(tmp_path):
    path = tmp_path / "tiny.bin"
    path.write_bytes(_encode(1, 2, 1, 0x7FFFFF) + _encode(33, 0, 0, 0x7FFFFF))
    ev = read_nmnist_events(path)  # the polarity bit is not part of the 23-bit timestamp
    assert ev["x"].tolist() == [1, 33] and ev["y"].tolist() == [2, 0]
    assert ev["p"].tolist() == [1, 0] and ev["t"].tolist() == [0x7FFFFF] * 2
    # each marker (y == 240) adds 2**13 to the later timestamps and is dropped
    path.write_bytes(
        _encode(4, 5, 0, 100)
        + _encode(6, 7, 1, 2**13 - 1)
        + _encode(0, 240, 0, 0)
        + _encode(8, 9, 1, 5)
        + _encode(0, 240, 0, 0) * 2
        + _encode(3, 4, 0, 20)
    )
    ev = read_nmnist_events(path)
    assert ev["t"].tolist() == [100, 2**13 - 1, 2**13 + 5, 3 * 2**13 + 20]
    assert ev["x"].tolist() == [4, 6, 8, 3] and ev["p"].tolist() == [0, 1, 1, 0]
    path.write_bytes(b"")
    assert read_nmnist_events(path).shape == (0,)


@needs_sample
def test_truncated_file_names_the_file(tmp_path):
    path = tmp_path / "truncated.bin"
    path.write_bytes(SAMPLE.read_bytes()[:-3])
    with pytest.raises(ValueError, match=r"truncated\.bin holds 21622 bytes, not a multiple"):
        read_nmnist_events(path)


@pytest.mark.parametrize("xy", [(34, 0), (0, 34), (255, 3), (3, 239)])
def test_bad_coordinate_names_the_file(tmp_path, xy):
    path = tmp_path / "bad.bin"
    path.write_bytes(_encode(1, 1, 0, 5) + _encode(*xy, 1, 6))
    with pytest.raises(ValueError, match=r"bad\.bin: 1 events lie outside the 34x34 sensor"):
        read_nmnist_events(path)


def test_timestamps_going_backwards_name_the_file(tmp_path):
    path = tmp_path / "back.bin"
    path.write_bytes(_encode(1, 1, 0, 500) + _encode(2, 2, 1, 499))
    with pytest.raises(ValueError, match=r"back\.bin: the timestamps go backwards \(500 us"):
        read_nmnist_events(path)


def test_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError):
        read_nmnist_events(tmp_path / "absent.bin")


# ---------------------------------------------------------------- frames
@needs_sample
@pytest.mark.parametrize("n_steps", [1, 7, 30, 311])
def test_frames_count_every_event(events, n_steps):
    split = events_to_frames(events, n_steps)
    summed = events_to_frames(events, n_steps, polarity="sum")
    assert split.shape == (n_steps, 2 * N_PIXELS) and split.dtype == np.float32
    assert summed.shape == (n_steps, N_PIXELS)
    assert split.sum() == N_EVENTS == summed.sum()
    # off channel first, then on; their sum is the "sum" frame
    assert split[:, :N_PIXELS].sum() == N_OFF and split[:, N_PIXELS:].sum() == N_ON
    np.testing.assert_array_equal(split[:, :N_PIXELS] + split[:, N_PIXELS:], summed)
    # binary clips the counts at 1 where there was at least one event
    spikes = events_to_frames(events, n_steps, binary=True)
    np.testing.assert_array_equal(spikes, np.minimum(split, 1))
    assert set(np.unique(spikes)) <= {0, 1}
    if n_steps > 1:
        assert split.max() > 1  # so that the clip did something
    # the image of all events, from the per-event coordinates
    image = np.zeros((2, 34, 34))
    np.add.at(image, (events["p"], events["y"], events["x"]), 1)
    np.testing.assert_array_equal(split.sum(axis=0), image.ravel())


@needs_sample
def test_frames_time_bins(events):
    t = events["t"]
    frames = events_to_frames(events, 10, polarity="sum", dtype=np.int64)
    edges = np.linspace(0, t[-1], 11)
    expected = np.histogram(t, bins=edges)[0]  # the last bin of np.histogram is closed too
    np.testing.assert_array_equal(frames.sum(axis=1), expected)
    # a fixed duration: same bins over a longer span; later events dropped with a shorter one
    longer = events_to_frames(events, 8, duration=400_000, polarity="sum")
    np.testing.assert_array_equal(
        longer.sum(axis=1), np.histogram(t, bins=np.linspace(0, 400_000, 9))[0]
    )
    shorter = events_to_frames(events, 4, duration=100_000)
    assert shorter.sum() == np.sum(t <= 100_000) < N_EVENTS


def test_frames_layout_on_a_tiny_sensor():
    ev = _events([(0, 0, 0, 1), (1, 0, 90, 0), (1, 0, 100, 0), (0, 2, 50, 1)])
    frames = events_to_frames(ev, 2, sensor_size=(2, 3), dtype=np.int32)
    assert frames.dtype == np.int32 and frames.shape == (2, 12)
    # feature = p * 6 + y * 2 + x; bins [0, 50) and [50, 100]
    expected = np.zeros((2, 12), dtype=np.int32)
    expected[0, 6 + 0] = 1
    expected[1, 6 + 4] = 1
    expected[1, 1] = 2
    np.testing.assert_array_equal(frames, expected)
    # no event: zeros
    assert not events_to_frames(ev[:0], 3, sensor_size=(2, 3)).any()


def test_frames_errors():
    ev = _events([(0, 0, 0, 1), (33, 33, 10, 0)])
    for kwargs, match in [
        ({"n_steps": 0}, "n_steps must be a positive integer"),
        ({"n_steps": 2.0}, "n_steps must be a positive integer"),
        ({"n_steps": 2, "polarity": "both"}, "polarity must be one of"),
        ({"n_steps": 2, "duration": 0}, "duration must be a positive number"),
        ({"n_steps": 2, "sensor_size": (34,)}, "sensor_size must be"),
        ({"n_steps": 2, "sensor_size": (10, 10)}, r"events x must lie in 0\.\.9"),
        ({"n_steps": 1, "dtype": np.uint8, "duration": 1}, None),
    ]:
        if match is None:
            assert events_to_frames(ev, **kwargs).sum() == 1  # t=10 dropped
            continue
        with pytest.raises(ValueError, match=match):
            events_to_frames(ev, **kwargs)
    with pytest.raises(ValueError, match="fields x, y, t and p"):
        events_to_frames(np.zeros((3, 4)), 2)
    with pytest.raises(ValueError, match=r"events p must lie in 0\.\.1"):
        events_to_frames(_events([(0, 0, 0, 2)]), 2)
    with pytest.raises(ValueError, match="t must be >= 0"):
        events_to_frames(_events([(0, 0, -1, 0)]), 2)
    crowded = _events([(0, 0, 0, 0)] * 300)
    with pytest.raises(ValueError, match="more than uint8 holds"):
        events_to_frames(crowded, 1, dtype=np.uint8)
    assert events_to_frames(crowded, 1, dtype=np.uint8, binary=True).sum() == 1


# ---------------------------------------------------------------- loader
@pytest.fixture
def fake_home(tmp_path):
    """nmnist/Train/3/ and nmnist/Test/7/ holding copies of the sample."""
    if not SAMPLE.is_file():
        pytest.skip(f"shared sample {SAMPLE} is absent")
    home = tmp_path / "home"
    for split, digit, names in [("Train", 3, ["00002.bin", "00001.bin"]), ("Test", 7, ["1.bin"])]:
        folder = home / "nmnist" / split / str(digit)
        folder.mkdir(parents=True)
        for name in names:
            shutil.copyfile(SAMPLE, folder / name)
    (home / "nmnist" / "Train" / "3" / "notes.txt").write_text("not a recording")
    return home


def test_load_nmnist_fake_layout(fake_home, events):
    d = load_nmnist("train", data_home=fake_home, n_steps=12)
    assert d.data.shape == (2, 12, 2 * N_PIXELS) and d.data.dtype == np.float32
    assert d.target.tolist() == [3, 3] and d.target.dtype == np.int64
    assert d.target_names == [str(i) for i in range(10)]
    assert [Path(f).name for f in d.filenames] == ["00001.bin", "00002.bin"]
    np.testing.assert_array_equal(d.data[0], events_to_frames(events, 12))
    assert "N-MNIST" in d.DESCR
    seqs, as_array = check_sequences(d.data)  # a valid X for the estimators
    assert as_array and len(seqs) == 2
    X, y = load_nmnist(
        "test",
        data_home=fake_home,
        n_steps=5,
        polarity="sum",
        binary=True,
        dtype=np.uint8,
        return_X_y=True,
    )
    assert X.shape == (1, 5, N_PIXELS) and X.dtype == np.uint8 and y.tolist() == [7]
    assert X.max() == 1
    np.testing.assert_array_equal(X[0], events_to_frames(events, 5, polarity="sum", binary=True))


def test_load_nmnist_reads_sksnn_data(fake_home, monkeypatch):
    monkeypatch.setenv("SKSNN_DATA", str(fake_home))
    X, y = load_nmnist("test", n_steps=3, return_X_y=True)
    assert X.shape == (1, 3, 2 * N_PIXELS) and y.tolist() == [7]


def test_load_nmnist_corrupt_file_is_named(fake_home):
    bad = fake_home / "nmnist" / "Test" / "7" / "1.bin"
    bad.write_bytes(bad.read_bytes()[:-1])
    with pytest.raises(ValueError, match=r"7[/\\]1\.bin holds 21624 bytes"):
        load_nmnist("test", data_home=fake_home)


def test_load_nmnist_missing_folder(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"nmnist[/\\]Train does not exist") as info:
        load_nmnist(data_home=tmp_path)
    assert "https://www.garrickorchard.com/datasets/n-mnist" in str(info.value)
    (tmp_path / "nmnist" / "Test" / "3").mkdir(parents=True)
    with pytest.raises(FileNotFoundError, match=r"holds no <digit>/\*\.bin"):
        load_nmnist("test", data_home=tmp_path)
    with pytest.raises(ValueError, match="Unknown split"):
        load_nmnist("valid", data_home=tmp_path)
