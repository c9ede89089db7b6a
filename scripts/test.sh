#!/usr/bin/env bash
# Installs what is missing, builds, and runs every test with ctest.
# TOLLGATE_PRESET=asan ./scripts/test.sh runs the suite under ASan + UBSan.
set -euo pipefail
cd "$(dirname "$0")/.."
preset="${TOLLGATE_PRESET:-dev}"

# The release preset builds the benchmarks too: it needs Google Benchmark.
if [ "$preset" = release ]; then ./scripts/setup.sh bench; else ./scripts/setup.sh; fi
# The provider tests' loopback peers (Stripe's SDK, a Stripe mock): exact versions from the lock file.
if [ ! -d tests/peers/node_modules ] || [ tests/peers/package-lock.json -nt tests/peers/node_modules ]; then
  (cd tests/peers && npm ci --no-audit --no-fund --loglevel=error)
fi
cmake --preset "$preset" >/dev/null
cmake --build --preset "$preset" -j "$(nproc)"
ctest --preset "$preset" -j "$(nproc)"
