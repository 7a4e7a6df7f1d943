"""Wall-clock time of a default fit: this checkout against an earlier release, side by side.

Each fit runs in a fresh child process of the interpreter it names (so that two
installations never share a process or numba's cache), after an untimed short fit that
compiles the kernels; the child times ``fit`` alone and reports the time, the number of
epochs and the best validation score. Fits alternate between the settings, round after
round, and the table gives medians and the ratio of each setting's median to the first
setting's.

    # an earlier commit installed in a second environment:
    git worktree add /tmp/base_src 3eed953
    python -m venv --system-site-packages /tmp/base_env
    /tmp/base_env/bin/pip install --no-deps /tmp/base_src
    # then, from benchmarks/:
    python studies/bench_fit_speed.py --setting before=/tmp/base_env/bin/python:{} \\
        --setting "after=python:{}" --setting 'after_1thread=python:{"n_threads": 1}' \\
        --setting 'after_float32=python:{"precision": "float32"}' --rounds 3

A setting is ``NAME=PYTHON:PARAMS`` (PARAMS a JSON dict passed to
``ChaoticRNNRegressor``; use only parameters that installation knows). Data: 3x10^4 samples
of Lorenz-63 (``make_lorenz63(30000, random_state=0)``), ``random_state=0``.
"""

import argparse
import json
import statistics
import subprocess

from _common import print_table, write_json

CHILD = r"""
import json, sys, time, warnings
from skchaos import ChaoticRNNRegressor
from skchaos.datasets import make_lorenz63
import skchaos
params = json.loads(sys.argv[1])
n_samples, n_epochs = int(sys.argv[2]), int(sys.argv[3])
X = make_lorenz63(n_samples, random_state=0)
with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    ChaoticRNNRegressor(n_epochs=2, random_state=0, **params).fit(X[:3000])  # compile
    start = time.perf_counter()
    est = ChaoticRNNRegressor(n_epochs=n_epochs, random_state=0, **params).fit(X)
    seconds = time.perf_counter() - start
print(json.dumps({"fit_s": seconds, "n_iter": est.n_iter_, "skchaos": skchaos.__file__,
                  "best_validation": max(est.validation_scores_)}))
"""


def parse_setting(text):
    name, rest = text.split("=", 1)
    python, params = rest.split(":", 1)
    return name, python, json.loads(params)


def run_fit(python, params, n_samples, n_epochs):
    out = subprocess.run([python, "-c", CHILD, json.dumps(params), str(n_samples),
                          str(n_epochs)], capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--setting", action="append", required=True,
                        help="NAME=PYTHON:PARAMS (repeat; the first is the reference)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--epochs", type=int, default=2000)
    parser.add_argument("--samples", type=int, default=30_000)
    parser.add_argument("--name", default="fit_speed")
    args = parser.parse_args()
    settings = [parse_setting(s) for s in args.setting]
    runs = {name: [] for name, _, _ in settings}
    for round_index in range(args.rounds):
        for name, python, params in settings:
            result = run_fit(python, params, args.samples, args.epochs)
            runs[name].append(result)
            print(f"round {round_index + 1}: {name:>16} {result['fit_s']:7.1f} s "
                  f"(best validation {result['best_validation']:.4g})", flush=True)
    reference = statistics.median(r["fit_s"] for r in runs[settings[0][0]])
    rows = []
    for name, python, params in settings:
        times = [r["fit_s"] for r in runs[name]]
        rows.append({"setting": name, "python": python, "params": json.dumps(params),
                     "median_s": statistics.median(times), "min_s": min(times),
                     "max_s": max(times),
                     "speedup": reference / statistics.median(times),
                     "median_best_validation": statistics.median(
                         r["best_validation"] for r in runs[name]),
                     "skchaos": runs[name][0]["skchaos"]})
    print_table(rows, ["setting", "params", "median_s", "min_s", "max_s", "speedup",
                       "median_best_validation"])
    write_json(args.name, {"settings": rows, "runs": runs, "epochs": args.epochs,
                           "samples": args.samples, "rounds": args.rounds})


if __name__ == "__main__":
    main()
