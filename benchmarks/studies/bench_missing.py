"""Training across gaps: Lorenz-63 with 10%, 30% and 50% of its samples missing.

The gaps are runs of 1 to 50 consecutive missing rows (uniform lengths, at random places)
until the fraction is reached. Each series is fitted three ways, with the package's
defaults otherwise (``dt=0.01``):

- ``skip``: ``ChaoticRNNRegressor(missing="skip")`` on the series with its gaps;
- ``interpolate``: the gaps filled by linear interpolation, then a plain fit (what a user
  would do without ``missing="skip"``), at the fractions of ``--interpolate``;
- ``complete``: the same seed on the series without gaps (the reference).

Each model free-runs 100,000 steps from the end of its training data; the run is compared
with an independent 100,000-step trajectory of the system (D_stsp, D_H), and its largest
Lyapunov exponent (tangent QR of the model, per time unit) with the literature's 0.9056.

    python benchmarks/studies/bench_missing.py [--seeds 0 1 2] [--fractions 0.1 0.3 0.5]
        [--interpolate 0.3]
"""

import argparse
import time

import numpy as np
from _common import pin_threads, print_table, write_json

from skchaos import ChaoticRNNRegressor, LyapunovSpectrum
from skchaos.datasets import make_lorenz63
from skchaos.metrics import power_spectrum_distance, state_space_divergence

DT = 0.01
N_TRAIN = 30_000
N_RUN = 100_000
MAX_GAP = 50
LAMBDA_TRUE = 0.9056


def gap_mask(n_samples, fraction, rng, max_gap=MAX_GAP):
    """A boolean mask of missing rows: runs of 1..max_gap rows until ``fraction``."""
    missing = np.zeros(n_samples, dtype=bool)
    target = int(round(fraction * n_samples))
    while missing.sum() < target:
        length = int(rng.integers(1, max_gap + 1))
        start = int(rng.integers(0, n_samples - length))
        missing[start:start + length] = True
    return missing


def interpolate_gaps(X):
    """Linear interpolation over missing rows, per feature (ends held constant)."""
    X = X.copy()
    rows = np.arange(len(X))
    for j in range(X.shape[1]):
        known = ~np.isnan(X[:, j])
        X[~known, j] = np.interp(rows[~known], rows[known], X[known, j])
    return X


def evaluate(est, X_train, X_truth):
    X_gen = est.predict(N_RUN)
    bounded = bool(np.isfinite(X_gen).all())
    spectrum = LyapunovSpectrum(estimator=est, n_exponents=1, random_state=0).fit(X_train)
    return {
        "d_stsp": state_space_divergence(X_truth, X_gen),
        "d_h": power_spectrum_distance(X_truth, X_gen),
        "lambda_max": float(spectrum.max_exponent_),
        "bounded": bounded,
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--fractions", type=float, nargs="+", default=[0.1, 0.3, 0.5])
    parser.add_argument("--interpolate", type=float, nargs="*", default=[0.3],
                        help="fractions at which the interpolated series is fitted too")
    parser.add_argument("--n-epochs", type=int, default=None,
                        help="override the default epochs (for a quick check only)")
    args = parser.parse_args()
    limiter = pin_threads(1)  # noqa: F841 (kept alive: the limits hold while it lives)
    X_truth = make_lorenz63(N_RUN, dt=DT, random_state=10_000)
    extra = {} if args.n_epochs is None else {"n_epochs": args.n_epochs}
    rows = []
    for seed in args.seeds:
        X = make_lorenz63(N_TRAIN, dt=DT, random_state=seed)
        cases = [("complete", 0.0, X, "raise")]
        for fraction in args.fractions:
            X_gaps = X.copy()
            X_gaps[gap_mask(N_TRAIN, fraction, np.random.default_rng(100 + seed))] = np.nan
            cases.append(("skip", fraction, X_gaps, "skip"))
            if fraction in args.interpolate:
                cases.append(("interpolate", fraction, interpolate_gaps(X_gaps), "raise"))
        for how, fraction, X_train, missing in cases:
            est = ChaoticRNNRegressor(dt=DT, missing=missing, random_state=seed, **extra)
            start = time.perf_counter()
            est.fit(X_train)
            seconds = time.perf_counter() - start
            row = {"seed": seed, "how": how,
                   "missing": float(np.isnan(X_train).any(axis=1).mean()
                                    if how == "skip" else fraction),
                   "fit_s": seconds, **evaluate(est, X_train, X_truth)}
            rows.append(row)
            print_table([row], ["seed", "how", "missing", "d_stsp", "d_h", "lambda_max",
                                "bounded", "fit_s"])
    summary = summarise(rows, args.fractions)
    print("\nMedians over seeds; ratios to the complete-data fit of the same seed")
    print_table(summary, ["how", "missing", "d_stsp", "d_stsp_ratio", "d_h", "d_h_ratio",
                          "lambda_max", "lambda_error", "n_chaotic", "n_seeds"])
    write_json("missing", {"n_train": N_TRAIN, "max_gap": MAX_GAP, "dt": DT,
                           "rows": rows, "summary": summary})


def summarise(rows, fractions):
    complete = {r["seed"]: r for r in rows if r["how"] == "complete"}
    summary = []
    groups = [("complete", 0.0)] + [(how, f) for f in fractions
                                    for how in ("skip", "interpolate")]
    for how, fraction in groups:
        group = [r for r in rows if r["how"] == how
                 and (how == "complete" or abs(r["missing"] - fraction) < 0.02)]
        if not group:
            continue
        ratio = [r["d_stsp"] / complete[r["seed"]]["d_stsp"] for r in group]
        ratio_h = [r["d_h"] / complete[r["seed"]]["d_h"] for r in group]
        lambdas = [r["lambda_max"] for r in group]
        summary.append({
            "how": how, "missing": fraction,
            "d_stsp": float(np.median([r["d_stsp"] for r in group])),
            "d_stsp_ratio": float(np.median(ratio)),
            "d_h": float(np.median([r["d_h"] for r in group])),
            "d_h_ratio": float(np.median(ratio_h)),
            "lambda_max": float(np.median(lambdas)),
            "lambda_error": float(np.median(np.abs(np.array(lambdas) - LAMBDA_TRUE))
                                  / LAMBDA_TRUE),
            "n_chaotic": int(sum(v > 0.05 for v in lambdas)),
            "n_seeds": len(group),
        })
    return summary


if __name__ == "__main__":
    main()
