"""Peak memory of fitting a long series, and the speed of a long free run.

    python benchmarks/bench_memory_and_free_run.py [--json out.json]

Fitting a 10^6 x 3 series must not copy the series per window: the peak memory of the fit
above the data itself should be a small multiple of the series (one standardised copy plus
the minibatch workspaces). A free run of 10^6 steps at M = 30 should take under a second.
"""

import argparse
import resource
import time

import numpy as np
from _common import machine_record, pin_threads, print_table, write_json

_LIMITS = pin_threads(1)

from skchaos import ChaoticRNNRegressor  # noqa: E402
from skchaos.datasets import make_lorenz63  # noqa: E402


def _peak_rss_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # kB on Linux


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", default=None)
    args = parser.parse_args()
    record = machine_record()
    print(f"{record['cpu']}; numba threads {record['numba_threads']}")

    # Compile first so the measurement is the fit, not numba.
    ChaoticRNNRegressor(n_epochs=1, random_state=0).fit(make_lorenz63(2000, random_state=0))
    X = make_lorenz63(1_000_000, random_state=0)
    series_mb = X.nbytes / 2**20
    before = _peak_rss_mb()
    est = ChaoticRNNRegressor(n_epochs=20, random_state=0)
    start = time.perf_counter()
    est.fit(X)
    fit_seconds = time.perf_counter() - start
    peak_increase = _peak_rss_mb() - before

    runs = []
    for n_latent in (30, 100):
        model = ChaoticRNNRegressor(n_latent=n_latent, n_epochs=20, random_state=0)
        model.fit(X[:20_000])
        model.predict(10)
        times = []
        for _ in range(5):
            start = time.perf_counter()
            model.predict(1_000_000)
            times.append(time.perf_counter() - start)
        runs.append({"M": n_latent, "free_run_1e6_steps_s": float(np.median(times))})

    rows = [{"what": "series 1e6 x 3 (MB)", "value": series_mb},
            {"what": "peak RSS increase during fit (MB)", "value": peak_increase},
            {"what": "fit of 20 epochs (s)", "value": fit_seconds}]
    rows += [{"what": f"free run 1e6 steps, M={r['M']} (s, median of 5)",
              "value": r["free_run_1e6_steps_s"]} for r in runs]
    print_table(rows, ["what", "value"])
    if args.json:
        write_json("memory_and_free_run", {"series_mb": series_mb,
                                           "fit_peak_rss_increase_mb": peak_increase,
                                           "fit_seconds": fit_seconds, "free_run": runs},
                   args.json)


if __name__ == "__main__":
    main()
