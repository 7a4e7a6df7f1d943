"""Peers: an echo state network, SINDy and BPTT variants against skchaos, on the same data.

Models, each given a tuning effort of its own (grids in ``ESN_GRID`` and ``SINDY_GRID``);
the ESN and SINDy are estimators of ``peers.py``, with ChaoticRNNRegressor's interface
(``fit``, ``simulate``, ``predict``), so one function scores every model
(``measure``: D_stsp and D_H through ``long_term_scores``, the valid prediction time
through ``skchaos.metrics.valid_prediction_time``):

- ``esn``: reservoirpy's ``Reservoir`` (leaky tanh units, bias scaled like the inputs) with
  a linear ridge readout (the formula of ``reservoirpy.nodes.Ridge``: centred, unpenalised
  intercept), trained on one-step prediction and run in closed loop. Spectral radius, leak
  rate, input scaling, ridge and the noise on the reservoir's training input
  (``ESN_INPUT_NOISE``, standardised units; the readout still targets the clean next row)
  are tuned on a grid.
- ``sindy``: pysindy with a polynomial library and STLSQ; degree, threshold and the
  derivative (finite differences, or Savitzky-Golay smoothed) are tuned on a grid. The
  identified ODE is integrated by RK4 (10 substeps per sample); a run leaving the data's
  range (|z| > 1000 data standard deviations) or the finite range is cut there (NaN).
- ``bptt``: ``ChaoticRNNRegressor(tau=None, max_grad_norm=1.0)``, plain BPTT over windows.
- ``tf``: ``ChaoticRNNRegressor(tau=1)``, classical teacher forcing.
- ``skchaos``: ``ChaoticRNNRegressor(tau="auto")``, sparse teacher forcing at ln 2 / lambda.

``--rnn-grid`` gives the skchaos row a tuning effort too: every grid point is fitted and the
fit with the lowest validation divergence (the estimator's own held-out 10%) is kept. It
tunes skchaos only: tau and the forcing are what define the BPTT and teacher-forcing rows.

Tuning (ESN, SINDy) uses the training series only: fit on its first 90%, then free runs
from 4 points of the last 10% (each after a forced warm-up of 200 rows) are compared with
the whole training series by state-space divergence (as ChaoticRNNRegressor's own
validation does: a block of a few thousand samples is too noisy a reference); the best
setting is refitted on the whole training series. ChaoticRNNRegressor holds out the same
10% to keep its best checkpoint. With ``--matched-noise``, every model's validation runs
get Gaussian noise of the data's known level (the fraction ``--noise`` of each feature's
std, one fixed draw) before the comparison with the noisy series, the criterion of
``ChaoticRNNRegressor(observation_noise=...)``, which the RNN rows then use.
``--esn-input-noise`` sets the ESN grid's training-input noise levels (default
``ESN_INPUT_NOISE``; ``0`` alone is the grid of the main table's runs).

Measures, per (system, noise, model, seed): D_stsp and D_H of a 10^5-step free run after a
forced warm-up on the last 200 training rows, against the clean test series; the valid
prediction time (threshold 0.4, median over starts along the test series, each after a
forced warm-up of 200 rows) in Lyapunov times; the model's lambda_max per time unit (QR on
the model's Jacobians along its own orbit) against the truth; tuning and fit times.
A free run that leaves the finite range scores as such: its non-finite rows fall off the
grid of D_stsp, D_H is 1, and the valid time ends there (column ``left_range``).

lambda_max: ChaoticRNNRegressor by ``LyapunovSpectrum(est, n_exponents=1)``; SINDy by
``skchaos.lyapunov.lyapunov_spectrum`` on the RK4 flow map with a central-difference
Jacobian, all exponents (3-4 of them); the ESN
by the same QR recursion with one tangent vector and exact Jacobian-vector products (the
full spectrum of a 500-unit reservoir would need a 500 x 500 QR per step).

A full run (seeds 0-2, noise 0 and 0.05) took about 17 minutes per system on two
idle cores (Rossler and the laser together: 2002 s), most of it the 18
ChaoticRNNRegressor fits, before the ESN grid got its training-input noise, which triples
the ESN's tuning (about 110 s per fit instead of 38 s); SINDy is deterministic and fitted
once per data set.
``--markdown results/peers.json`` prints a stored run's summary as markdown tables.

    python studies/bench_peers.py --quick             # smoke run, about a minute
    python studies/bench_peers.py --systems lorenz63 --json results/peers_lorenz63.json
    python studies/bench_peers.py --systems rossler laser --noise 0 0.05 --seeds 0 1 2
    python studies/bench_peers.py --models skchaos bptt --rnn-params '{"n_latent": 150}'
    python studies/bench_peers.py --models skchaos --rnn-grid '{"tau": [10, 25, 50]}'
    python studies/bench_peers.py --noise 0.05 --matched-noise
    python studies/bench_peers.py --models esn --noise 0 --esn-input-noise 0
"""

