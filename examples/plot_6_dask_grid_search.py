"""
Searching tau on a dask cluster
===============================

A fit trains one small network on one core (skchaos runs BLAS single-threaded inside
``fit`` and its kernels use no threads), so a search scales by running one fit per core.
``GridSearchCV`` hands its fits to joblib, and joblib's ``dask`` backend sends them to the
workers of a dask cluster. Here the cluster is a ``LocalCluster`` of two worker processes
with one thread each; for a real cluster, connect the ``Client`` to its scheduler instead
(:doc:`/scaling`).

The settings are small so that the page builds in seconds: a short series, a small
model, few epochs. The ranking they give is noisy; the benchmark sweep
(:ref:`sphx_glr_auto_examples_plot_2_tau_sweep.py`) uses the default model.
"""

# %%
# The search
# ----------
# ``TimeSeriesSplit`` keeps the folds in time order: each model is trained on the past and
# scored on the block that follows. ``score`` is minus the state-space divergence of long
# free runs against that block, so the search ranks by long-term behaviour.
import time

import joblib
import matplotlib.pyplot as plt
import numpy as np
from distributed import Client, LocalCluster
from sklearn.model_selection import GridSearchCV, TimeSeriesSplit

from skchaos import ChaoticRNNRegressor
from skchaos.datasets import make_lorenz63

X = make_lorenz63(6000, dt=0.01, random_state=0)
taus = [1, 5, 25, 100, None]
# The paper's model and sparse forcing, whose tau the search chooses.
small = dict(model="plrnn", forcing="pinv", gtf_alpha=0.0, n_latent=20, sequence_length=150,
             batch_size=16, n_epochs=150, learning_rate=3e-3, random_state=0)
search = GridSearchCV(ChaoticRNNRegressor(**small), {"tau": taus}, cv=TimeSeriesSplit(3),
                      n_jobs=-1)


def search_on_local_cluster(search, X):
    """Fit the search with every fit running on a worker of a local dask cluster."""
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                      host="127.0.0.1", dashboard_address=None) as cluster, \
            Client(cluster) as client, joblib.parallel_config(backend="dask"):
        print(f"workers: {len(client.scheduler_info()['workers'])}, one thread each")
        start = time.perf_counter()
        search.fit(X)
        print(f"{len(taus) * search.n_splits_} fits and the refit: "
              f"{time.perf_counter() - start:.1f} s")
    return search


def report(search):
    """Print and plot the mean cross-validated score per tau."""
    results = search.cv_results_
    mean, std = results["mean_test_score"], results["std_test_score"]
    for tau, m, s in zip(taus, mean, std, strict=True):
        print(f"tau = {tau!s:>4s}: score {m:8.3f} +- {s:.3f}")
    print(f"best: {search.best_params_}")

    fig, ax = plt.subplots(figsize=(6, 3.8))
    positions = np.arange(len(taus))
    for k in range(search.n_splits_):
        ax.scatter(positions, -results[f"split{k}_test_score"], s=14, color="0.6",
                   label="single folds" if k == 0 else None)
    ax.scatter(positions, -mean, marker="o", s=40, color="C0", label="mean over folds")
    ax.set_xticks(positions)
    ax.set_xticklabels([str(tau) for tau in taus])
    ax.set_yscale("log")
    ax.set_xlabel("tau")
    ax.set_ylabel("-score (state-space divergence)")
    ax.set_title("GridSearchCV over tau, TimeSeriesSplit(3)")
    ax.legend(fontsize=8)
    fig.tight_layout()
    plt.show()


# %%
# Run it
# ------
# Worker processes start by importing this script afresh, so the cluster is created only
# in the main process (the usual guard for scripts that start processes).
if __name__ == "__main__":
    report(search_on_local_cluster(search, X))
