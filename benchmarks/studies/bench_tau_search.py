"""Does a GridSearchCV over tau pick well? The search against the tau sweep's long free runs.

Runs ``GridSearchCV(ChaoticRNNRegressor(), {"tau": [1, 5, 10, 25, 50, 100, None]},
cv=TimeSeriesSplit(3))`` (defaults otherwise, windows of 200 steps, so that None differs
from 100) on the training series and reports the mean cross-validated score per tau. The
quality of the pick is judged by the tau sweep's 10^5-step free runs (``bench_tau_sweep.py``,
same data, same grid): the search should pick neither 1 nor None, and a tau whose divergence
is within 25% of the best tau's. Two readings are reported: the median over the sweep's
seeds (how good the tau is across initialisations), and the sweep's fits with the search's
own ``random_state`` (the model that ``refit=True`` would hand the user).

    python studies/bench_tau_sweep.py --system lorenz --json results/tau_sweep_lorenz.json
    python studies/bench_tau_search.py --system lorenz \
        --sweep results/tau_sweep_lorenz.json --json results/tau_search_lorenz.json
"""

import argparse
import json
import time

from _common import machine_record, pin_threads, print_table, write_json

_LIMITS = pin_threads(1)

from bench_tau_sweep import SYSTEMS  # noqa: E402
from sklearn.model_selection import GridSearchCV, TimeSeriesSplit  # noqa: E402

from skchaos import ChaoticRNNRegressor  # noqa: E402

RANDOM_STATE = 0


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--system", default="lorenz", choices=sorted(SYSTEMS))
    parser.add_argument("--sweep", required=True, nargs="+",
                        help="JSON written by bench_tau_sweep.py; with several, a later "
                             "file's runs replace an earlier file's for the same tau")
    parser.add_argument("--n-init", type=int, default=1,
                        help="restarts per fit in the search (the best by validation kept)")
    parser.add_argument("--n-jobs", type=int, default=2,
                        help="fits in parallel, one thread each")
    parser.add_argument("--json", default=None)
    parser.add_argument("--rejudge", default=None,
                        help="JSON written earlier by this script: judge its CV scores "
                             "against --sweep again without searching")
    args = parser.parse_args()
    record = machine_record()
    print(f"{record['cpu']}; {record['n_cpus']} cpus; " + (
        f"CV scores and wall time read from {args.rejudge}\n" if args.rejudge
        else f"fits in parallel: {args.n_jobs}; restarts per fit: {args.n_init}\n"))
    make_data, taus, _ = SYSTEMS[args.system]

    if args.rejudge:
        with open(args.rejudge) as f:
            earlier = json.load(f)
        cv = {r["tau"]: (r["cv_score_mean"], r["cv_score_std"]) for r in earlier["rows"]}
        wall_s = earlier["wall_s"]
    else:
        X_train = make_data()[0]
        start = time.perf_counter()
        est = ChaoticRNNRegressor(n_init=args.n_init, random_state=RANDOM_STATE)
        search = GridSearchCV(est, {"tau": taus},
                              cv=TimeSeriesSplit(3), refit=False, n_jobs=args.n_jobs)
        search.fit(X_train)
        wall_s = time.perf_counter() - start
        cv = {"None" if tau is None else tau: (float(search.cv_results_["mean_test_score"][i]),
                                               float(search.cv_results_["std_test_score"][i]))
              for i, tau in enumerate(taus)}

    # Read only now, so the search may start while the sweep is still running.
    sweep, same_seed, sweep_n_init = {}, {}, {}
    for path in args.sweep:
        with open(path) as f:
            done = json.load(f)
        sweep.update({s["tau"]: s for s in done["summary"]})
        same_seed.update({r["tau"]: r["D_stsp"] for r in done["rows"]
                          if r["seed"] == RANDOM_STATE})
        sweep_n_init.update({s["tau"]: done.get("n_init", 1) for s in done["summary"]})
    key = max(cv, key=lambda k: cv[k][0])
    best_key = min(sweep, key=lambda k: sweep[k]["D_stsp_median"])
    rows = [{"tau": k, "cv_score_mean": cv[k][0], "cv_score_std": cv[k][1],
             "sweep_D_stsp_median": sweep[k]["D_stsp_median"],
             "sweep_D_stsp_same_seed": same_seed.get(k), "sweep_n_init": sweep_n_init[k],
             "picked": "<-" if k == key else ""}
            for k in cv]
    print_table(rows, ["tau", "cv_score_mean", "cv_score_std", "sweep_D_stsp_median",
                       "sweep_D_stsp_same_seed", "sweep_n_init", "picked"])
    ratio = sweep[key]["D_stsp_median"] / sweep[best_key]["D_stsp_median"]
    verdict = {"picked_tau": key, "best_tau_by_sweep": best_key,
               "picked_over_best": ratio,
               "picks_neither_1_nor_None": key not in (1, "None"),
               "within_25_percent": ratio <= 1.25, "wall_s": wall_s}
    print(f"\npicked tau = {key}; best tau by the sweep's medians = {best_key}; divergence "
          f"ratio {ratio:.3f} (target <= 1.25); neither 1 nor None: "
          f"{verdict['picks_neither_1_nor_None']}; search wall time {wall_s:.0f} s")
    if same_seed:
        best_same = min(same_seed, key=same_seed.get)
        ratio_same = same_seed[key] / same_seed[best_same]
        verdict.update(best_tau_same_seed=best_same, picked_over_best_same_seed=ratio_same,
                       within_25_percent_same_seed=ratio_same <= 1.25)
        print(f"with random_state={RANDOM_STATE} (the search's): best tau = {best_same}; "
              f"divergence ratio {ratio_same:.3f} (target <= 1.25)")
    if args.json:
        write_json(f"tau_search_{args.system}",
                   {"n_init": args.n_init, "sweeps": args.sweep, "rows": rows, **verdict},
                   args.json)


if __name__ == "__main__":
    main()