import argparse
import functools
import json
import math
import statistics
import time
import warnings

import numpy as np
from _common import machine_record, pin_threads, print_table, write_json

_LIMITS = pin_threads(1)

from bench_reconstruction import (  # noqa: E402
    laser_data,
    lorenz_data,
    rossler_data,
    tau_from_exponent,
)
from joblib import Parallel, delayed  # noqa: E402
from peers import (  # noqa: E402
    ESN_INPUT_NOISE,
    N_WARMUP,
    VALIDATION_FRACTION,
    EchoStateNetwork,
    SINDy,
    compile_kernels,
    grid_points,
    tune_esn,
    tune_sindy,
)

from skchaos import ChaoticRNNRegressor, LyapunovSpectrum  # noqa: E402
from skchaos.datasets import Lorenz63, Rossler  # noqa: E402
from skchaos.metrics import (  # noqa: E402
    power_spectrum_distance,
    state_space_divergence,
    valid_prediction_time,
)

MODELS = ["esn", "sindy", "bptt", "tf", "skchaos"]
RNN_PARAMS = {"bptt": {"tau": None, "max_grad_norm": 1.0}, "tf": {"tau": 1},
              "skchaos": {"tau": "auto"}}

# name: sampling interval, lambda_max per time unit (None: estimated from the data),
# longest valid-prediction run checked, rows between its starts
SYSTEMS = {
    "lorenz63": {"dt": 0.01, "lyapunov": 0.9056, "vpt_max_steps": 1500, "vpt_stride": 50},
    "rossler": {"dt": 0.1, "lyapunov": 0.0714, "vpt_max_steps": 2000, "vpt_stride": 50},
    "laser": {"dt": 1.0, "lyapunov": None, "vpt_max_steps": 500, "vpt_stride": 20},
}

ESN_GRID = {"sr": [0.5, 0.9, 1.2], "lr": [0.2, 0.5, 1.0], "input_scaling": [0.2, 1.0],
            "ridge": [1e-6, 1e-4, 1e-2]}
SINDY_GRID = {"degree": [2, 3], "threshold": [0.01, 0.05, 0.2, 1.0],
              "derivative": ["finite_difference", "smoothed"]}

FULL = {"n_train": 30_000, "n_test": 100_000, "laser_train": 8000, "n_generated": 100_000,
        "n_epochs": None, "esn_units": 500, "esn_grid": ESN_GRID, "sindy_grid": SINDY_GRID,
        "validation_generated": 10_000, "lyapunov_steps": 20_000, "vpt_rows": 10_000,
        "vpt_max_steps_cap": None}
QUICK = {"n_train": 3000, "n_test": 10_000, "laser_train": 3000, "n_generated": 10_000,
         "n_epochs": 20, "esn_units": 100,
         "esn_grid": {"sr": [0.9, 1.2], "lr": [0.5], "input_scaling": [0.5],
                      "ridge": [1e-6, 1e-3]},
         "sindy_grid": {"degree": [2], "threshold": [0.05, 0.2],
                        "derivative": ["finite_difference", "smoothed"]},
         "validation_generated": 2000, "lyapunov_steps": 2000, "vpt_rows": 2000,
         "vpt_max_steps_cap": 300}


# ----------------------------------------------------------------------------- data
@functools.cache
def get_data(system, noise, quick):
    """(X_train, X_test, X_reference); noise on the training series only."""
    s = QUICK if quick else FULL
    if system == "laser":
        X_train, X_test, X_reference = laser_data()
        X_train, X_reference = X_train[:s["laser_train"]], X_reference[:s["laser_train"]]
        if noise > 0:
            rng = np.random.RandomState(100)
            X_train = X_train + noise * X_train.std(axis=0) * rng.standard_normal(
                X_train.shape)
        return X_train, X_test, X_reference
    make, flow = {"lorenz63": (lorenz_data, Lorenz63), "rossler": (rossler_data, Rossler)}[
        system]
    X_train, X_test, X_reference = make(n_train=s["n_train"], n_test=s["n_test"])
    if noise > 0:
        # The same seed as the data function: the same trajectory, plus noise.
        X_train = flow().generate(s["n_train"], dt=SYSTEMS[system]["dt"], random_state=100,
                                  noise=noise)
    return X_train, X_test, X_reference


