"""The tau sweep: reconstruction quality against the forcing interval (the paper's U-curve).

For every tau of the grid and every seed: fit ChaoticRNNRegressor (defaults otherwise) on the
training series, free-run 10^5 steps after a forced warm-up on its last window, and compare
with an independent test series by state-space divergence (D_stsp) and power-spectrum
distance (D_H). The table gives mean, spread (std) and median over seeds per tau; the
figure marks the predictability time ln 2 / lambda_max, with lambda_max estimated from the
training data by LyapunovSpectrum (and, for Lorenz-63 and Rossler, from the literature).
tau = None trains by plain BPTT over the whole window (200 steps).

    python studies/bench_tau_sweep.py --system lorenz --json results/tau_sweep_lorenz.json \
        --figure results/tau_sweep_lorenz.png
"""

import argparse
import json
import statistics
import time

import numpy as np
from _common import machine_record, pin_threads, print_table, save_png, write_json

_LIMITS = pin_threads(1)

from bench_reconstruction import (  # noqa: E402
    laser_data,
    lorenz_data,
    rossler_data,
    tau_from_exponent,
)
from joblib import Parallel, delayed  # noqa: E402

from skchaos import ChaoticRNNRegressor, LyapunovSpectrum  # noqa: E402
from skchaos.metrics import power_spectrum_distance, state_space_divergence  # noqa: E402

# name: (data, tau grid, literature tau or None)
SYSTEMS = {
    "lorenz": (lorenz_data, [1, 5, 10, 25, 50, 100, None], tau_from_exponent(0.9056, 0.01)),
    "rossler": (rossler_data, [1, 5, 10, 25, 50, 100, None], tau_from_exponent(0.0714, 0.1)),
    "laser": (laser_data, [1, 2, 5, 10, 20, 50, None], None),
}
N_GENERATED = 100_000


def fit_and_measure(data, tau, seed, n_init=1):
    X_train, X_test, _ = data
    est = ChaoticRNNRegressor(tau=tau, n_init=n_init, random_state=seed)
    start = time.perf_counter()
    est.fit(X_train)
    fit_s = time.perf_counter() - start
    context = X_train[-est.sequence_length_:]
    with np.errstate(over="ignore", invalid="ignore"):
        X_gen = est.simulate(max(N_GENERATED, len(X_test)), X_context=context)
    return {"tau": "None" if tau is None else tau, "seed": seed,
            "D_stsp": state_space_divergence(X_test, X_gen),
            "D_H": power_spectrum_distance(X_test, X_gen), "fit_s": fit_s,
            "best_epoch": est.best_epoch_}


def summarise(rows, taus):
    summary = []
    for tau in taus:
        key = "None" if tau is None else tau
        mine = [r for r in rows if r["tau"] == key]
        d, h = [r["D_stsp"] for r in mine], [r["D_H"] for r in mine]
        summary.append({"tau": key, "D_stsp_mean": statistics.fmean(d),
                        "D_stsp_std": statistics.pstdev(d),
                        "D_stsp_median": statistics.median(d),
                        "D_H_mean": statistics.fmean(h), "D_H_std": statistics.pstdev(h),
                        "fit_s": statistics.median(r["fit_s"] for r in mine)})
    return summary


def save_figure(system, rows, summary, tau_data, tau_literature, path):
    """Mean over seeds against tau, bars from the best to the worst seed; log axes."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    keys = [s["tau"] for s in summary]
    finite = [k for k in keys if k != "None"]
    x_none = 2 * max(finite)  # where "no forcing" is drawn, right of the grid
    fig, axes = plt.subplots(1, 2, figsize=(10, 3.8))
    for ax, measure in zip(axes, ("D_stsp", "D_H"), strict=True):
        values = {k: [r[measure] for r in rows if r["tau"] == k] for k in keys}
        mean = {k: float(np.mean(v)) for k, v in values.items()}
        bars = {k: ([mean[k] - min(v)], [max(v) - mean[k]]) for k, v in values.items()}
        ax.errorbar(finite, [mean[k] for k in finite],
                    yerr=np.hstack([np.array(bars[k]) for k in finite]), marker="o",
                    capsize=3, label="mean over seeds (bars: best to worst seed)")
        if "None" in keys:
            ax.errorbar([x_none], [mean["None"]], yerr=np.array(bars["None"]), marker="s",
                        color="C3", capsize=3, label="no forcing (drawn at the right)")
        ax.axvline(tau_data, color="k", ls="--", lw=1,
                   label=f"ln2/lambda_max (data): {tau_data}")
        if tau_literature is not None:
            ax.axvline(tau_literature, color="0.5", ls=":", lw=1.5,
                       label=f"ln2/lambda_max (literature): {tau_literature}")
        ax.set_xscale("log")
        if measure == "D_stsp":
            ax.set_yscale("log")
        ax.set_xlabel("tau (steps)")
        ax.set_ylabel(measure)
        ax.set_title(f"{system}: {measure} of 10^5-step free runs")
        ax.legend(fontsize=7)
    save_png(fig, path)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--system", default="lorenz", choices=sorted(SYSTEMS))
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--taus", nargs="+", default=None,
                        help="a subset of the system's grid (integers or None)")
    parser.add_argument("--n-init", type=int, default=1,
                        help="restarts per fit, the best by validation score kept")
    parser.add_argument("--n-jobs", type=int, default=2,
                        help="fits in parallel, one thread each")
    parser.add_argument("--json", default=None)
    parser.add_argument("--figure", default=None)
    parser.add_argument("--replot", default=None,
                        help="redraw --figure from this JSON (written earlier) and stop")
    args = parser.parse_args()
    if args.replot:
        with open(args.replot) as f:
            done = json.load(f)
        save_figure(done["system"], done["rows"], done["summary"], done["tau_data"],
                    done["tau_literature"], args.figure)
        return
    record = machine_record()
    print(f"{record['cpu']}; {record['n_cpus']} cpus; fits in parallel: {args.n_jobs}; "
          f"restarts per fit: {args.n_init}\n")
    make_data, taus, tau_literature = SYSTEMS[args.system]
    if args.taus:
        taus = [None if t == "None" else int(t) for t in args.taus]
    data = make_data()

    spectrum = LyapunovSpectrum(n_exponents=1, random_state=0).fit(data[0])
    tau_data = spectrum.suggested_tau_
    print(f"lambda_max from the training data: {spectrum.max_exponent_:.4g} per step -> "
          f"predictability time {tau_data} steps (literature: {tau_literature})\n")

    start = time.perf_counter()
    rows = Parallel(n_jobs=args.n_jobs)(delayed(fit_and_measure)(data, tau, seed, args.n_init)
                                        for tau in taus for seed in args.seeds)
    wall_s = time.perf_counter() - start
    print_table(rows, ["tau", "seed", "D_stsp", "D_H", "fit_s", "best_epoch"])
    print()
    summary = summarise(rows, taus)
    print_table(summary, ["tau", "D_stsp_mean", "D_stsp_std", "D_stsp_median", "D_H_mean",
                          "D_H_std", "fit_s"])
    print(f"\nwall time {wall_s:.0f} s")
    if args.json:
        write_json(f"tau_sweep_{args.system}", {
            "system": args.system, "n_init": args.n_init, "rows": rows, "summary": summary,
            "lambda_max_data_per_step": spectrum.max_exponent_, "tau_data": tau_data,
            "tau_literature": tau_literature, "wall_s": wall_s}, args.json)
    if args.figure:
        save_figure(args.system, rows, summary, tau_data, tau_literature, args.figure)


if __name__ == "__main__":
    main()
