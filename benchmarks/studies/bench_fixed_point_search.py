"""How completely and how fast the heuristic fixed-point and cycle search works.

1. Completeness: random small models of every family (the PLRNN and ALRNN with M latent
   units up to 12, standard and clipped shallow PLRNNs with few hidden units), the
   heuristic search's solutions against the exhaustive search's, for fixed points and
   2-cycles, at several ``patience`` settings: how many solutions the heuristic missed,
   and its time.
2. Scale: all fixed points of a PLRNN with M = 80 (the paper's size) and of a default-size
   shallow PLRNN (M = 3, L = 100), on one core; the search's time and what it found.

    python benchmarks/studies/bench_fixed_point_search.py [--seeds 20]
"""

from _common import pin_threads

pin_threads(1)

import argparse  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402
from _common import print_table, write_json  # noqa: E402

from skchaos.analysis import cycles, fixed_points  # noqa: E402
from skchaos.analysis._search import canonical_key  # noqa: E402
from skchaos.dynamics import ALRNN, PLRNN, ShallowPLRNN  # noqa: E402


def random_model(kind, size, seed):
    """Random parameters strong enough that many regions hold a fixed point."""
    rng = np.random.RandomState(seed)
    model = {"plrnn": lambda: PLRNN(size, 2), "alrnn": lambda: ALRNN(size, 2, 4),
             "shplrnn": lambda: ShallowPLRNN(2, 2, n_hidden=size, clipped=False),
             "clipped_shplrnn": lambda: ShallowPLRNN(3, 2, n_hidden=size)}[kind]()
    model.initialise(rng)
    for name in ("W", "W1", "W2"):
        if hasattr(model, name):
            weights = getattr(model, name)
            weights[:] = 2.0 * rng.standard_normal(weights.shape) / np.sqrt(weights.shape[1])
    if hasattr(model, "W"):
        np.fill_diagonal(model.W, 0.0)
    model.a[:] = rng.uniform(-0.9, 0.9, size=model.n_latent)
    (model.h if hasattr(model, "h") else model.h1)[:] = rng.standard_normal(model.n_latent)
    return model


def keys(orbits):
    return {canonical_key(o.regions) for o in orbits}


def completeness(seeds, patiences):
    cases = [("plrnn", 6, 1), ("plrnn", 12, 1), ("alrnn", 12, 1), ("shplrnn", 8, 1),
             ("clipped_shplrnn", 6, 1), ("plrnn", 5, 2), ("alrnn", 8, 2),
             ("shplrnn", 6, 2), ("clipped_shplrnn", 4, 2)]
    rows = []
    for kind, size, period in cases:
        truth = []
        for seed in range(seeds):
            model = random_model(kind, size, seed)
            truth.append((model, keys(cycles(model, period, method="exhaustive"))))
        for patience in patiences:
            missed, total, models_missing, seconds = 0, 0, 0, []
            for seed, (model, exact) in enumerate(truth):
                start = time.perf_counter()
                found = keys(cycles(model, period, patience=patience, max_starts=100_000,
                                    random_state=seed))
                seconds.append(time.perf_counter() - start)
                assert found <= exact, "the heuristic reported a cycle that is not one"
                missed += len(exact - found)
                models_missing += bool(exact - found)
                total += len(exact)
            rows.append({"model": kind, "size": size, "period": period,
                         "patience": patience, "models": seeds, "solutions": total,
                         "missed": missed, "models_with_a_miss": models_missing,
                         "median_s": float(np.median(seconds)),
                         "max_s": float(np.max(seconds))})
            print_table(rows[-1:], list(rows[-1]))
    return rows


def scale():
    rows = []
    rng = np.random.RandomState(0)
    plrnn = PLRNN(80, 3).initialise(rng)
    plrnn.h[:] = 0.1 * rng.standard_normal(80)
    shallow = ShallowPLRNN(3, 3, n_hidden=100).initialise(rng)
    shallow.h1[:] = 0.1 * rng.standard_normal(3)
    for name, model in (("PLRNN M=80 (initialised)", plrnn),
                        ("clipped shPLRNN M=3 L=100 (initialised)", shallow)):
        for seed in range(3):
            start = time.perf_counter()
            found = fixed_points(model, random_state=seed)
            seconds = time.perf_counter() - start
            rows.append({"model": name, "seed": seed, "seconds": seconds,
                         "fixed_points": len(found),
                         "kinds": sorted(o.kind for o in found)})
            print_table(rows[-1:], list(rows[-1]))
    return rows


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=20)
    parser.add_argument("--patience", type=int, nargs="+", default=[200, 1000])
    args = parser.parse_args()
    rows = completeness(args.seeds, args.patience)
    print_table(rows, list(rows[0]))
    timing = scale()
    print_table(timing, list(timing[0]))
    write_json("fixed_point_search", {"completeness": rows, "scale": timing})


if __name__ == "__main__":
    main()
