#!/usr/bin/env bash
# Installs what is missing, builds, and runs every test with ctest.
# TOLLGATE_PRESET=asan ./scripts/test.sh runs the suite under ASan + UBSan.
set -euo pipefail
cd "$(dirname "$0")/.."
preset="${TOLLGATE_PRESET:-dev}"

./scripts/setup.sh
cmake --preset "$preset" >/dev/null
cmake --build --preset "$preset" -j "$(nproc)"
ctest --preset "$preset" -j "$(nproc)"
