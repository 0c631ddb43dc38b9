"""Scale-out: a grid search over sksnn estimators on a Dask cluster through joblib's backend.

The cluster is a LocalCluster on 127.0.0.1 (no other network); the scores equal a serial run.
"""

import pathlib
import warnings

import joblib
import numpy as np
import pytest
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV

from sksnn import SNUClassifier, SNUSequencePredictor

distributed = pytest.importorskip("distributed")

_X, _y = load_digits(return_X_y=True)
X = (_X[:160] / 16.0).reshape(-1, 8, 8)
Y = _y[:160]
GRID = {"hidden_layer_sizes": [(8,), (16,)], "soft": [False, True]}


def grid_search():
    return GridSearchCV(
        SNUClassifier(max_iter=3, random_state=0), GRID, cv=2, n_jobs=2, error_score="raise"
    )


@pytest.fixture(scope="module")
def client():
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=False, protocol="tcp", host="127.0.0.1",
            dashboard_address=None,
        ) as cluster,
        distributed.Client(cluster) as client,
    ):  # fmt: skip
        yield client


def test_grid_search_on_a_local_dask_cluster_equals_a_serial_run(client):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        serial = grid_search().set_params(n_jobs=None).fit(X, Y)
        with distributed.get_task_stream(client) as tasks, joblib.parallel_config("dask"):
            on_dask = grid_search().fit(X, Y)
    workers = {task["worker"] for task in tasks.data}  # joblib batches the 4 x 2 fits
    assert workers and workers <= set(client.scheduler_info()["workers"])
    assert all(w.startswith("tcp://127.0.0.1:") for w in workers)
    np.testing.assert_array_equal(
        on_dask.cv_results_["mean_test_score"], serial.cv_results_["mean_test_score"]
    )
    assert on_dask.best_params_ == serial.best_params_
    np.testing.assert_array_equal(on_dask.predict_proba(X), serial.predict_proba(X))


def test_sequence_predictor_grid_search_on_dask(client):
    rng = np.random.default_rng(0)
    seqs = [(rng.random((int(n), 5)) < 0.3).astype(float) for n in rng.integers(5, 12, 12)]
    search = GridSearchCV(
        SNUSequencePredictor(hidden_layer_sizes=(8,), max_iter=2, random_state=0),
        {"soft": [False, True]}, cv=2, n_jobs=2, error_score="raise",
    )  # fmt: skip
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        serial = search.fit(seqs).cv_results_["mean_test_score"]
        with joblib.parallel_config("dask"):
            on_dask = search.fit(seqs).cv_results_["mean_test_score"]
    assert np.isfinite(on_dask).all()
    np.testing.assert_array_equal(on_dask, serial)


def test_the_scale_out_doc_page_runs(tmp_path, monkeypatch):
    """Every code block of doc/scale_out.rst, in order, in one namespace."""
    page = pathlib.Path(__file__).parents[1] / "doc" / "scale_out.rst"
    blocks, current = [], None
    for line in page.read_text().splitlines():
        if line.startswith(".. code-block:: python"):
            current = []
            blocks.append(current)
        elif current is not None:
            if line and not line.startswith("    "):
                current = None
            else:
                current.append(line[4:])
    assert len(blocks) == 5
    monkeypatch.chdir(tmp_path)
    namespace = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        # the module's cluster holds the default HTTP port (on 127.0.0.1): Dask takes another
        warnings.filterwarnings("ignore", "Port 8787 is already in use", UserWarning)
        for block in blocks:
            exec(compile("\n".join(block), str(page), "exec"), namespace)
    assert namespace["search"].best_score_ > 0.3  # chance: 0.1
    assert (tmp_path / "snu.skops").exists()