@functools.cache
def laser_lyapunov():
    """lambda_max of the laser per sample, from the clean delay-embedded series."""
    X = np.concatenate(laser_data()[:2])
    return LyapunovSpectrum(n_exponents=1, random_state=0).fit(X).max_exponent_


def system_lyapunov(system):
    value = SYSTEMS[system]["lyapunov"]
    return laser_lyapunov() if value is None else value


# ----------------------------------------------------------------------- one run
def tune_rnn(X, params, grid, seed):
    """Fit ChaoticRNNRegressor at every point of ``grid`` (empty: once, at ``params``).

    The fit with the lowest validation divergence (the estimator's own held-out block,
    the last 10% of X) wins; fits that raise are recorded and skipped. Returns (estimator,
    its grid point, trials); the winning trial has ``chosen=True``. Without validation
    (``validation_fraction=0``) there is nothing to rank by, so a grid is refused.
    """
    grid, fitted = grid or {}, []
    if len(grid_points(grid)) > 1 and params.get("validation_fraction", 0.1) == 0:
        raise ValueError("--rnn-grid needs validation to rank the fits by")
    for point in grid_points(grid):
        est = ChaoticRNNRegressor(random_state=seed, **{**params, **point})
        start = time.perf_counter()
        trial = {**point, "validation_D_stsp": None, "chosen": False, "error": None}
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", UserWarning)
                est.fit(X)
            if est.validation_scores_:
                trial["validation_D_stsp"] = -max(est.validation_scores_)
        except Exception as exc:
            trial["error"] = f"{type(exc).__name__}: {exc}"
            est = None
        trial["fit_s"] = time.perf_counter() - start
        fitted.append((trial, est))
    usable = [(t, e) for t, e in fitted if e is not None]
    if not usable:
        raise RuntimeError("every fit failed: " + "; ".join(t["error"] for t, _ in fitted))
    trial, est = min(usable, key=lambda te: (te[0]["validation_D_stsp"] or 0.0))
    trial["chosen"] = True
    return est, {k: trial[k] for k in grid}, [t for t, _ in fitted]


def run_one(system, noise, model_name, seed, quick, data, lyapunov, rnn_params=None,
            rnn_grid=None, matched_noise=False, esn_input_noises=tuple(ESN_INPUT_NOISE)):
    """Tune and fit one model on one data set, then measure it; returns a row.

    ``rnn_params`` overrides ChaoticRNNRegressor parameters of the RNN models, and
    ``rnn_grid`` (a dict of lists) tunes the skchaos row by its validation divergence.
    ``matched_noise`` tells every model's validation the data's noise level ``noise``;
    ``esn_input_noises`` adds training-input noise levels to the ESN grid.
    """
    limits = pin_threads(1)  # in joblib's workers too
    if model_name in ("esn", "sindy"):
        compile_kernels()
    settings = QUICK if quick else FULL
    dt = SYSTEMS[system]["dt"]
    X_train, X_test = data
    noise_level = noise if matched_noise else 0.0
    row = {"system": system, "noise": noise, "model": model_name, "seed": seed,
           "lambda_true": lyapunov, "tune_s": 0.0, "error": None}
    start = time.perf_counter()
    try:
        if model_name == "esn":
            best, score, trials = tune_esn(X_train, settings["esn_units"],
                                           settings["esn_grid"],
                                           settings["validation_generated"], seed,
                                           noise_level, esn_input_noises)
            row["tune_s"] = time.perf_counter() - start
            start = time.perf_counter()
            est = EchoStateNetwork(units=settings["esn_units"], random_state=seed,
                                   **best).fit(X_train)
            row.update(chosen=best, validation_D_stsp=score, n_trials=len(trials),
                       trials=[{"validation_D_stsp": d, **p} for d, p in trials])
        elif model_name == "sindy":
            best, score, trials = tune_sindy(X_train, settings["sindy_grid"], dt,
                                             settings["validation_generated"], noise_level)
            row["tune_s"] = time.perf_counter() - start
            start = time.perf_counter()
            est = SINDy(dt=dt, **best).fit(X_train)
            row.update(chosen=best, validation_D_stsp=score, n_trials=len(trials),
                       trials=[{"validation_D_stsp": d, **p} for d, p in trials],
                       n_terms=est.n_terms_, equations=est.equations_)
        else:
            params = dict(RNN_PARAMS[model_name])
            if settings["n_epochs"] is not None:
                params["n_epochs"] = settings["n_epochs"]
            params.update(rnn_params or {})
            if matched_noise:
                params["observation_noise"] = noise
            if model_name != "skchaos":
                rnn_grid = None
            est, chosen, trials = tune_rnn(X_train, params, rnn_grid, seed)
            best = next(t for t in trials if t["chosen"])
            row.update(chosen={**chosen, "tau_": est.tau_}, best_epoch=est.best_epoch_,
                       validation_D_stsp=best["validation_D_stsp"], fit_s=best["fit_s"],
                       tune_s=sum(t["fit_s"] for t in trials) - best["fit_s"])
            if rnn_grid:
                row.update(n_trials=len(trials), trials=trials)
        row.setdefault("fit_s", time.perf_counter() - start)
    except Exception as exc:  # a failed fit scores as a free run that never was finite
        row.update(error=f"{type(exc).__name__}: {exc}", fit_s=time.perf_counter() - start)
        est = None
    row.update(measure(est, system, X_train, X_test, settings, dt, lyapunov))
    del limits
    return row


