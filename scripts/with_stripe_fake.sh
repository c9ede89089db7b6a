#!/usr/bin/env bash
# Runs a command with the loopback Stripe fake (tests/peers/stripe_fake.js) on
# 127.0.0.1: STRIPE_API_BASE and STRIPE_SECRET_KEY point at it,
# STRIPE_WEBHOOK_SECRET is the secret it signs webhooks with, and it is
# stopped when the command ends. Nothing reaches the internet.
#   scripts/with_stripe_fake.sh COMMAND [ARGS...]
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
if [ ! -d "$root/tests/peers/node_modules" ]; then
  (cd "$root/tests/peers" && npm ci --no-audit --no-fund --loglevel=error)
fi
log="$(mktemp)"
node "$root/tests/peers/stripe_fake.js" --secret=whsec_example > "$log" 2>&1 &
fake=$!
trap 'kill "$fake" 2>/dev/null || true; rm -f "$log"' EXIT
for _ in $(seq 1 100); do
  port="$(sed -n 's/^PORT=//p' "$log")"
  [ -n "$port" ] && break
  sleep 0.1
done
[ -n "${port:-}" ] || { echo "with_stripe_fake: the fake did not start:" >&2; cat "$log" >&2; exit 1; }
STRIPE_API_BASE="http://127.0.0.1:$port" STRIPE_SECRET_KEY="sk_test_fake_key" STRIPE_WEBHOOK_SECRET="whsec_example" "$@"
