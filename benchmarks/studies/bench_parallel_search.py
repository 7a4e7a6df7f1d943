"""Wall time of one GridSearchCV over tau: serial, 2 loky workers, a 2-worker dask cluster.

Eight candidates (8 values of tau, one train/test split, no refit), each a fit of at least
20 s, so that start-up and scheduling costs are small next to the work. The dask cluster is
started (and its workers warmed: numba kernels loaded from the cache) before the clock
starts. Run it on an otherwise idle machine: the speed-ups compare wall times.

    python studies/bench_parallel_search.py --json results/parallel_search.json
"""

import argparse
import time

import numpy as np
from _common import machine_record, pin_threads, print_table, write_json

_LIMITS = pin_threads(1)

import joblib  # noqa: E402
from sklearn.model_selection import GridSearchCV  # noqa: E402

from skchaos import ChaoticRNNRegressor  # noqa: E402
from skchaos.datasets import make_lorenz63  # noqa: E402

TAUS = [10, 20, 30, 40, 50, 60, 77, 100]


def make_search(n_epochs, n_jobs):
    X = make_lorenz63(30_000, random_state=100)
    split = [(np.arange(24_000), np.arange(24_000, 30_000))]
    search = GridSearchCV(ChaoticRNNRegressor(n_epochs=n_epochs, random_state=0),
                          {"tau": TAUS}, cv=split, refit=False, n_jobs=n_jobs)
    return search, X


def timed_search(n_epochs, n_jobs, backend=None):
    search, X = make_search(n_epochs, n_jobs)
    start = time.perf_counter()
    if backend is None:
        search.fit(X)
    else:
        with joblib.parallel_config(backend=backend):
            search.fit(X)
    return time.perf_counter() - start, search.cv_results_


def warm_workers(client):
    """Load the numba kernels in every worker before timing (a tiny fit each)."""
    def tiny_fit():
        X = make_lorenz63(300, random_state=0)
        ChaoticRNNRegressor(n_latent=4, sequence_length=10, n_epochs=1).fit(X)
        return True
    client.run(tiny_fit)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-epochs", type=int, default=300,
                        help="epochs per fit (300: about 21 s per fit on the CI machine)")
    parser.add_argument("--json", default=None)
    args = parser.parse_args()
    record = machine_record()
    print(f"{record['cpu']}; {record['n_cpus']} cpus; numba threads "
          f"{record['numba_threads']}\n")

    rows = []
    serial_s, results = timed_search(args.n_epochs, None)
    fit_times = results["mean_fit_time"]
    rows.append({"backend": "serial", "workers": 1, "wall_s": serial_s, "speedup": 1.0})

    loky_s, loky_results = timed_search(args.n_epochs, 2)
    rows.append({"backend": "loky", "workers": 2, "wall_s": loky_s,
                 "speedup": serial_s / loky_s})

    from distributed import Client, LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                      dashboard_address=None) as cluster, Client(cluster) as client:
        warm_workers(client)
        dask_s, dask_results = timed_search(args.n_epochs, -1, backend="dask")
    rows.append({"backend": "dask LocalCluster", "workers": 2, "wall_s": dask_s,
                 "speedup": serial_s / dask_s})

    same = all(np.allclose(r["mean_test_score"], results["mean_test_score"], rtol=1e-12)
               for r in (loky_results, dask_results))
    print_table(rows, ["backend", "workers", "wall_s", "speedup"])
    print(f"\nserial fit times per candidate: min {fit_times.min():.1f} s, "
          f"median {np.median(fit_times):.1f} s, max {fit_times.max():.1f} s")
    print(f"identical scores on every backend: {same}")
    if args.json:
        write_json("parallel_search", {"rows": rows, "fit_times_s": fit_times.tolist(),
                                       "taus": TAUS, "n_epochs": args.n_epochs,
                                       "identical_scores": same}, args.json)


if __name__ == "__main__":
    main()
