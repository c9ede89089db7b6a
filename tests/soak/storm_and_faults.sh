#!/usr/bin/env bash
# The long versions of four ctest cases, each repeated under ROUNDS other seeds
# (default 50):
# - the webhook storm: every event delivered three times, shuffled, with forged
#   and stale deliveries mixed in, must end where one in-order delivery does;
# - the 3-D Secure storm: a charge's requires_action, authentication_required
#   and succeeded events, three times each and shuffled, pay the invoice once;
# - the cards storm: cards described, made the default and removed, three
#   times each and shuffled, end where one in-order delivery does;
# - injected provider faults (timeouts, resets, 409, 429, 500/503, malformed
#   bodies): every charge ends succeeded once or failed with a reason, and
#   retries reuse one idempotency key.
# Uses the dev build (./scripts/test.sh or cmake --build --preset dev first).
#   tests/soak/storm_and_faults.sh [ROUNDS]
set -euo pipefail
cd "$(dirname "$0")/../.."
rounds="${1:-50}"
tests=build/dev/tests
for bin in stripe_billing_events_test stripe_payment_events_test stripe_provider_faults_test; do
  [ -x "$tests/$bin" ] || { echo "storm_and_faults: build the dev preset first ($tests/$bin)" >&2; exit 1; }
done
failed=0
for ((round = 1; round <= rounds; round++)); do
  seed=$((1000 + round * 7919))
  TOLLGATE_SEED=$seed "$tests/stripe_billing_events_test" "a storm of three deliveries*" -w NoTests >/dev/null ||
    { echo "storm_and_faults: the webhook storm failed with TOLLGATE_SEED=$seed" >&2; failed=$((failed + 1)); }
  TOLLGATE_SEED=$seed "$tests/stripe_payment_events_test" "3-D Secure's events*" -w NoTests >/dev/null ||
    { echo "storm_and_faults: the 3-D Secure storm failed with TOLLGATE_SEED=$seed" >&2; failed=$((failed + 1)); }
  TOLLGATE_SEED=$seed "$tests/stripe_payment_events_test" "cards on file: each event three times*" -w NoTests >/dev/null ||
    { echo "storm_and_faults: the cards storm failed with TOLLGATE_SEED=$seed" >&2; failed=$((failed + 1)); }
  TOLLGATE_SEED=$seed "$tests/stripe_provider_faults_test" "under injected provider faults*" -w NoTests >/dev/null ||
    { echo "storm_and_faults: the provider faults failed with TOLLGATE_SEED=$seed" >&2; failed=$((failed + 1)); }
done
echo "storm_and_faults: $rounds rounds, $failed failed"
[ "$failed" -eq 0 ]
