"""Model selection over tau: GridSearchCV locally (loky) and on a dask cluster."""

import joblib
import numpy as np
import pytest
from sklearn.model_selection import GridSearchCV, TimeSeriesSplit

from skchaos import ChaoticRNNRegressor
from skchaos.datasets import make_lorenz63

SMALL = dict(n_latent=8, sequence_length=40, batch_size=8, batches_per_epoch=2, n_epochs=3,
             random_state=0)


@pytest.fixture(scope="module")
def series():
    return make_lorenz63(3000, random_state=0)


def _search(n_jobs=None):
    return GridSearchCV(ChaoticRNNRegressor(**SMALL), {"tau": [5, 20, None]},
                        cv=TimeSeriesSplit(2), n_jobs=n_jobs)


def test_grid_search_over_tau_with_loky_workers_matches_serial(series):
    serial = _search().fit(series)
    parallel = _search(n_jobs=2).fit(series)
    assert np.all(np.isfinite(serial.cv_results_["mean_test_score"]))
    np.testing.assert_allclose(parallel.cv_results_["mean_test_score"],
                               serial.cv_results_["mean_test_score"], rtol=1e-12)
    assert parallel.best_params_ == serial.best_params_


def test_grid_search_on_a_dask_local_cluster(series):
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  host="127.0.0.1", dashboard_address=None) as cluster, \
            distributed.Client(cluster), joblib.parallel_config(backend="dask"):
        on_cluster = _search(n_jobs=-1).fit(series)
    serial = _search().fit(series)
    np.testing.assert_allclose(on_cluster.cv_results_["mean_test_score"],
                               serial.cv_results_["mean_test_score"], rtol=1e-12)
