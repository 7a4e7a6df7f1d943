"""Wall time of a GridSearchCV over tau at the estimator's defaults: 7 values, 3 folds.

The search a user writes first: ``GridSearchCV(ChaoticRNNRegressor(random_state=0),
{"tau": TAUS}, cv=TimeSeriesSplit(3))`` on 3x10^4 samples of Lorenz-63, with the refit on
the whole series, once per ``--n-jobs`` value. With ``n_jobs=1`` each fit runs on numba's
threads (``n_threads=None``); with ``n_jobs=2`` joblib's two workers run one fit each, one
thread apiece (joblib sets ``NUMBA_NUM_THREADS`` in its workers). Thread settings are left
at their defaults: this is what the user gets. Kernels are compiled before the clock
starts.

    python studies/bench_grid_search_time.py --n-jobs 1 2
    python studies/bench_grid_search_time.py --n-epochs 500 --n-jobs 2   # a quarter of it
"""

import argparse
import time
import warnings

from _common import print_table, write_json
from sklearn.model_selection import GridSearchCV, TimeSeriesSplit

from skchaos import ChaoticRNNRegressor
from skchaos.datasets import make_lorenz63

TAUS = [5, 10, 20, 40, 80, 120, None]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n-jobs", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--n-epochs", type=int, default=None,
                        help="epochs per fit (default: the estimator's default)")
    parser.add_argument("--precision", default="float64")
    parser.add_argument("--name", default="grid_search_time")
    args = parser.parse_args()
    X = make_lorenz63(30_000, random_state=0)
    params = {"random_state": 0, "precision": args.precision}
    if args.n_epochs is not None:
        params["n_epochs"] = args.n_epochs
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ChaoticRNNRegressor(n_epochs=1, **{k: v for k, v in params.items()
                                           if k != "n_epochs"}).fit(X[:3000])
    rows = []
    for n_jobs in args.n_jobs:
        search = GridSearchCV(ChaoticRNNRegressor(**params), {"tau": TAUS},
                              cv=TimeSeriesSplit(3), n_jobs=n_jobs)
        start = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            search.fit(X)
        wall = time.perf_counter() - start
        fit_times = search.cv_results_["mean_fit_time"]
        rows.append({"n_jobs": n_jobs, "wall_s": wall, "fits": 3 * len(TAUS) + 1,
                     "median_fit_s": float(sorted(fit_times)[len(fit_times) // 2]),
                     "refit_s": search.refit_time_,
                     "best_tau": str(search.best_params_["tau"]),
                     "n_epochs": search.best_estimator_.n_epochs})
        print(f"n_jobs={n_jobs}: {wall:.0f} s", flush=True)
    print_table(rows, ["n_jobs", "wall_s", "fits", "median_fit_s", "refit_s", "best_tau",
                       "n_epochs"])
    write_json(args.name, {"rows": rows, "taus": [str(t) for t in TAUS],
                           "params": params})


if __name__ == "__main__":
    main()