def long_term_scores(X_test, X_gen):
    """D_stsp and D_H of a long run against the test series: every row of the tables."""
    return {"D_stsp": state_space_divergence(X_test, X_gen),
            "D_H": power_spectrum_distance(X_test, X_gen)}


def measure(est, system, X_train, X_test, settings, dt, lyapunov):
    """Score a fitted model (None: a fit that failed) on the test series.

    Its free run of ``n_generated`` steps after a forced warm-up on the last ``N_WARMUP``
    training rows is compared with the independent test series (:func:`long_term_scores`);
    the valid prediction time and the model's lambda_max go through the same public
    interface (``simulate``) for every model.
    """
    spec = SYSTEMS[system]
    context = X_train[-N_WARMUP:]
    n_generated = max(settings["n_generated"], len(X_test))
    start = time.perf_counter()
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore", RuntimeWarning)
        if est is None:
            X_gen = np.full((n_generated, X_train.shape[1]), np.nan)
        else:
            X_gen = est.simulate(n_generated, X_context=context)
        finite = np.isfinite(X_gen).all(axis=1)
        out = {"left_range": not finite.all(),
               "left_range_at": None if finite.all() else int(np.argmin(finite)) + 1,
               **long_term_scores(X_test, X_gen)}
        block = X_test if system == "laser" else X_test[:settings["vpt_rows"]]
        max_steps = spec["vpt_max_steps"]
        if settings["vpt_max_steps_cap"]:
            max_steps = min(max_steps, settings["vpt_max_steps_cap"])
        if est is None:
            out["VPT_LT"] = 0.0
        else:
            vpt = valid_prediction_time(est, block, lyapunov=lyapunov, dt=dt,
                                        max_steps=max_steps, n_warmup=N_WARMUP,
                                        stride=spec["vpt_stride"])
            out["VPT_LT"] = vpt.lyapunov_times
        out["lambda_max"] = model_exponent(est, X_train, context, settings, dt)
    out["measure_s"] = time.perf_counter() - start
    return out


def model_exponent(est, X_train, context, settings, dt):
    """lambda_max of the fitted model per time unit (NaN if it cannot be computed)."""
    if est is None:
        return math.nan
    n_steps = settings["lyapunov_steps"]
    try:
        if isinstance(est, ChaoticRNNRegressor):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", UserWarning)  # "non-chaotic" warning
                value = LyapunovSpectrum(est, n_exponents=1, n_steps=n_steps, dt=dt,
                                         random_state=0).fit(X_train).max_exponent_
        else:
            value = est.max_exponent_per_step(context, n_steps) / dt
    except (FloatingPointError, ValueError, np.linalg.LinAlgError):
        return math.nan
    return value if math.isfinite(value) else math.nan


# ------------------------------------------------------------------------ report
def reference_row(system, noise, quick):
    """The true system against the test series: the floor of D_stsp and D_H."""
    X_train, X_test, X_reference = get_data(system, noise, quick)
    return {"system": system, "noise": noise, "model": "reference", "seed": "-",
            **long_term_scores(X_test, X_reference), "lambda_true": system_lyapunov(system)}


def _median(values):
    values = [v for v in values if v is not None and not (isinstance(v, float)
                                                          and math.isnan(v))]
    return statistics.median(values) if values else math.nan


