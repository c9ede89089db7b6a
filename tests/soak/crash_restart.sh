#!/usr/bin/env bash
# Soak: the billing run over 300 accounts killed with SIGKILL at random points,
# ROUNDS times (default 100), each from a fresh copy of the database and
# killing one run per billing date (200 kills), then
# restarted; the test then checks one invoice per due period and one charge per
# invoice; then external payments and refunds killed and retried, each recorded
# once. ctest runs the same tests with 2 rounds.
#   tests/soak/crash_restart.sh [ROUNDS]
set -euo pipefail
cd "$(dirname "$0")/../.."
rounds="${1:-100}"
cmake --preset dev >/dev/null
cmake --build --preset dev --target billing_run_test >/dev/null
TOLLGATE_CRASH_ROUNDS="$rounds" build/dev/tests/billing_run_test "a billing run killed*"
# The money side: external payments and refunds killed and retried.
TOLLGATE_CRASH_ROUNDS="$rounds" build/dev/tests/billing_run_test "external payments and refunds killed*"
