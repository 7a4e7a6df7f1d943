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
sweep() {
  for system in "$@"; do
    run bench_tau_sweep.py --system "$system" --n-jobs 1 --json "results/tau_sweep_$system.json" \
      --figure "results/tau_sweep_$system.png" > "results/tau_sweep_$system.txt"
  done
}
search() {
  for system in "$@"; do
    run bench_tau_search.py --system "$system" --n-jobs 1 \
      --sweep "results/tau_sweep_$system.json" --json "results/tau_search_$system.json" \
      > "results/tau_search_$system.txt"
  done
}
quality lorenz rossler &
quality forcing tau &
wait
sweep lorenz laser &
sweep rossler &
wait
search lorenz &
search rossler &
wait
run bench_gradients.py --json results/gradients.json --figure results/gradients.png \
  > results/gradients.txt
for part in data nolds model; do
  run bench_lyapunov.py --part "$part" --json "results/lyapunov_$part.json" \
    > "results/lyapunov_$part.txt"
done
run bench_epoch_time.py --repeats 11 --json results/epoch_time.json > results/epoch_time.txt
run bench_epoch_time.py --scaling --repeats 5 --json results/epoch_scaling.json \
  --figure results/epoch_scaling.png > results/epoch_scaling.txt
run bench_memory_and_free_run.py --json results/memory_and_free_run.json \
  > results/memory_and_free_run.txt
run bench_lyapunov.py --part qr --repeats 5 --json results/lyapunov_qr.json \
  > results/lyapunov_qr.txt
run bench_parallel_search.py --json results/parallel_search.json > results/parallel_search.txt
run bench_tau_auto_noise.py --json results/tau_auto_noise.json > results/tau_auto_noise.txt