def summarise(rows, references):
    summary = []
    for ref in references:
        summary.append({**ref, "D_stsp_per_seed": ""})
        for model in MODELS:
            mine = [r for r in rows if (r["system"], r["noise"], r["model"])
                    == (ref["system"], ref["noise"], model)]
            if not mine:
                continue
            summary.append({
                "system": ref["system"], "noise": ref["noise"], "model": model,
                "seed": "median" if len(mine) > 1 else mine[0]["seed"],
                "D_stsp": _median(r["D_stsp"] for r in mine),
                "D_stsp_per_seed": " / ".join(f"{r['D_stsp']:.3g}" for r in mine),
                "D_H": _median(r["D_H"] for r in mine),
                "VPT_LT": _median(r["VPT_LT"] for r in mine),
                "lambda_max": _median(r["lambda_max"] for r in mine),
                "lambda_true": ref["lambda_true"],
                "left_range": f"{sum(r['left_range'] for r in mine)}/{len(mine)}",
                "failed": sum(r["error"] is not None for r in mine),
                "tune_s": _median(r["tune_s"] for r in mine),
                "fit_s": _median(r["fit_s"] for r in mine)})
    return summary


LABELS = {"reference": "true system (reference)", "esn": "echo state network (tuned)",
          "sindy": "SINDy (tuned)", "bptt": "BPTT, clipping at 1 (tau = None)",
          "tf": "teacher forcing (tau = 1)", "skchaos": 'skchaos, tau = "auto"'}


def markdown_tables(summary):
    """One markdown table per system, clean and noisy side by side, from a summary."""
    def cells(r):
        if r is None:
            return ["", "", "", ""]
        if r["model"] == "reference":
            return [f"{r['D_stsp']:.3g}", f"{r['D_H']:.3g}", "", ""]
        return [f"{r['D_stsp']:.3g} ({r['D_stsp_per_seed']})", f"{r['D_H']:.3g}",
                f"{r['VPT_LT']:.3g}", f"{r['lambda_max']:.3g}"]

    lines = []
    for system in dict.fromkeys(r["system"] for r in summary):
        mine = [r for r in summary if r["system"] == system]
        noises = sorted({r["noise"] for r in mine})
        lines += [f"**{system}** (lambda_max {mine[0]['lambda_true']:.4g})", "",
                  "| model | " + " | ".join(f"D_stsp, noise {n:g} (per seed) | D_H | VPT | "
                                           "lambda_max" for n in noises) + " |",
                  "|---|" + "---|" * 4 * len(noises)]
        for model in LABELS:
            by_noise = {r["noise"]: r for r in mine if r["model"] == model}
            if by_noise:
                row = [c for n in noises for c in cells(by_noise.get(n))]
                label = LABELS[model]
                if model == "reference" and SYSTEMS[system]["lyapunov"] is None:
                    label = "training block (reference: no true system)"
                lines.append(f"| {label} | " + " | ".join(row) + " |")
        lines.append("")
    return "\n".join(lines)


