#!/usr/bin/env bash
# Rerun every study, writing tables (.txt), JSON and figures into benchmarks/results/, then
# regenerate results/README.md from the JSON. Quality runs go two at a time (one thread
# each); the speed comparisons afterwards, alone. The speed benchmarks proper are asv's
# (asv run, from the repository root; see README.md).
set -euo pipefail
cd "$(dirname "$0")"
mkdir -p results
run() { python "$@" 2>&1; }
quality() {
  for e in "$@"; do
    run studies/bench_reconstruction.py --experiment "$e" --json "results/reconstruction_$e.json" \
      --figure "results/reconstruction_$e.png" > "results/reconstruction_$e.txt"
  done
}
sweep() {
  for system in "$@"; do
    run studies/bench_tau_sweep.py --system "$system" --n-jobs 1 \
      --json "results/tau_sweep_$system.json" --figure "results/tau_sweep_$system.png" \
      > "results/tau_sweep_$system.txt"
  done
}
search() {
  for system in "$@"; do
    run studies/bench_tau_search.py --system "$system" --n-jobs 1 \
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
run studies/bench_gradients.py --json results/gradients.json --figure results/gradients.png \
  > results/gradients.txt
for part in data nolds model; do
  run studies/bench_lyapunov.py --part "$part" --json "results/lyapunov_$part.json" \
    > "results/lyapunov_$part.txt"
done
run studies/bench_epoch_time.py --repeats 11 --json results/epoch_time.json \
  > results/epoch_time.txt
run studies/bench_lyapunov.py --part qr --repeats 5 --json results/lyapunov_qr.json \
  > results/lyapunov_qr.txt
run studies/bench_parallel_search.py --json results/parallel_search.json \
  > results/parallel_search.txt
run studies/bench_tau_auto_noise.py --json results/tau_auto_noise.json \
  > results/tau_auto_noise.txt
run studies/bench_floor.py --json results/floor.json > results/floor.txt
run studies/bench_fixed_point_search.py > results/fixed_point_search.txt
run studies/bench_recording_floor.py > results/recording_floor.txt
run studies/bench_analysis.py > results/analysis.txt
run studies/bench_analysis.py --lorenz-only alrnn --fit-params '{"model": "alrnn"}' \
  > results/analysis_alrnn.txt
run studies/bench_short_series.py --seeds 1 --variant-noises 0,0.2 > results/short_series.txt
run studies/bench_short_series.py --configs default --lengths 300,1000 --seeds 1 \
  --name short_series_confirm2 > results/short_series_confirm2.txt
run studies/bench_missing.py > results/missing.txt
run make_results_readme.py
