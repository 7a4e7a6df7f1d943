"""Lyapunov spectra: QR kernel throughput, from-data speed and accuracy, fitted models.

    python studies/bench_lyapunov.py --part qr        # kernel vs the same loop in numpy
    python studies/bench_lyapunov.py --part data      # 10^5 samples from data, timing
    python studies/bench_lyapunov.py --part nolds     # against nolds.lyap_r / lyap_e
    python studies/bench_lyapunov.py --part model     # lambda_max of fitted models
    ... --json results/lyapunov_qr.json

Timings are medians of repeated runs in one process, one thread (BLAS and numba pinned).
"""

import argparse
import statistics
import time

import numpy as np
from _common import machine_record, median_time, pin_threads, print_table, write_json

_LIMITS = pin_threads(1)

from skchaos import ChaoticRNNRegressor, LyapunovSpectrum  # noqa: E402
from skchaos.datasets import make_henon, make_lorenz63  # noqa: E402


def numpy_plrnn_spectrum(a, W, h, z0, n_steps, qr_interval, Q):
    """The kernel's algorithm as a plain numpy loop (Householder QR from LAPACK)."""
    z = z0.copy()
    log_sums = np.zeros(Q.shape[1])
    for step in range(n_steps):
        Q = a[:, None] * Q + W @ ((z > 0)[:, None] * Q)
        z = a * z + W @ np.maximum(z, 0) + h
        if (step + 1) % qr_interval == 0:
            Q, R = np.linalg.qr(Q)
            log_sums += np.log(np.abs(np.diag(R)))
    return log_sums / n_steps


def _model(M, rng):
    a = rng.uniform(0.5, 0.95, M)
    W = 0.9 * rng.standard_normal((M, M)) / np.sqrt(M)
    np.fill_diagonal(W, 0.0)
    return a, W, 0.1 * rng.standard_normal(M)


