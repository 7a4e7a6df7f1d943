"""What the regressor's defaults do on short and noisy series, and what might do better.

Lorenz-63, Rössler and the Santa Fe laser (its first n samples, delay-embedded with
dimension 4 and delay 2 in a Pipeline; the test block is the embedded rest of the series)
at 300, 1,000 and 3,000 samples with 0%, 5% and 20% observation noise (for the laser
added here, as a fraction of its standard deviation, seeded). Configurations, all at the
default ``n_epochs``:

- ``default``: ``ChaoticRNNRegressor(random_state=seed)`` as is;
- ``short_window``: ``sequence_length=50``;
- ``small_hidden``: ``n_hidden=30``;
- ``no_validation``: ``validation_fraction=0.0``;
- ``restarts``: ``n_init=3`` (three trainings: three times the cost).

The variants run below the short-series threshold only (``--variant-lengths``); at 3,000
samples only the default. For every fit: its wall time, its warnings (whether it warned
that the series is short), whether it raised; a 100,000-step free run, bounded or not
(non-finite, or beyond 3 half-ranges of the training data about its centre); D_stsp and
D_H of the free run against the truth (Lorenz-63, Rössler: a 50,000-step trajectory with
the same noise, random_state=10_000; the laser: the embedded series after the training
samples); the recording floor of the training series and D_stsp's ratio to it; for
Lorenz-63 and Rössler the true system's own divergence at that length (an independent
recording of n samples with the same noise, random_state=1000 + seed, against the long
trajectory; in the JSON also its first n/4 samples, the length of the floor's blocks).

The fits run in priority order: the cells every configuration runs on, then the default
at the longer lengths, then the remaining default cells, then the restarts. With
``--time-budget`` a fit that would end past the budget (estimated from the fits so far)
is skipped and listed as such.

    python studies/bench_short_series.py [--seeds 1] [--configs default,short_window,...]
        [--variant-noises 0,0.05,0.2] [--time-budget MINUTES]
"""

import argparse
import contextlib
import json
import statistics
import sys
import time
import warnings

import numpy as np
from _common import RESULTS_DIR, pin_threads, print_table, write_json

_LIMITS = pin_threads(1)

from sklearn.pipeline import Pipeline  # noqa: E402

from skchaos import ChaoticRNNRegressor  # noqa: E402
from skchaos.datasets import load_santafe_laser, make_lorenz63, make_rossler  # noqa: E402
from skchaos.metrics import (  # noqa: E402
    power_spectrum_distance,
    recording_floor,
    state_space_divergence,
)
from skchaos.preprocessing import DelayEmbedding  # noqa: E402

SYSTEMS = ("lorenz63", "rossler", "santafe_laser")
MAKERS = {"lorenz63": make_lorenz63, "rossler": make_rossler}
CONFIGS = {
    "default": {},
    "short_window": {"sequence_length": 50},
    "small_hidden": {"n_hidden": 30},
    "no_validation": {"validation_fraction": 0.0},
    "restarts": {"n_init": 3},
}
# Relative cost of a fit, for the budget's estimate before a configuration's first fit.
COST = {"default": 1.0, "short_window": 0.3, "small_hidden": 0.8, "no_validation": 1.0,
        "restarts": 3.0}
LENGTHS = (300, 1000, 3000)
NOISES = (0.0, 0.05, 0.2)
FREE_RUN = 100_000
TRUTH_LENGTH = 50_000
EMBEDDING = {"dimension": 4, "delay": 2}
BOUND = 3.0  # half-ranges of the training data about its centre
SHORT_WARNING = "Fewer than about"  # in the regressor's short-series warning


def floats(text):
    return tuple(float(v) for v in text.split(","))


def ints(text):
    return tuple(int(v) for v in text.split(","))


def log(message):
    print(message, file=sys.stderr, flush=True)


