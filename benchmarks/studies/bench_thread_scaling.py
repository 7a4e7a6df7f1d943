"""Minibatch time of the training kernels over threads, batch sizes and precision.

One call of a model's minibatch gradient (forward and backward pass over ``batch_size``
windows of ``sequence_length`` steps, the chunks' gradients averaged), medians over
repeats, for the default model (shallow PLRNN, M = 3, L = 100, windows of 200, adaptive
GTF) and the PLRNN at M = 30 (the paper's settings: windows of 100, tau = 30) and M = 80.
A minibatch splits into ``batch_size // 16`` chunks at most (``chunk_count``), so threads
beyond that idle: batch sizes 32, 64 and 128 show 2, 4 and 8 chunks. numba may start more
threads than the machine has cores (``NUMBA_NUM_THREADS`` is set to 8 here), which shows
what oversubscription costs; on a 2-core machine 4 and 8 threads cannot be faster than 2.

    python studies/bench_thread_scaling.py
"""

import os

os.environ["NUMBA_NUM_THREADS"] = "8"

import argparse  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402
from _common import print_table, write_json  # noqa: E402
from threadpoolctl import threadpool_limits  # noqa: E402

from skchaos._training import window_starts  # noqa: E402
from skchaos.datasets import make_lorenz63  # noqa: E402
from skchaos.dynamics import PLRNN, ShallowPLRNN  # noqa: E402

MODELS = {
    "default (shPLRNN M=3 L=100)": (lambda: ShallowPLRNN(3, 3, 100), 200, None, 0.05),
    "PLRNN M=30 (paper)": (lambda: PLRNN(30, 3, "pinv"), 100, 30, 0.0),
    "PLRNN M=80": (lambda: PLRNN(80, 3, "pinv"), 200, 30, 0.0),
}


def minibatch_ms(gradient, starts, rng, batch_size, repeats):
    gradient(starts[:batch_size])
    times = []
    for _ in range(repeats):
        picks = starts[rng.randint(0, len(starts), size=(10, batch_size))]
        t0 = time.perf_counter()
        for batch in picks:
            gradient(batch)
        times.append((time.perf_counter() - t0) / 10)
    return 1e3 * statistics.median(times)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2, 4, 8])
    parser.add_argument("--batch-sizes", type=int, nargs="+", default=[32, 64, 128])
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--name", default="thread_scaling")
    args = parser.parse_args()
    X = make_lorenz63(30_000, random_state=0)
    X = np.ascontiguousarray((X - X.mean(0)) / X.std(0))
    rng = np.random.RandomState(0)
    rows = []
    with threadpool_limits(limits=1, user_api="blas"):  # as inside fit
        for name, (build, seq_len, tau, alpha) in MODELS.items():
            model = build().initialise(np.random.RandomState(0))
            starts = window_starts([len(X)], seq_len)
            for precision in ("float64", "float32"):
                for batch_size in args.batch_sizes:
                    row = {"model": name, "precision": precision, "batch": batch_size}
                    for n_threads in args.threads:
                        gradient = model.minibatch_gradient(
                            X, seq_len, tau, batch_size, 1.0, alpha, n_threads,
                            np.dtype(precision))
                        row["chunks"] = gradient.n_chunks
                        row[f"{n_threads}t_ms"] = minibatch_ms(gradient, starts, rng,
                                                               batch_size, args.repeats)
                    row["speedup_2t"] = row["1t_ms"] / row["2t_ms"]
                    rows.append(row)
                    print_table([row], list(row))
    columns = ["model", "precision", "batch", "chunks",
               *[f"{t}t_ms" for t in args.threads], "speedup_2t"]
    print()
    print_table(rows, columns)
    write_json(args.name, {"rows": rows, "cores": os.cpu_count()})


if __name__ == "__main__":
    main()
