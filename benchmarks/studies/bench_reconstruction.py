"""Reconstruction quality of ChaoticRNNRegressor: long free runs against the true system.

For each configuration and seed: fit on a training series, free-run as many steps as an
independent test trajectory has, and report the state-space divergence (D_stsp) and the
power-spectrum distance (D_H) against it, beside the same measures for an independent
trajectory of the true system ("reference": the floor set by sampling noise).

    python studies/bench_reconstruction.py --experiment lorenz     # tau = 77 and others
    python studies/bench_reconstruction.py --experiment forcing    # pinv vs identity
    python studies/bench_reconstruction.py --experiment tau        # tau = 1, 77, None
    python studies/bench_reconstruction.py --experiment rossler
    python studies/bench_reconstruction.py --experiment laser
    ... --seeds 0 1 2 --json results/reconstruction.json --figure results/attractors.png
"""

import argparse
import math
import statistics
import time

import numpy as np
from _common import machine_record, pin_threads, print_table, write_json

_LIMITS = pin_threads(1)

from skchaos import ChaoticRNNRegressor  # noqa: E402
from skchaos.datasets import Lorenz63, Rossler, load_santafe_laser  # noqa: E402
from skchaos.metrics import power_spectrum_distance, state_space_divergence  # noqa: E402
from skchaos.preprocessing import delay_embedding  # noqa: E402


def tau_from_exponent(max_exponent, dt):
    return max(1, round(math.log(2.0) / (max_exponent * dt)))


def lorenz_data(n_train=30_000, n_test=100_000):
    system = Lorenz63()
    return (system.generate(n_train, dt=0.01, random_state=100),
            system.generate(n_test, dt=0.01, random_state=101),
            system.generate(n_test, dt=0.01, random_state=102))


def rossler_data(dt=0.1, n_train=30_000, n_test=100_000):
    system = Rossler()
    return (system.generate(n_train, dt=dt, random_state=100),
            system.generate(n_test, dt=dt, random_state=101),
            system.generate(n_test, dt=dt, random_state=102))


def laser_data(dimension=4, delay=2, n_train=8000):
    """Santa Fe laser: train on the first 8,000 samples, test on the rest (2,087 rows).

    The reference compares the test block with the training block: both are the real
    system, so this is the floor the measures can reach with these lengths.
    """
    X = delay_embedding(load_santafe_laser(), dimension, delay)
    return X[:n_train], X[n_train:], X[:n_train]


def evaluate(name, data, params, seeds, figure_runs=None):
    X_train, X_test, X_reference = data
    # A long free run keeps the generated side's sampling noise low even where the test
    # block is short (the laser).
    n_gen = max(len(X_test), 100_000)
    rows = []
    for seed in seeds:
        est = ChaoticRNNRegressor(random_state=seed, **params)
        start = time.perf_counter()
        est.fit(X_train)
        fit_seconds = time.perf_counter() - start
        X_gen = est.predict(n_gen)
        rows.append({"system": name, "seed": seed,
                     "params": " ".join(f"{k}={v}" for k, v in params.items()),
                     "D_stsp": state_space_divergence(X_test, X_gen),
                     "D_H": power_spectrum_distance(X_test, X_gen),
                     "fit_s": fit_seconds, "best_epoch": est.best_epoch_})
        if figure_runs is not None:
            figure_runs.append((name, rows[-1]["params"], seed, X_test, X_gen))
    summary = {"system": name, "seed": "median",
               "params": rows[0]["params"],
               "D_stsp": statistics.median(r["D_stsp"] for r in rows),
               "D_H": statistics.median(r["D_H"] for r in rows),
               "fit_s": statistics.median(r["fit_s"] for r in rows),
               "ref_D_stsp": state_space_divergence(X_test, X_reference),
               "ref_D_H": power_spectrum_distance(X_test, X_reference)}
    print_table(rows + [summary], ["system", "params", "seed", "D_stsp", "D_H", "fit_s",
                                   "best_epoch", "ref_D_stsp", "ref_D_H"])
    print(flush=True)
    return rows, summary


def experiments(name):
    tau_lorenz = tau_from_exponent(0.9056, 0.01)  # 77
    if name == "lorenz":
        return [("lorenz63", lorenz_data, {"tau": tau_lorenz}),
                ("lorenz63", lorenz_data, {"tau": 30})]
    if name == "tau":
        # Windows of at least 5 tau for every tau, so that None really is long BPTT.
        length = 5 * tau_lorenz
        return [("lorenz63", lorenz_data, {"tau": tau, "sequence_length": length})
                for tau in (1, tau_lorenz, None)]
    if name == "forcing":
        return [("lorenz63", lorenz_data, {"tau": tau_lorenz, "forcing": forcing})
                for forcing in ("pinv", "identity")]
    if name == "rossler":
        tau = tau_from_exponent(0.0714, 0.1)  # 97
        return [("rossler dt=0.1", rossler_data, {"tau": tau}),
                ("rossler dt=0.1", rossler_data, {"tau": 30})]
    if name == "laser":
        return [("santafe laser (m=4, d=2)", laser_data, {"tau": tau})
                for tau in (5, 10, 20)]
    raise ValueError(f"unknown experiment {name!r}")


def save_figure(runs, path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(len(runs), 2, figsize=(8, 3.6 * len(runs)), squeeze=False)
    for (name, params, seed, X_test, X_gen), row in zip(runs, axes, strict=True):
        # Both panels on the data's box, widened by half: a free run that diverged (to
        # huge but finite values) would otherwise break the axis ticks.
        low, high = X_test.min(axis=0), X_test.max(axis=0)
        low, high = low - (high - low) / 2, high + (high - low) / 2
        for ax, X, title in ((row[0], X_test, "data"), (row[1], X_gen, "free run")):
            X = X[:20_000]
            inside = np.isfinite(X).all(axis=1) & ((X >= low) & (X <= high)).all(axis=1)
            ax.plot(X[inside, 0], X[inside, -1], lw=0.2)
            ax.set_xlim(low[0], high[0])
            ax.set_ylim(low[-1], high[-1])
            outside = "" if inside.all() else f"; {1 - inside.mean():.0%} of steps off the box"
            ax.set_title(f"{name}: {title}" + (f"\n{params}, seed {seed}{outside}"
                                                if title != "data" else ""), fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    print(f"wrote {path}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--experiment", default="lorenz",
                        choices=["lorenz", "tau", "forcing", "rossler", "laser"])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--json", default=None)
    parser.add_argument("--figure", default=None, help="PNG of data and free-run attractors")
    args = parser.parse_args()
    record = machine_record()
    print(f"{record['cpu']}; numba threads {record['numba_threads']}\n")
    figure_runs = [] if args.figure else None
    results = []
    for name, make_data, params in experiments(args.experiment):
        rows, summary = evaluate(name, make_data(), params, args.seeds, figure_runs)
        results.append({"rows": rows, "summary": summary})
    if args.json:
        write_json(f"reconstruction_{args.experiment}", {"results": results}, args.json)
    if args.figure:
        # One seed per configuration keeps the figure readable.
        save_figure([r for r in figure_runs if r[2] == args.seeds[0]], args.figure)


if __name__ == "__main__":
    main()
