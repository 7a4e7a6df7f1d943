"""Panel: reconstruction quality on the 15 chaotic systems of ``panel_systems.py``.

For each system and seed, one configuration is fitted on the training series and
free-run for 10^6 steps from the end of it. Measures: D_stsp and D_H (package defaults)
of the first 10^5 steps ("early") and of the last 10^5 ("late") against the independent
test trajectory, and their ratios to the floor (an independent trajectory of the true
system against the same test); the model's lambda_max per step against the true one
(within 20%?); whether the run stays finite and within 3x the training data's range
(every feature in [centre - 3 halfrange, centre + 3 halfrange]); the fit time. A fit that
raises is a row with its error. Targets: D_stsp and D_H at most 2x the floor, early and
late; lambda_max within 20% in at least 90% of fits; every run bounded.

Configurations (``--config``):

- ``paper``: the paper's configuration, spelled out (``PAPER``: the defaults of skchaos
  at 7c5a7f1), so it stays fixed when the defaults change.
- ``default``: ``ChaoticRNNRegressor(random_state=seed)`` with the installed defaults.
- any other name: ``PAPER`` (or ``--base default``'s defaults) updated by ``--params``.
- ``esn``: the echo state network of ``peers.py`` (500 units, random input bias), tuned
  by ``peers.tune_esn`` on bench_peers' grid, its points in a seeded random order, until
  ``--esn-budget`` seconds are spent; lambda_max by its ``max_exponent_per_step``.

Results go to ``results/panel_<config>.json`` and ``.txt`` (``--json`` to change).

    python studies/bench_panel.py --config smoke --systems Lorenz63 --seeds 0 \\
        --params '{"n_epochs": 20}'                          # smoke run, about a minute
    python studies/bench_panel.py --config paper --jobs 1    # 45 fits, about 2 hours
    python studies/bench_panel.py --config default --jobs 2
    python studies/bench_panel.py --config esn --esn-budget 120
    python studies/bench_panel.py --config tau20 --params '{"tau": 20}' --systems Chen
"""

import argparse
import contextlib
import io
import json
import math
import statistics
import time
import warnings
from pathlib import Path

import numpy as np
from _common import RESULTS_DIR, machine_record, pin_threads, print_table, write_json

_LIMITS = pin_threads(1)

from bench_peers import ESN_GRID, FULL  # noqa: E402
from joblib import Parallel, delayed  # noqa: E402
from panel_systems import CACHE_DIR, PANEL, load  # noqa: E402
from peers import (  # noqa: E402
    ESN_INPUT_NOISE,
    N_WARMUP,
    EchoStateNetwork,
    compile_kernels,
    grid_points,
    tune_esn,
)

import skchaos  # noqa: E402
from skchaos import ChaoticRNNRegressor, LyapunovSpectrum  # noqa: E402
from skchaos.metrics import power_spectrum_distance, state_space_divergence  # noqa: E402

PAPER = {"n_latent": 80, "tau": 30, "forcing": "pinv", "forcing_strength": 1.0,
         "sequence_length": "auto", "batch_size": 32, "batches_per_epoch": 10,
         "n_epochs": 1000, "learning_rate": 2e-3, "learning_rate_decay": 0.1,
         "max_grad_norm": 1.0, "teacher_noise": 0.0, "standardize": True,
         "validation_fraction": 0.1, "observation_noise": 0.0, "warm_start": False,
         "n_init": 1, "n_jobs": None, "verbose": 0, "progress_bar": False}
N_FREE, N_BLOCK = 10**6, 10**5
LYAPUNOV_STEPS = 20_000
ESN_UNITS = 500
RATIO_TARGET, LAMBDA_TOLERANCE, RANGE_FACTOR = 2.0, 0.2, 3.0
CELL_COLUMNS = ["system", "seed", "stsp_early", "stsp_late", "H_early", "H_late", "lambda",
                "lambda_true", "lambda_ok", "bounded", "fit_s", "error"]


# ----------------------------------------------------------------------- fitting
def tune_esn_budget(X, seed, budget):
    """peers.tune_esn one grid point at a time (seeded random order) until ``budget`` s."""
    grid = dict(ESN_GRID)
    ridges = grid.pop("ridge")
    points = [(p, noise) for p in grid_points(grid) for noise in ESN_INPUT_NOISE]
    trials, start = [], time.perf_counter()
    for i in np.random.RandomState(seed).permutation(len(points)):
        if trials and time.perf_counter() - start > budget:
            break
        params, noise = points[i]
        trials += tune_esn(X, ESN_UNITS, {**{k: [v] for k, v in params.items()},
                                          "ridge": ridges},
                           FULL["validation_generated"], seed, input_noises=(noise,))[2]
    score, best = min(trials, key=lambda t: t[0] if math.isfinite(t[0]) else math.inf)
    return best, {"chosen": best, "validation_D_stsp": score, "n_trials": len(trials),
                  "n_grid": len(points) * len(ridges)}


