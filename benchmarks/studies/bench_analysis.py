"""What fitted models say about their systems: fixed points, cycles, attractors.

1. Lorenz-63 (sigma=10, rho=28, beta=8/3; 3x10^4 samples, dt=0.01): a default model per
   seed. Its fixed points against the true ones, the origin and
   (+-sqrt(beta (rho-1)), +-sqrt(beta (rho-1)), rho-1): the distance in units of the
   attractor's standard deviation (the root of its total variance) and the largest
   per-coordinate error in units of that coordinate's standard deviation; the types (the
   origin has one unstable direction, the wing points an unstable complex pair); the
   other fixed points the model has; the attractors that free runs reach; the 155-cycles
   (near Lorenz's shortest unstable periodic orbit, 156 steps).
2. Rössler (a=b=0.2; c=2.5, a period-1 limit cycle, and c=3.5, period 2; 3x10^4 samples,
   dt=0.05): a default model per seed. The attractors its free runs reach, their return
   period against the data's (the same measure on both), and the exact cycles of that
   period that the search finds.
3. A PLRNN with M=80 (the paper's configuration, 500 epochs) on Lorenz-63: all fixed
   points, timed on one core.

Searches run with BLAS on one thread; fits use the default threads.

    python benchmarks/studies/bench_analysis.py [--seeds 0 1 2]
    python benchmarks/studies/bench_analysis.py --lorenz-only alrnn \
        --fit-params '{"model": "alrnn"}'     # part 1 for another configuration
"""

import argparse
import json
import time

import numpy as np
from _common import RESULTS_DIR, print_table, save_png, write_json
from scipy.optimize import linear_sum_assignment
from threadpoolctl import threadpool_limits

from skchaos import ChaoticRNNRegressor
from skchaos.analysis import attractors, cycles, fixed_points, plot_orbits
from skchaos.analysis._attractors import _return_period
from skchaos.datasets import make_lorenz63, make_rossler

N_SAMPLES = 30_000
# --smoke: a few epochs, to check the script end to end (its numbers mean nothing).
FIT_PARAMS = {}
SIGMA, RHO, BETA = 10.0, 28.0, 8.0 / 3.0


def lorenz_fixed_points():
    wing = np.sqrt(BETA * (RHO - 1.0))
    return {"origin": np.zeros(3), "wing+": np.array([wing, wing, RHO - 1.0]),
            "wing-": np.array([-wing, -wing, RHO - 1.0])}


# Lorenz-63's shortest unstable periodic orbit lasts 1.5587 time units: 156 steps at
# dt = 0.01; a learned map's cycles near it have a period of a whole number of steps.
LORENZ_CYCLE = 155
EXPECTED = {"origin": ("saddle", 1), "wing+": ("saddle-focus", 2),
            "wing-": ("saddle-focus", 2)}


def timed(function, *args, **kwargs):
    with threadpool_limits(1):
        start = time.perf_counter()
        result = function(*args, **kwargs)
        return result, time.perf_counter() - start


def attractor_summary(report):
    return "; ".join(f"{a.kind} {a.basin_fraction:.0%}"
                     + (" (data)" if a.from_data else "")
                     + ("" if a.in_data_range in (None, True) else " outside")
                     for a in report)


def lorenz(seeds):
    X = make_lorenz63(N_SAMPLES, random_state=0)
    std_total = float(np.sqrt(X.var(axis=0).sum()))
    std_axis = X.std(axis=0)
    rows, models, cycle_rows = [], {}, []
    for seed in seeds:
        est = ChaoticRNNRegressor(random_state=seed, **FIT_PARAMS).fit(X)
        models[seed] = est
        found, seconds = timed(fixed_points, est, random_state=0)
        report, attractor_seconds = timed(attractors, est, X=X, random_state=0)
        truths = lorenz_fixed_points()
        # One found point per true one, by least total distance.
        cost = np.array([[np.linalg.norm(o.position - t) for t in truths.values()]
                         for o in found]).reshape(len(found), len(truths))
        found_index, truth_index = linear_sum_assignment(cost)
        pairs = dict(zip(truth_index, found_index, strict=True))
        matched = set(found_index)
        for j, (name, truth) in enumerate(truths.items()):
            row = {"seed": seed, "point": name}
            if j not in pairs:
                row.update(found=False)
            else:
                orbit = found[pairs[j]]
                distance = float(np.linalg.norm(orbit.position - truth))
                kind_ok = (orbit.kind, orbit.n_unstable) == EXPECTED[name]
                row.update(found=True, distance_over_std=distance / std_total,
                           worst_axis_over_std=float(np.max(np.abs(orbit.position - truth)
                                                            / std_axis)),
                           kind=orbit.kind, n_unstable=orbit.n_unstable,
                           modulus=orbit.spectral_radius, type_right=kind_ok,
                           within_10pct=bool(distance / std_total <= 0.1))
            rows.append(row)
        loops, loop_seconds = timed(cycles, est, LORENZ_CYCLE, X=X, patience=200,
                                    random_state=0)
        cycle_rows.append({"seed": seed, "period": LORENZ_CYCLE, "found": len(loops),
                           "kinds": ", ".join(f"{o.kind} ({o.n_unstable} unstable)"
                                              for o in loops),
                           "multipliers": ", ".join(f"{o.spectral_radius:.3g}"
                                                    for o in loops),
                           "search_s": loop_seconds})
        extra = [o for i, o in enumerate(found) if i not in matched]
        rows.append({"seed": seed, "point": f"{len(extra)} other",
                     "kind": ", ".join(f"{o.kind}{'' if o.in_data_range else ' (outside)'}"
                                       for o in extra),
                     "search_s": seconds, "attractors_s": attractor_seconds,
                     "attractors": attractor_summary(report),
                     "validation_divergence": -float(max(est.validation_scores_))})
    columns = ["seed", "point", "found", "distance_over_std", "worst_axis_over_std",
               "within_10pct", "kind", "n_unstable", "modulus", "type_right", "search_s",
               "attractors_s", "attractors"]
    print_table(rows, columns)
    print_table(cycle_rows, list(cycle_rows[0]))
    return rows + cycle_rows, models, X


