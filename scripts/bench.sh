#!/usr/bin/env bash
# Builds the release preset and runs the benchmarks, then prints one table
# (scripts/bench_table.py): each figure beside its baseline from the same run. Extra arguments go to every benchmark binary
# (e.g. --benchmark_min_time=0.05 for a quick run).
set -euo pipefail
cd "$(dirname "$0")/.."

./scripts/setup.sh bench
cmake --preset release >/dev/null
benches=(rating_bench engine_bench webhook_bench store_bench age_bench workers_bench)
cmake --build --preset release -j "$(nproc)" --target "${benches[@]}"
results="$(mktemp -d)"
trap 'rm -rf "$results"' EXIT
for bench in "${benches[@]}"; do
  "build/release/bench/$bench" --benchmark_out="$results/$bench.json" --benchmark_out_format=json "$@"
done
echo
echo "== One table: each figure beside its baseline from this run"
python3 scripts/bench_table.py "$results"/*.json
