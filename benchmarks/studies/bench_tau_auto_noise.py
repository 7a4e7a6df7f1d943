"""What observation noise does to tau="auto": the data's lambda_max under estimator settings.

``ChaoticRNNRegressor(tau="auto")`` takes ``ln 2 / lambda_max`` from
``LyapunovSpectrum(max_tau=sequence_length)`` fitted to the standardised training series.
This script fits that estimator to the peers' training series (``bench_peers.py``: Lorenz-63,
Rossler and the delay-embedded Santa Fe laser), clean and with 5% observation noise, with
the defaults and with a few neighbourhood settings, and prints the spectrum per step and the
tau it suggests. No model is trained; a run takes about 20 seconds.

    python studies/bench_tau_auto_noise.py --json results/tau_auto_noise.json
"""

import argparse
import time

from _common import machine_record, pin_threads, print_table, write_json

_LIMITS = pin_threads(1)

from bench_peers import SYSTEMS, get_data  # noqa: E402

from skchaos import LyapunovSpectrum  # noqa: E402

SEQUENCE_LENGTH = 200  # ChaoticRNNRegressor's default: the cap of tau="auto"
SETTINGS = {"defaults": {}, "evolution_steps=10": {"evolution_steps": 10},
            "n_neighbors=50": {"n_neighbors": 50}, "n_neighbors=100": {"n_neighbors": 100}}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--noise", type=float, nargs="+", default=[0.0, 0.05])
    parser.add_argument("--json", default=None)
    args = parser.parse_args()
    record = machine_record()
    print(f"{record['cpu']}; {record['n_cpus']} cpus\n")
    rows = []
    start = time.perf_counter()
    for system in SYSTEMS:
        for noise in args.noise:
            X = get_data(system, noise, False)[0]
            X = (X - X.mean(axis=0)) / X.std(axis=0)  # as tau="auto" does
            for name, params in SETTINGS.items():
                spectrum = LyapunovSpectrum(max_tau=SEQUENCE_LENGTH, random_state=0,
                                            **params).fit(X)
                rows.append({"system": system, "noise": noise, "setting": name,
                             "lambda_max_per_step": spectrum.max_exponent_,
                             "suggested_tau": spectrum.suggested_tau_,
                             "exponents_per_step": " / ".join(
                                 f"{v:.4g}" for v in spectrum.exponents_),
                             "evolution_steps": spectrum.evolution_steps_,
                             "n_neighbors": spectrum.n_neighbors_})
    wall_s = time.perf_counter() - start
    print_table(rows, ["system", "noise", "setting", "lambda_max_per_step", "suggested_tau",
                       "evolution_steps", "n_neighbors", "exponents_per_step"])
    print(f"\nwall time {wall_s:.0f} s")
    if args.json:
        write_json("tau_auto_noise", {"sequence_length": SEQUENCE_LENGTH, "rows": rows,
                                      "wall_s": wall_s}, args.json)


if __name__ == "__main__":
    main()