def fit(config, params, X, seed, esn_budget):
    """(fitted model, extra row entries); the timing of the final fit is the caller's."""
    if config == "esn":
        start = time.perf_counter()
        best, extra = tune_esn_budget(X, seed, esn_budget)
        extra["tune_s"] = time.perf_counter() - start
        return EchoStateNetwork(units=ESN_UNITS, random_state=seed, **best), extra
    return ChaoticRNNRegressor(random_state=seed, **params), {}


def model_exponent(est, X_train):
    """lambda_max per step of the fitted model (NaN if it cannot be computed)."""
    try:
        if isinstance(est, EchoStateNetwork):
            value = est.max_exponent_per_step(X_train[-N_WARMUP:], LYAPUNOV_STEPS)
        else:
            value = LyapunovSpectrum(est, n_exponents=1, n_steps=LYAPUNOV_STEPS,
                                     random_state=0).fit(X_train).max_exponent_
    except (FloatingPointError, ValueError, np.linalg.LinAlgError):
        return math.nan
    return float(value) if math.isfinite(value) else math.nan


def scores(X_test, X):
    return state_space_divergence(X_test, X), power_spectrum_distance(X_test, X)


def run_cell(name, seed, config, params, esn_budget, floor):
    """Fit one configuration on one system with one seed and measure it; returns a row."""
    limits = pin_threads(1)  # in joblib's workers too
    data = load(name)
    X_train, X_test, lam_true = data["train"], data["test"], data["lambda_max_per_step"]
    row = {"system": name, "seed": seed, "lambda_true": lam_true, "error": None}
    try:
        if config == "esn":
            compile_kernels()
        est, extra = fit(config, params, X_train, seed, esn_budget)
        row.update(extra)
        start = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            est.fit(X_train)
        row["fit_s"] = time.perf_counter() - start
        if hasattr(est, "best_epoch_"):
            row["best_epoch"] = int(est.best_epoch_)
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            # predict(int) is the free run from the end of the training series, for the
            # package (latent state) and for the peers (simulate after the last rows).
            X_gen = est.predict(N_FREE)
            row["stsp_early"], row["H_early"] = scores(X_test, X_gen[:N_BLOCK])
            row["stsp_late"], row["H_late"] = scores(X_test, X_gen[-N_BLOCK:])
            row["lambda"] = model_exponent(est, X_train)
    except Exception as exc:  # a failed fit (or free run) is a row, not a crash
        row["error"] = f"{type(exc).__name__}: {exc}"
        row.setdefault("fit_s", math.nan)
        X_gen = np.full((1, X_train.shape[1]), np.nan)
    centre = (X_train.max(axis=0) + X_train.min(axis=0)) / 2
    half = (X_train.max(axis=0) - X_train.min(axis=0)) / 2
    inside = (np.abs(X_gen - centre) <= RANGE_FACTOR * half).all(axis=1)  # NaN: outside
    row["bounded"] = bool(row["error"] is None and inside.all())
    row["left_range_at"] = None if inside.all() else int(np.argmin(inside))
    for part in ("stsp_early", "stsp_late", "H_early", "H_late", "lambda"):
        row.setdefault(part, math.nan)
    for part in ("stsp_early", "stsp_late", "H_early", "H_late"):
        row[f"{part}_ratio"] = row[part] / floor[part.split("_")[0]]
    row["lambda_ok"] = bool(abs(row["lambda"] - lam_true) <= LAMBDA_TOLERANCE * lam_true)
    del limits
    return row


# ------------------------------------------------------------------------ report
def _median(values):
    values = [v for v in values if not math.isnan(v)]
    return statistics.median(values) if values else math.nan


def summarise(rows, systems):
    summary = []
    for name in systems:
        mine = [r for r in rows if r["system"] == name]
        if not mine:
            continue
        entry = {"system": name, "n": len(mine)}
        for part in ("stsp_early", "stsp_late", "H_early", "H_late"):
            entry[f"{part}_ratio"] = _median(r[f"{part}_ratio"] for r in mine)
        entry.update(lambda_med=_median(r["lambda"] for r in mine),
                     lambda_true=mine[0]["lambda_true"],
                     lambda_ok=f"{sum(r['lambda_ok'] for r in mine)}/{len(mine)}",
                     bounded=sum(r["bounded"] for r in mine) / len(mine),
                     fit_s=_median(r["fit_s"] for r in mine),
                     failed=sum(r["error"] is not None for r in mine))
        summary.append(entry)
    return summary


