#!/usr/bin/env bash
# Rerun every benchmark, writing tables (.txt), JSON and figures into benchmarks/results/.
# Quality runs go two at a time (one thread each); speed runs afterwards, alone.
set -euo pipefail
cd "$(dirname "$0")"
mkdir -p results
run() { python "$@" 2>&1; }
quality() {
  for e in "$@"; do
    run bench_reconstruction.py --experiment "$e" --json "results/reconstruction_$e.json" \
      --figure "results/reconstruction_$e.png" > "results/reconstruction_$e.txt"
  done
}
quality lorenz rossler laser &
quality forcing tau &
wait
for part in data nolds model; do
  run bench_lyapunov.py --part "$part" --json "results/lyapunov_$part.json" \
    > "results/lyapunov_$part.txt"
done
run bench_epoch_time.py --repeats 11 --json results/epoch_time.json > results/epoch_time.txt
run bench_epoch_time.py --scaling --repeats 5 --json results/epoch_scaling.json \
  > results/epoch_scaling.txt
run bench_memory_and_free_run.py --json results/memory_and_free_run.json \
  > results/memory_and_free_run.txt
run bench_lyapunov.py --part qr --repeats 5 --json results/lyapunov_qr.json \
  > results/lyapunov_qr.txt
