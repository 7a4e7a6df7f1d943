"""The theory made visible: loss-gradient norms against window length (skchaos.diagnostics).

Fits ChaoticRNNRegressor on Lorenz-63 (tau = 77, defaults otherwise) once with pinv forcing
and once with identity forcing, then measures with `gradient_norms` (geometric mean over 50
windows per length) how the gradient norm grows with the window length T:

* the chaotic pinv model without forcing: log norm against T is fitted by a line over
  T >= 200, and its slope compared with the model's own lambda_max per step (LyapunovSpectrum
  of the model);
* the same model forced (pinv) every tau_pred steps: bounded;
* a contracting model: the chaotic model with A and W scaled by 0.5, whose exponents are all
  negative (checked): bounded without forcing;
* the identity-forcing model, forced every tau_pred steps by identity forcing and unforced.

    python studies/bench_gradients.py --json results/gradients.json \
        --figure results/gradients.png
"""

import argparse
import math
import time

import numpy as np
from _common import machine_record, pin_threads, print_table, save_png, write_json

_LIMITS = pin_threads(1)

from bench_reconstruction import lorenz_data, tau_from_exponent  # noqa: E402
from joblib import Parallel, delayed  # noqa: E402
from sklearn.base import clone  # noqa: E402

from skchaos import ChaoticRNNRegressor, LyapunovSpectrum  # noqa: E402
from skchaos.diagnostics import gradient_norms  # noqa: E402

LENGTHS = [10, 20, 50, 100, 200, 400, 800, 1600]
SLOPE_FROM = 200
CONTRACTION = 0.5


def fit(X, forcing, tau):
    return ChaoticRNNRegressor(tau=tau, forcing=forcing, random_state=0).fit(X)


def contracted(est, factor):
    """A copy of a fitted model with A and W scaled by ``factor`` (h and B kept)."""
    other = clone(est)
    for name in ("A_", "W_", "h_", "B_", "data_mean_", "data_scale_", "latent_state_",
                 "n_features_in_", "_forcing_mode", "tau_"):
        setattr(other, name, getattr(est, name))
    other.A_, other.W_ = factor * est.A_, factor * est.W_
    return other


def max_exponent(est, X):
    return LyapunovSpectrum(est, n_exponents=1, n_steps=20_000).fit(X).max_exponent_


def slope(lengths, norms, start):
    keep = np.asarray(lengths) >= start
    return float(np.polyfit(np.asarray(lengths)[keep], np.log(norms[keep]), 1)[0])


def save_figure(curves, lam, path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4.2))
    for label, norms in curves.items():
        ax.semilogy(LENGTHS, norms, marker="o", label=label)
    base = curves["chaotic model, no forcing"]
    i0 = LENGTHS.index(SLOPE_FROM)
    ref = base[i0] * np.exp(lam * (np.array(LENGTHS[i0:]) - SLOPE_FROM))
    ax.semilogy(LENGTHS[i0:], ref, "k--", lw=1,
                label=f"slope lambda_max of the model ({lam:.4f} per step)")
    ax.set_xlabel("window length T (steps)")
    ax.set_ylabel("gradient norm (geometric mean over windows)")
    ax.set_title("Lorenz-63 models: loss-gradient norm against BPTT length")
    ax.legend(fontsize=7)
    save_png(fig, path)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", default=None)
    parser.add_argument("--figure", default=None)
    args = parser.parse_args()
    record = machine_record()
    print(f"{record['cpu']}; numba threads {record['numba_threads']}\n")
    X_train, X_test, _ = lorenz_data()
    tau = tau_from_exponent(0.9056, 0.01)

    start = time.perf_counter()
    chaotic, identity = Parallel(n_jobs=2)(delayed(fit)(X_train, forcing, tau)
                                           for forcing in ("pinv", "identity"))
    fit_s = time.perf_counter() - start
    contracting = contracted(chaotic, CONTRACTION)
    exponents = {"chaotic (pinv)": max_exponent(chaotic, X_test),
                 "contracting": max_exponent(contracting, X_test),
                 "identity": max_exponent(identity, X_test)}

    curves = {
        "chaotic model, no forcing": gradient_norms(chaotic, X_test, LENGTHS),
        f"chaotic model, pinv forcing every {tau}": gradient_norms(chaotic, X_test, LENGTHS,
                                                                   tau=tau),
        f"contracting model (A, W x {CONTRACTION}), no forcing":
            gradient_norms(contracting, X_test, LENGTHS),
        "identity-forcing model, no forcing": gradient_norms(identity, X_test, LENGTHS),
        f"identity-forcing model, identity forcing every {tau}":
            gradient_norms(identity, X_test, LENGTHS, tau=tau),
    }
    rows = [{"curve": label, **{f"T={T}": float(n) for T, n in zip(LENGTHS, norms,
                                                                    strict=True)},
             f"slope T>={SLOPE_FROM}": slope(LENGTHS, norms, SLOPE_FROM)}
            for label, norms in curves.items()]
    print_table(rows, ["curve", *(f"T={T}" for T in LENGTHS), f"slope T>={SLOPE_FROM}"])
    lam = exponents["chaotic (pinv)"]
    fitted = rows[0][f"slope T>={SLOPE_FROM}"]
    print("\nlambda_max per step: " + ", ".join(f"{k} {v:.4g}" for k, v in exponents.items()))
    print(f"chaotic model without forcing: fitted slope {fitted:.4g} per step against "
          f"lambda_max {lam:.4g} (ratio {fitted / lam:.3g}); predictability time "
          f"{math.log(2) / lam:.0f} steps; fits took {fit_s:.0f} s")
    if args.json:
        write_json("gradients", {"lengths": LENGTHS, "tau": tau, "rows": rows,
                                 "max_exponents_per_step": exponents,
                                 "fitted_slope": fitted}, args.json)
    if args.figure:
        save_figure(curves, lam, args.figure)


if __name__ == "__main__":
    main()
