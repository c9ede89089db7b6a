#!/usr/bin/env bash
# Soak: the billing run over 300 accounts killed with SIGKILL at random points,
# ROUNDS times for each of two billing dates (default 100: 200 kills), then
# restarted; the test then checks one invoice per due period and one charge per
# invoice. ctest runs the same test with 3 rounds.
#   tests/soak/crash_restart.sh [ROUNDS]
set -euo pipefail
cd "$(dirname "$0")/../.."
rounds="${1:-100}"
cmake --preset dev >/dev/null
cmake --build --preset dev --target billing_run_test >/dev/null
TOLLGATE_CRASH_ROUNDS="$rounds" build/dev/tests/billing_run_test "a billing run killed*"
