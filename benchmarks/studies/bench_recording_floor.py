"""How well one recording estimates the measures' floor (``recording_floor``).

For short recordings (300, 1,000 and 3,000 samples) of Lorenz-63, Rössler and the Hénon
map, with 0%, 5% and 20% observation noise:

- the estimate: ``recording_floor(recording)`` (blocks of a quarter of the recording,
  each against the rest and against the whole recording; the floor between the two), one
  per recording, with its two bounds;
- the truth: what a perfect model scores on a test block of the same length, measured
  with the true system: an independent test block (with the same noise) against a 50,000-
  step trajectory of the system (with the same noise), the length of ``score``'s free
  runs.

Both are medians over ``--repeats`` independent recordings and test blocks; the ratio of
each recording's estimate to the median truth says how far one user's estimate can be off.

    python benchmarks/studies/bench_recording_floor.py [--repeats 20]
"""

import argparse

import numpy as np
from _common import print_table, write_json

from skchaos.datasets import make_henon, make_lorenz63, make_rossler
from skchaos.metrics import power_spectrum_distance, recording_floor, state_space_divergence

SYSTEMS = {"lorenz63": make_lorenz63, "rossler": make_rossler, "henon": make_henon}
LENGTHS = (300, 1000, 3000)
NOISES = (0.0, 0.05, 0.2)
FREE_RUN = 50_000


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=20)
    args = parser.parse_args()
    rows = []
    for name, make in SYSTEMS.items():
        for noise in NOISES:
            long_run = make(FREE_RUN, noise=noise, random_state=10_000)
            for n in LENGTHS:
                test_length = n // 4
                estimates, spectra, truths, true_spectra = [], [], [], []
                lows, highs = [], []
                for repeat in range(args.repeats):
                    recording = make(n, noise=noise, random_state=repeat)
                    floor = recording_floor(recording)
                    estimates.append(floor.state_space_divergence)
                    lows.append(floor.divergence_bounds[0])
                    highs.append(floor.divergence_bounds[1])
                    spectra.append(floor.power_spectrum_distance)
                    test = make(test_length, noise=noise, random_state=1000 + repeat)
                    truths.append(state_space_divergence(test, long_run))
                    true_spectra.append(power_spectrum_distance(test, long_run))
                truth = float(np.median(truths))
                ratios = np.array(estimates) / truth
                spectrum_ratios = np.array(spectra) / float(np.median(true_spectra))
                rows.append({
                    "system": name, "noise": noise, "n_samples": n,
                    "test_length": test_length,
                    "truth_D_stsp": truth, "estimate_D_stsp": float(np.median(estimates)),
                    "ratio_median": float(np.median(ratios)),
                    "ratio_min": float(ratios.min()), "ratio_max": float(ratios.max()),
                    "within_2x": float(np.mean((ratios >= 0.5) & (ratios <= 2.0))),
                    "low_bound_ratio": float(np.median(lows) / truth),
                    "high_bound_ratio": float(np.median(highs) / truth),
                    "truth_D_H": float(np.median(true_spectra)),
                    "estimate_D_H": float(np.median(spectra)),
                    "D_H_ratio_median": float(np.median(spectrum_ratios)),
                    "D_H_within_2x": float(np.mean((spectrum_ratios >= 0.5)
                                                   & (spectrum_ratios <= 2.0))),
                })
                print_table(rows[-1:], list(rows[-1]))
    print_table(rows, list(rows[0]))
    write_json("recording_floor", {"repeats": args.repeats, "free_run": FREE_RUN,
                                   "rows": rows})


if __name__ == "__main__":
    main()