def rossler(seeds):
    rows = []
    models = {}
    for c in (2.5, 3.5):
        X = make_rossler(N_SAMPLES, c=c, random_state=0)
        data_period = _return_period(X[:10_000], X.std(axis=0))
        for seed in seeds:
            est = ChaoticRNNRegressor(random_state=seed, **FIT_PARAMS).fit(X)
            models[(c, seed)] = est
            report, attractor_seconds = timed(attractors, est, X=X, random_state=0)
            own = next(a for a in report if a.from_data)
            row = {"c": c, "seed": seed, "data_return_period": data_period,
                   "kind": own.kind, "model_return_period": own.return_period,
                   "period_error": (None if own.return_period is None
                                    else own.return_period / data_period - 1.0),
                   "max_lyapunov": own.max_lyapunov, "divergence": own.divergence,
                   "attractors": attractor_summary(report),
                   "attractors_s": attractor_seconds}
            if own.return_period is not None:
                found, seconds = timed(cycles, est, own.return_period, patience=200,
                                       random_state=0)
                row.update(exact_cycles=len(found),
                           cycle_kinds=", ".join(o.kind for o in found),
                           cycle_search_s=seconds)
            rows.append(row)
            print_table(rows[-1:], list(rows[-1]))
    columns = ["c", "seed", "data_return_period", "kind", "model_return_period",
               "period_error", "max_lyapunov", "divergence", "exact_cycles",
               "cycle_kinds", "cycle_search_s", "attractors"]
    print_table(rows, columns)
    return rows, models


def plrnn80(X):
    est = ChaoticRNNRegressor(model="plrnn", n_latent=80, forcing="pinv", tau=30,
                              gtf_alpha=0.0, random_state=0,
                              **{"n_epochs": 500, **FIT_PARAMS}).fit(X)
    rows = []
    for seed in range(3):
        found, seconds = timed(fixed_points, est, random_state=seed)
        rows.append({"search_seed": seed, "seconds": seconds, "fixed_points": len(found),
                     "kinds": ", ".join(f"{o.kind}{'' if o.in_data_range else ' (outside)'}"
                                        for o in found)})
    print_table(rows, list(rows[0]))
    return rows


def figures(lorenz_models, lorenz_data, rossler_models, suffix):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig = plt.figure(figsize=(12, 5))
    seed = min(lorenz_models)
    est = lorenz_models[seed]
    ax = fig.add_subplot(1, 2, 1, projection="3d")
    orbits = list(fixed_points(est, random_state=0))
    orbits += cycles(est, LORENZ_CYCLE, X=lorenz_data, patience=200, random_state=0)
    plot_orbits(est, orbits, ax=ax)
    ax.set_title(f"Lorenz-63, default model (seed {seed}):\nfixed points and "
                 f"{LORENZ_CYCLE}-cycles")
    ax = fig.add_subplot(1, 2, 2)
    c, seed = min(rossler_models)
    est = rossler_models[(c, seed)]
    report = attractors(est, random_state=0)
    orbits = fixed_points(est, random_state=0)
    plot_orbits(est, orbits, dims=(0, 1), ax=ax)
    own = next(a for a in report if a.from_data)
    ax.set_title(f"Rössler c={c}: {own.kind} attractor, return period "
                 f"{own.return_period} steps")
    save_png(fig, RESULTS_DIR / f"analysis_orbits{suffix}.png")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--skip-plrnn80", action="store_true")
    parser.add_argument("--smoke", action="store_true")
    parser.add_argument("--lorenz-only", metavar="NAME",
                        help="only part 1, with --fit-params; results/analysis_NAME.json")
    parser.add_argument("--fit-params", type=json.loads, default={},
                        help="estimator parameters as JSON, e.g. '{\"model\": \"alrnn\"}'")
    args = parser.parse_args()
    FIT_PARAMS.update(args.fit_params)
    if args.smoke:
        FIT_PARAMS.update(n_epochs=5)
    lorenz_rows, lorenz_models, X = lorenz(args.seeds)
    if args.lorenz_only:
        write_json(f"analysis_{args.lorenz_only}", {"fit_params": FIT_PARAMS,
                                                   "lorenz63": lorenz_rows})
        return
    rossler_rows, rossler_models = rossler(args.seeds)
    plrnn_rows = [] if args.skip_plrnn80 else plrnn80(X)
    figures(lorenz_models, X, rossler_models, "_smoke" if args.smoke else "")
    write_json("analysis_smoke" if args.smoke else "analysis",
               {"lorenz63": lorenz_rows, "rossler": rossler_rows,
                "plrnn80_fixed_points": plrnn_rows})


if __name__ == "__main__":
    main()