def _chosen(row):
    chosen = row.get("chosen") or {}
    return " ".join(f"{k}={v}" for k, v in chosen.items())


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--systems", nargs="+", default=list(SYSTEMS), choices=list(SYSTEMS))
    parser.add_argument("--noise", type=float, nargs="+", default=[0.0, 0.05],
                        help="observation noise on the training series, fraction of std")
    parser.add_argument("--models", nargs="+", default=MODELS, choices=MODELS)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2],
                        help="model seeds (SINDy is deterministic: fitted once)")
    parser.add_argument("--quick", action="store_true",
                        help="tiny settings for a smoke run (short series, 20 epochs, "
                             "100 reservoir units, small grids)")
    parser.add_argument("--n-jobs", type=int, default=2,
                        help="independent fits in parallel, one thread each")
    parser.add_argument("--rnn-params", type=json.loads, default={},
                        help="JSON of ChaoticRNNRegressor parameters for the RNN models "
                             "(bptt, tf, skchaos), e.g. '{\"n_latent\": 150}'")
    parser.add_argument("--rnn-grid", type=json.loads, default={},
                        help="JSON grid of ChaoticRNNRegressor parameters for the skchaos "
                             "row, each fitted at every point and the one with the "
                             "lowest validation divergence kept, e.g. "
                             "'{\"forcing_strength\": [1.0, 0.7, 0.5]}'")
    parser.add_argument("--matched-noise", action="store_true",
                        help="tell every model's validation the data's noise level: free "
                             "runs get that much observation noise before they are "
                             "compared with the noisy series (ESN and SINDy grids, and "
                             "ChaoticRNNRegressor(observation_noise=...))")
    parser.add_argument("--esn-input-noise", type=float, nargs="+",
                        default=ESN_INPUT_NOISE,
                        help="training-input noise levels of the ESN grid (standardised "
                             "units; the readout targets the clean series); 0 alone is "
                             "the grid of the main table's runs")
    parser.add_argument("--json", default=None)
    parser.add_argument("--markdown", default=None,
                        help="print the markdown tables of this stored JSON and stop")
    args = parser.parse_args()
    if args.markdown:
        with open(args.markdown) as f:
            print(markdown_tables(json.load(f)["summary"]))
        return
    record = machine_record()
    settings = QUICK if args.quick else FULL
    print(f"{record['cpu']}; {record['n_cpus']} cpus; fits in parallel: {args.n_jobs}"
          f"{'; QUICK smoke settings' if args.quick else ''}")
    if args.rnn_params:
        print(f"RNN models with {args.rnn_params}")
    if args.rnn_grid:
        print(f"skchaos tuned over {args.rnn_grid} by validation divergence")
    if args.matched_noise:
        print("validation with matched observation noise (the data's noise level)")
    print()
    for system in args.systems:
        lam, dt = system_lyapunov(system), SYSTEMS[system]["dt"]
        print(f"{system}: dt = {dt:g}, lambda_max = {lam:.4g} per time unit "
              f"({'literature' if SYSTEMS[system]['lyapunov'] else 'data'}), "
              f"ln 2 / lambda_max = {tau_from_exponent(lam, dt)} steps")
    print()

    # The long fits first, so that the short ones fill the gaps at the end.
    order = ["skchaos", "bptt", "tf", "esn", "sindy"]
    jobs = [(system, noise, model, seed)
            for model in order if model in args.models
            for system in args.systems for noise in args.noise
            for seed in (args.seeds[:1] if model == "sindy" else args.seeds)]
    start = time.perf_counter()
    rows = Parallel(n_jobs=args.n_jobs, batch_size=1, pre_dispatch="all")(
        delayed(run_one)(system, noise, model, seed, args.quick,
                         get_data(system, noise, args.quick)[:2], system_lyapunov(system),
                         args.rnn_params, args.rnn_grid, args.matched_noise,
                         args.esn_input_noise)
        for system, noise, model, seed in jobs)
    wall_s = time.perf_counter() - start
    rows.sort(key=lambda r: (args.systems.index(r["system"]), r["noise"],
                             MODELS.index(r["model"]), r["seed"]))
    references = [reference_row(system, noise, args.quick)
                  for system in args.systems for noise in args.noise]

    for r in rows:
        r["chosen_str"] = _chosen(r)
    print_table(rows, ["system", "noise", "model", "seed", "D_stsp", "D_H", "VPT_LT",
                       "lambda_max", "left_range_at", "tune_s", "fit_s", "measure_s",
                       "chosen_str"])
    print()
    summary = summarise(rows, references)
    print_table(summary, ["system", "noise", "model", "seed", "D_stsp", "D_stsp_per_seed",
                          "D_H", "VPT_LT", "lambda_max", "lambda_true", "left_range",
                          "failed", "tune_s", "fit_s"])
    print("\nleft_range: free runs that left the finite range (or, SINDy, 1000 data stds);"
          " their non-finite rows count as off the attractor in D_stsp, D_H is 1 and the"
          " valid time ends there. failed: fits that raised (scored as all-NaN runs)."
          " VPT_LT: valid prediction time in Lyapunov times; lambda per time unit"
          " (laser: per sample). reference: the true system against the test series.")
    for r in rows:
        if r["error"]:
            print(f"  failed: {r['system']} noise={r['noise']} {r['model']} seed "
                  f"{r['seed']}: {r['error']}")
    print(f"\nwall time {wall_s:.0f} s")
    if args.json:
        name = "peers" + ("_quick" if args.quick else "")
        write_json(name, {"settings": {k: v for k, v in settings.items()},
                          "quick": args.quick, "n_warmup": N_WARMUP,
                          "rnn_params": args.rnn_params, "rnn_grid": args.rnn_grid,
                          "matched_noise": args.matched_noise,
                          "esn_input_noise": args.esn_input_noise,
                          "validation_fraction": VALIDATION_FRACTION, "rows": rows,
                          "summary": summary, "wall_s": wall_s}, args.json)


if __name__ == "__main__":
    main()