class Data:
    """Training series, truth and floors per (system, n, noise, seed), built once."""

    def __init__(self):
        self._cache = {}
        self._laser = load_santafe_laser().astype(np.float64)

    def get(self, system, n, noise, seed):
        key = (system, n, noise, seed)
        if key not in self._cache:
            self._cache[key] = self._build(system, n, noise, seed)
        return self._cache[key]

    def _long_run(self, system, noise):
        key = (system, noise, "long")
        if key not in self._cache:
            self._cache[key] = MAKERS[system](TRUTH_LENGTH, noise=noise,
                                              random_state=10_000)
        return self._cache[key]

    def _build(self, system, n, noise, seed):
        if system == "santafe_laser":
            x = self._laser.copy()
            if noise > 0:
                x += noise * x.std() * np.random.RandomState(seed).standard_normal(len(x))
            x = x.reshape(-1, 1)
            # One row per sample; the test rows keep their true past.
            E = DelayEmbedding(**EMBEDDING).fit_transform(x)
            fit_input, seen, truth = x[:n], E[:n], E[n:]
            own = None
        else:
            make = MAKERS[system]
            fit_input = seen = make(n, noise=noise, random_state=seed)
            truth = self._long_run(system, noise)
            # As recording_floor scores its blocks (and bench_recording_floor.py the
            # truth): the recording as the true side, the long trajectory as the run.
            independent = make(n, noise=noise, random_state=1000 + seed)
            quarter = independent[:n // 4]
            own = (float(state_space_divergence(independent, truth)),
                   float(power_spectrum_distance(independent, truth)),
                   float(state_space_divergence(quarter, truth)),
                   float(power_spectrum_distance(quarter, truth)))
        floor = recording_floor(seen)
        low, high = seen.min(axis=0), seen.max(axis=0)
        return {"fit_input": fit_input, "seen": seen, "truth": truth, "own": own,
                "floor": floor, "centre": (low + high) / 2, "half_range": (high - low) / 2}


def make_estimator(system, config, seed):
    rnn = ChaoticRNNRegressor(random_state=seed, **CONFIGS[config])
    if system == "santafe_laser":
        return Pipeline([("embed", DelayEmbedding(**EMBEDDING)), ("rnn", rnn)]), rnn
    return rnn, rnn


def messages(caught):
    return [f"{w.category.__name__}: {w.message}" for w in caught]


def run_one(data, system, n, noise, config, seed):
    """Fit, free-run and score one configuration; every failure is recorded, not raised."""
    d = data.get(system, n, noise, seed)
    est, rnn = make_estimator(system, config, seed)
    row = {"system": system, "n_samples": n, "noise": noise, "config": config, "seed": seed,
           "floor_D_stsp": float(d["floor"].state_space_divergence),
           "floor_D_H": float(d["floor"].power_spectrum_distance),
           "floor_test_length": n // 4,
           "true_D_stsp": d["own"][0] if d["own"] else None,
           "true_D_H": d["own"][1] if d["own"] else None,
           "true_D_stsp_n4": d["own"][2] if d["own"] else None,
           "true_D_H_n4": d["own"][3] if d["own"] else None}
    start = time.perf_counter()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            est.fit(d["fit_input"])
            row["error"] = None
        except Exception as exc:  # recorded: the study reports what misbehaves
            row["error"] = f"{type(exc).__name__}: {exc}"
    row["fit_s"] = time.perf_counter() - start
    row["fit_warnings"] = messages(caught)
    row["short_warning"] = any(SHORT_WARNING in m for m in row["fit_warnings"])
    if row["error"]:
        return row
    row["sequence_length"] = int(rnn.sequence_length_)
    row["best_epoch"] = None if rnn.best_epoch_ is None else int(rnn.best_epoch_)
    row["restart_scores"] = [None if s is None else float(s) for s in rnn.restart_scores_]
    start = time.perf_counter()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            X_gen = rnn.predict(FREE_RUN)
        except Exception as exc:
            row["error"] = f"predict: {type(exc).__name__}: {exc}"
            return row
    row["predict_s"] = time.perf_counter() - start
    row["predict_warnings"] = messages(caught)
    finite = bool(np.isfinite(X_gen).all())
    row["finite"] = finite
    if finite:
        excursion = float(np.max(np.abs(X_gen - d["centre"]) / d["half_range"]))
        row["max_excursion"] = excursion
        row["bounded"] = excursion <= BOUND
    else:
        row["max_excursion"] = None
        row["bounded"] = False
    try:
        row["D_stsp"] = float(state_space_divergence(d["truth"], X_gen))
        row["D_H"] = float(power_spectrum_distance(d["truth"], X_gen))
        row["D_stsp_over_floor"] = row["D_stsp"] / row["floor_D_stsp"]
    except Exception as exc:
        row["error"] = f"metrics: {type(exc).__name__}: {exc}"
    return row


def plan(args):
    """(priority, seed, system, n, noise, config) of every fit, in the order they run.

    First the cells at the variants' noise levels (every configuration at the short
    lengths, the default at the others), noise level by noise level, so that a run cut
    short loses the noisiest cells; then the default at the other noise levels; then the
    restarts, the most expensive configuration.
    """
    jobs = []
    for seed in range(args.seeds):
        for noise in args.noises:
            for n in args.lengths:
                for system in SYSTEMS:
                    for config in args.configs:
                        if config != "default" and (n not in args.variant_lengths
                                                    or noise not in args.variant_noises):
                            continue
                        if config == "restarts":
                            priority = 2
                        else:
                            priority = 0 if noise in args.variant_noises else 1
                        jobs.append((priority, seed, system, n, noise, config))
    jobs.sort(key=lambda j: j[0])  # stable: the loops' order within a priority
    return jobs


def key(row):
    return (row["system"], row["n_samples"], row["noise"], row["config"], row["seed"])


def previous_run(name):
    """Finished rows and start time (epoch seconds) of results/NAME.json, for --resume."""
    path = RESULTS_DIR / f"{name}.json"
    if not path.exists():
        return {}, time.time()
    previous = json.loads(path.read_text())
    started = previous.get("started_at", path.stat().st_mtime - previous["wall_s"])
    return {key(r): r for r in previous["rows"] if not r.get("skipped")}, started


def estimate(config, times):
    if times.get(config):
        return statistics.median(times[config])
    if times.get("default"):
        return COST[config] * statistics.median(times["default"])
    return 0.0


def summary(rows, configs):
    """Per (length, config): ratios to the default on the same cells, unbounded, time."""
    fitted = [r for r in rows if not r.get("skipped")]
    default = {(r["system"], r["n_samples"], r["noise"], r["seed"]): r
               for r in fitted if r["config"] == "default"}
    out = []
    for n in sorted({r["n_samples"] for r in fitted}):
        for config in configs:
            group = [r for r in fitted if r["n_samples"] == n and r["config"] == config]
            if not group:
                continue
            ratios, spectra = [], []
            for r in group:
                base = default.get((r["system"], n, r["noise"], r["seed"]))
                if base and r.get("D_stsp") is not None and base.get("D_stsp") is not None:
                    ratios.append(r["D_stsp"] / base["D_stsp"])
                    spectra.append(r["D_H"] / base["D_H"])
            over_floor = [r["D_stsp_over_floor"] for r in group
                          if r.get("D_stsp_over_floor") is not None]
            out.append({
                "n_samples": n, "config": config, "fits": len(group),
                "raised": sum(1 for r in group if r.get("error")),
                "unbounded": sum(1 for r in group if r.get("bounded") is False),
                "D_stsp_vs_default": statistics.median(ratios) if ratios else None,
                "better_than_default": sum(1 for v in ratios if v < 1),
                "D_H_vs_default": statistics.median(spectra) if spectra else None,
                "D_stsp_over_floor": statistics.median(over_floor) if over_floor else None,
                "fit_s": statistics.median(r["fit_s"] for r in group),
            })
    return out


ROW_COLUMNS = ["system", "n_samples", "noise", "config", "seed", "fit_s", "short_warning",
               "bounded", "max_excursion", "D_stsp", "D_H", "floor_D_stsp",
               "D_stsp_over_floor", "true_D_stsp", "floor_D_H", "true_D_H", "error"]
SUMMARY_COLUMNS = ["n_samples", "config", "fits", "raised", "unbounded",
                   "D_stsp_vs_default", "better_than_default", "D_H_vs_default",
                   "D_stsp_over_floor", "fit_s"]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=1, help="seeds 0 .. SEEDS-1")
    parser.add_argument("--configs", type=lambda s: tuple(s.split(",")),
                        default=tuple(CONFIGS))
    parser.add_argument("--lengths", type=ints, default=LENGTHS)
    parser.add_argument("--noises", type=floats, default=NOISES)
    parser.add_argument("--variant-lengths", type=ints, default=(300, 1000),
                        help="lengths at which the configurations other than default run")
    parser.add_argument("--variant-noises", type=floats, default=NOISES,
                        help="noise levels at which the other configurations run")
    parser.add_argument("--time-budget", type=float, default=None,
                        help="minutes; fits that would end later are skipped")
    parser.add_argument("--name", default="short_series")
    parser.add_argument("--resume", action="store_true",
                        help="keep the finished fits of results/NAME.json (and its start "
                             "time, for --time-budget) and run the rest")
    args = parser.parse_args()
    unknown = set(args.configs) - set(CONFIGS)
    if unknown:
        parser.error(f"unknown configs {sorted(unknown)}; choose from {list(CONFIGS)}")

    jobs = plan(args)
    finished, started = previous_run(args.name) if args.resume else ({}, time.time())
    reused = sum((s, n, x, c, sd) in finished for _, sd, s, n, x, c in jobs)
    log(f"{len(jobs)} fits planned, {reused} of them finished before")
    data, rows, times = Data(), [], {}

    def payload():
        return {"settings": {"seeds": args.seeds, "configs": list(args.configs),
                             "config_params": {c: CONFIGS[c] for c in args.configs},
                             "lengths": list(args.lengths), "noises": list(args.noises),
                             "variant_lengths": list(args.variant_lengths),
                             "variant_noises": list(args.variant_noises),
                             "time_budget_min": args.time_budget, "free_run": FREE_RUN,
                             "truth_length": TRUTH_LENGTH, "embedding": EMBEDDING,
                             "bound_half_ranges": BOUND},
                "started_at": started, "wall_s": time.time() - started,
                "summary": summary(rows, args.configs), "rows": rows}

    for i, (_, seed, system, n, noise, config) in enumerate(jobs):
        where = f"[{i + 1}/{len(jobs)}] {system} n={n} noise={noise} {config}"
        previous = finished.get((system, n, noise, config, seed))
        if previous:
            rows.append(previous)
            times.setdefault(config, []).append(previous["fit_s"])
            log(f"{where}: finished before")
            continue
        elapsed = time.time() - started
        if (args.time_budget is not None
                and elapsed + estimate(config, times) > 60 * args.time_budget):
            rows.append({"system": system, "n_samples": n, "noise": noise, "config": config,
                         "seed": seed, "skipped": "time budget"})
            log(f"{where}: skipped at {elapsed:.0f} s (budget)")
            continue
        row = run_one(data, system, n, noise, config, seed)
        times.setdefault(config, []).append(row["fit_s"])
        rows.append(row)
        log(f"{where}: fit {row['fit_s']:.0f} s, D_stsp {row.get('D_stsp')}, "
            f"bounded {row.get('bounded')}, error {row.get('error')}; "
            f"{time.time() - started:.0f} s")
        with contextlib.redirect_stdout(sys.stderr):  # stdout is the table
            write_json(args.name, payload())  # after every fit: a cut-short run keeps rows

    order = {c: i for i, c in enumerate(CONFIGS)}
    done = sorted((r for r in rows if not r.get("skipped")),
                  key=lambda r: (r["n_samples"], r["noise"], SYSTEMS.index(r["system"]),
                                 r["seed"], order[r["config"]]))
    table = [{**r, "error": r["error"].split(":")[0] if r.get("error") else None}
             for r in done]
    print("Short and noisy series: one row per fit (D_stsp, D_H of a 100,000-step free "
          "run against the truth;\nfloor: recording_floor of the training series, test "
          "blocks of n/4; true: an independent\nrecording of n samples against the "
          "truth; bounded: finite and within 3 half-ranges)\n")
    print_table(table, ROW_COLUMNS)
    skipped = [r for r in rows if r.get("skipped")]
    if skipped:
        print(f"\nskipped for the time budget ({len(skipped)}):")
        for r in skipped:
            print(f"  {r['system']} n={r['n_samples']} noise={r['noise']} {r['config']} "
                  f"seed={r['seed']}")
    print("\nSummary per (length, config): D_stsp_vs_default and D_H_vs_default are "
          "medians of the\nratio to the default fit on the same series; better_than_default "
          "counts ratios below 1\n")
    print_table(summary(rows, args.configs), SUMMARY_COLUMNS)
    print(f"\nwall time {time.time() - started:.0f} s")
    write_json(args.name, payload())


if __name__ == "__main__":
    main()