def targets(rows, summary):
    """Fits (and systems, by their median over seeds) meeting each target."""
    out = []
    for part in ("stsp_early", "stsp_late", "H_early", "H_late"):
        key = f"{part}_ratio"
        out.append({"target": f"D_{part} <= {RATIO_TARGET:g}x floor",
                    "fits": f"{sum(r[key] <= RATIO_TARGET for r in rows)}/{len(rows)}",
                    "systems": f"{sum(s[key] <= RATIO_TARGET for s in summary)}/"
                               f"{len(summary)}"})
    n_ok = sum(r["lambda_ok"] for r in rows)
    out.append({"target": f"lambda_max within {LAMBDA_TOLERANCE:.0%} (goal >= 90% of fits)",
                "fits": f"{n_ok}/{len(rows)}", "met": n_ok >= 0.9 * len(rows)})
    n_bounded = sum(r["bounded"] for r in rows)
    out.append({"target": f"bounded within {RANGE_FACTOR:g}x range (goal 100%)",
                "fits": f"{n_bounded}/{len(rows)}", "met": n_bounded == len(rows)})
    return out


class Report:
    """Print and keep every line, for the .txt beside the JSON."""

    def __init__(self):
        self.lines = []

    def say(self, text=""):
        print(text, flush=True)
        self.lines.append(text)

    def table(self, rows, columns):
        buffer = io.StringIO()
        with contextlib.redirect_stdout(buffer):
            print_table(rows, columns)
        self.say(buffer.getvalue().rstrip("\n"))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", default="paper",
                        help="paper, default, esn, or a name for --params")
    parser.add_argument("--params", type=json.loads, default={},
                        help="JSON of ChaoticRNNRegressor parameters over --base, for a "
                             "configuration of another name")
    parser.add_argument("--base", default="paper", choices=["paper", "default"])
    parser.add_argument("--systems", nargs="+", default=PANEL, choices=PANEL)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--esn-budget", type=float, default=120.0,
                        help="seconds of ESN grid search per fit")
    parser.add_argument("--jobs", type=int, default=1, help="cells in parallel")
    parser.add_argument("--json", default=None)
    args = parser.parse_args()
    if args.params and args.config in ("paper", "default", "esn"):
        parser.error("--params needs a configuration name of its own")
    params = {} if args.config in ("default", "esn") else {
        **(PAPER if args.config == "paper" or args.base == "paper" else {}), **args.params}
    json_path = Path(args.json) if args.json else RESULTS_DIR / f"panel_{args.config}.json"

    report = Report()
    record = machine_record()
    resolved = (ChaoticRNNRegressor(**params).get_params() if args.config != "esn"
                else {"units": ESN_UNITS, "grid": ESN_GRID, "input_noise": ESN_INPUT_NOISE,
                      "budget_s": args.esn_budget})
    resolved.pop("random_state", None)
    report.say(f"{record['cpu']}; {record['n_cpus']} cpus; {args.jobs} cell(s) in parallel")
    report.say(f"skchaos {skchaos.__version__} from {Path(skchaos.__file__).parent}")
    report.say(f"config {args.config}: {resolved}\n")

    systems, floors = [], {}
    for name in args.systems:
        data = load(name)
        stsp, h = scores(data["test"], data["floor"])
        floors[name] = {"stsp": stsp, "H": h}
        systems.append({"system": name, "dim": data["train"].shape[1],
                        "n_train": len(data["train"]), "dt": data["dt"],
                        "lambda_per_step": data["lambda_max_per_step"],
                        "floor_stsp": stsp, "floor_H": h, "lambda_source": data["source"]})
    report.table(systems, list(systems[0]))
    report.say()

    # Seed-major: a run cut short still covers every system.
    cells = [(name, seed) for seed in args.seeds for name in args.systems]
    start = time.perf_counter()
    rows, partial = [], CACHE_DIR / f"partial_{args.config}.json"
    for row in Parallel(n_jobs=args.jobs, batch_size=1, return_as="generator_unordered")(
            delayed(run_cell)(name, seed, args.config, params, args.esn_budget,
                              floors[name]) for name, seed in cells):
        rows.append(row)
        report.table([{**row, "error": (row["error"] or "")[:60]}], CELL_COLUMNS)
        partial.write_text(json.dumps(rows))  # the rows so far, should the run stop
    wall_s = time.perf_counter() - start
    rows.sort(key=lambda r: (args.systems.index(r["system"]), r["seed"]))

    report.say(f"\nSummary ({args.config}): medians over seeds; ratios to the floor; "
               "bounded: fraction of runs\n")
    summary = summarise(rows, args.systems)
    report.table(summary, list(summary[0]))
    report.say()
    goals = targets(rows, summary)
    report.table(goals, ["target", "fits", "systems", "met"])
    for r in rows:
        if r["error"]:
            report.say(f"  failed: {r['system']} seed {r['seed']}: {r['error']}")
    report.say(f"\nwall time {wall_s:.0f} s")
    write_json(f"panel_{args.config}", {
        "config": args.config, "params": resolved, "seeds": args.seeds,
        "n_free": N_FREE, "n_block": N_BLOCK, "esn_budget": args.esn_budget,
        "systems": systems, "rows": rows, "summary": summary, "targets": goals,
        "wall_s": wall_s}, json_path)
    json_path.with_suffix(".txt").write_text("\n".join(report.lines) + "\n")
    partial.unlink()
    print(f"wrote {json_path.with_suffix('.txt')}")


if __name__ == "__main__":
    main()