def qr_throughput(repeats):
    # The model's QR kernel through the latent-model protocol; QRSchedule is private,
    # imported here so that the other parts, which use the public API only, do not
    # depend on it.
    from skchaos._kernels.lyapunov import QRSchedule
    from skchaos.dynamics import PLRNN

    rng = np.random.default_rng(0)
    rows = []
    for M, k, qr_interval in [(3, 3, 1), (10, 10, 1), (30, 30, 1), (100, 100, 1),
                              (300, 300, 1), (300, 10, 10)]:
        a, W, h = _model(M, rng)
        z0 = rng.standard_normal(M)
        n_steps = max(200, 200_000 // (M * k))
        Q0 = np.linalg.qr(rng.standard_normal((M, k)))[0]
        F0 = np.ascontiguousarray(Q0.T)  # the kernel keeps tangent vectors as rows

        model = PLRNN(M, 1)
        model.a[:], model.W[:], model.h[:] = a, W, h
        schedule = QRSchedule(0, n_steps, qr_interval)

        def ours(model=model, z0=z0, schedule=schedule, F0=F0):
            model.tangent_spectrum(z0, schedule, F0.copy(), np.zeros((0, F0.shape[0])))

        def theirs(a=a, W=W, h=h, z0=z0, n_steps=n_steps, Q0=Q0, qr_interval=qr_interval):
            numpy_plrnn_spectrum(a, W, h, z0, n_steps, qr_interval, Q0.copy())

        t_ours = median_time(ours, repeats) / n_steps
        t_numpy = median_time(theirs, repeats) / n_steps
        rows.append({"M": M, "n_exponents": k, "qr_interval": qr_interval,
                     "kernel_us_per_step": 1e6 * t_ours, "numpy_us_per_step": 1e6 * t_numpy,
                     "speedup": t_numpy / t_ours})
    print_table(rows, ["M", "n_exponents", "qr_interval", "kernel_us_per_step",
                       "numpy_us_per_step", "speedup"])
    return rows


def data_speed_and_accuracy():
    rows = []
    for name, X, dt, truth, params in [
        ("lorenz63 full state 1e5", make_lorenz63(100_000, random_state=0), 0.01, 0.9056, {}),
        ("lorenz63 x, m=3 d=10 1e5", make_lorenz63(100_000, random_state=0), 0.01, 0.9056,
         {"embedding_dimension": 3, "delay": 10}),
        ("lorenz63 full 2e4", make_lorenz63(20_000, random_state=0), 0.01, 0.9056, {}),
        ("lorenz63 full 2e4, 1% noise", make_lorenz63(20_000, noise=0.01, random_state=0),
         0.01, 0.9056, {}),
        ("henon full 2e4", make_henon(20_000, random_state=0), 1.0, 0.41922, {}),
    ]:
        start = time.perf_counter()
        ls = LyapunovSpectrum(dt=dt, **params).fit(X)
        seconds = time.perf_counter() - start
        rows.append({"data": name, "lambda_max": ls.max_exponent_, "truth": truth,
                     "rel_error": ls.max_exponent_ / truth - 1, "seconds": seconds})
    print_table(rows, ["data", "lambda_max", "truth", "rel_error", "seconds"])
    return rows


def _load_nolds_measures():
    """nolds.measures without nolds/__init__, whose data loading fails on Python 3.11."""
    import importlib.util
    import sysconfig
    from pathlib import Path

    path = Path(sysconfig.get_paths()["purelib"]) / "nolds" / "measures.py"
    spec = importlib.util.spec_from_file_location("nolds_measures", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def compare_with_nolds():
    """lambda_max of one scalar coordinate (20,000 samples): skchaos against nolds.

    Every method sees the same scalar series and the same embedding (dimension, delay,
    Theiler window); nolds' other settings stay at their defaults.
    """
    nolds = _load_nolds_measures()
    rows = []
    for name, x, dt, truth, dim, delay, tsep in [
        ("lorenz63 x, dt=0.01", make_lorenz63(20_000, random_state=0)[:, 0], 0.01, 0.9056,
         3, 10, 40),
        ("henon x", make_henon(20_000, random_state=0)[:, 0], 1.0, 0.41922, 2, 1, 2),
    ]:
        for method in ("skchaos", "nolds.lyap_r", "nolds.lyap_e"):
            start = time.perf_counter()
            if method == "skchaos":
                value = LyapunovSpectrum(dt=dt, embedding_dimension=dim, delay=delay,
                                         theiler_window=tsep).fit(x[:, None]).max_exponent_
            elif method == "nolds.lyap_r":
                value = nolds.lyap_r(x, emb_dim=dim, lag=delay, min_tsep=tsep, tau=dt)
            else:
                # lyap_e spaces its matrix columns (emb_dim - 1) / (matrix_dim - 1) apart.
                value = nolds.lyap_e(x, emb_dim=(dim - 1) * delay + 1, matrix_dim=dim,
                                     min_tsep=tsep, tau=dt)[0]
            rows.append({"data": name, "method": method, "lambda_max": float(value),
                         "truth": truth, "rel_error": float(value) / truth - 1,
                         "seconds": time.perf_counter() - start})
    print_table(rows, ["data", "method", "lambda_max", "truth", "rel_error", "seconds"])
    return rows


def fitted_models(seeds):
    X = make_lorenz63(30_000, random_state=100)
    rows = []
    for seed in seeds:
        est = ChaoticRNNRegressor(tau=30, random_state=seed).fit(X)
        ls = LyapunovSpectrum(est, n_steps=50_000, n_exponents=3, dt=0.01).fit(X)
        rows.append({"seed": seed, "model_lambda_max": ls.max_exponent_, "truth": 0.9056,
                     "rel_error": ls.max_exponent_ / 0.9056 - 1,
                     "second": float(ls.exponents_[1])})
    rows.append({"seed": "median",
                 "model_lambda_max": statistics.median(r["model_lambda_max"] for r in rows),
                 "truth": 0.9056})
    rows[-1]["rel_error"] = rows[-1]["model_lambda_max"] / 0.9056 - 1
    print_table(rows, ["seed", "model_lambda_max", "truth", "rel_error", "second"])
    return rows


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--part", choices=["qr", "data", "nolds", "model"], default="qr")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--json", default=None)
    args = parser.parse_args()
    record = machine_record()
    print(f"{record['cpu']}; numba threads {record['numba_threads']}")
    if args.part == "qr":
        payload = {"qr_throughput": qr_throughput(args.repeats)}
    elif args.part == "data":
        payload = {"from_data": data_speed_and_accuracy()}
    elif args.part == "nolds":
        payload = {"nolds": compare_with_nolds()}
    else:
        payload = {"fitted_models": fitted_models(args.seeds)}
    if args.json:
        write_json(f"lyapunov_{args.part}", payload, args.json)


if __name__ == "__main__":
    main()
