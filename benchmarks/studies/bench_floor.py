"""The measures' floor: how the true system itself scores against the peers' test series.

``bench_peers.py`` scores every model's 10^5-step free run against one test trajectory and
shows one reference row: one other trajectory of the true system scored the same way. One
trajectory says little about how far a perfect model's score may wander. This script scores
``--n-trajectories`` independent trajectories of the true system (initial states from
seeds 102, 103, ...; seed 102 is the peers' reference row) against the peers' test series
(Lorenz-63 and Rössler, the same lengths and sampling), and prints each score and their
median and range. A model whose median lies inside that range is as close to the data as
the measure can tell: models there are tied. No model is trained; a run takes seconds.

A second table is the floor of ChaoticRNNRegressor's validation divergence on the same
data: the same true trajectories, cut to the lengths of a validation free run (10^4, 3x10^4,
10^5 steps), scored against the peers' 3x10^4-row training series, the validation's
reference. It shows how long a run must be before the divergence can tell good
checkpoints apart (`validation_run_length`).

    python studies/bench_floor.py --json results/floor.json
"""

import argparse
import statistics
import time

from _common import machine_record, pin_threads, print_table, write_json

_LIMITS = pin_threads(1)

from bench_peers import FULL, SYSTEMS, get_data, long_term_scores  # noqa: E402

from skchaos.datasets import Lorenz63, Rossler  # noqa: E402
from skchaos.metrics import state_space_divergence  # noqa: E402

FLOWS = {"lorenz63": Lorenz63, "rossler": Rossler}
FIRST_SEED = 102  # the peers' reference trajectory (bench_reconstruction's data functions)
VALIDATION_LENGTHS = (10_000, 30_000, 100_000)


def true_trajectories(system, n_trajectories):
    """The true system's trajectories, seeds FIRST_SEED.., as long as the test series."""
    flow = FLOWS[system]()
    return {seed: flow.generate(FULL["n_test"], dt=SYSTEMS[system]["dt"], random_state=seed)
            for seed in range(FIRST_SEED, FIRST_SEED + n_trajectories)}


def floor_rows(system, trajectories):
    """One row per true trajectory: its D_stsp and D_H against the peers' test series."""
    X_test = get_data(system, 0.0, False)[1]
    return [{"system": system, "seed": seed, **long_term_scores(X_test, X_true)}
            for seed, X_true in trajectories.items()]


def validation_floor_rows(system, trajectories, lengths=VALIDATION_LENGTHS):
    """The true system against the training series, per free-run length: median, range."""
    X_train = get_data(system, 0.0, False)[0]
    rows = []
    for length in lengths:
        values = [state_space_divergence(X_train, X[:length]) for X in trajectories.values()]
        rows.append({"system": system, "n_generated": length, "n_reference": len(X_train),
                     "D_stsp_median": statistics.median(values),
                     "D_stsp_min": min(values), "D_stsp_max": max(values)})
    return rows


def summary_row(system, rows):
    out = {"system": system, "seed": f"{len(rows)} runs"}
    for key in ("D_stsp", "D_H"):
        values = [r[key] for r in rows]
        out[f"{key}_median"] = statistics.median(values)
        out[f"{key}_min"] = min(values)
        out[f"{key}_max"] = max(values)
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--systems", nargs="+", default=list(FLOWS), choices=list(FLOWS))
    parser.add_argument("--n-trajectories", type=int, default=10)
    parser.add_argument("--json", default=None)
    args = parser.parse_args()
    record = machine_record()
    print(f"{record['cpu']}; {record['n_cpus']} cpus\n")
    start = time.perf_counter()
    rows, summaries, validation = [], [], []
    for system in args.systems:
        trajectories = true_trajectories(system, args.n_trajectories)
        mine = floor_rows(system, trajectories)
        rows += mine
        summaries.append(summary_row(system, mine))
        validation += validation_floor_rows(system, trajectories)
    wall_s = time.perf_counter() - start
    print_table(rows, ["system", "seed", "D_stsp", "D_H"])
    print()
    print_table(summaries, ["system", "seed", "D_stsp_median", "D_stsp_min", "D_stsp_max",
                            "D_H_median", "D_H_min", "D_H_max"])
    print("\nValidation divergence of the true system against the training series:")
    print_table(validation, ["system", "n_generated", "n_reference", "D_stsp_median",
                             "D_stsp_min", "D_stsp_max"])
    print(f"\nwall time {wall_s:.0f} s")
    if args.json:
        write_json("floor", {"n_test": FULL["n_test"], "rows": rows,
                             "summary": summaries, "validation_floor": validation,
                             "wall_s": wall_s}, args.json)


if __name__ == "__main__":
    main()
