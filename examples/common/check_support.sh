# Sourced by each example's check.sh:  . "$(dirname "$0")/../common/check_support.sh" "$@"
# Runs the example ($1) on a fresh database ($2) against the loopback Stripe
# fake, prints its output, and gives the check `expect REGEX` (a line of the
# output must match) and `expect_count N REGEX` (exactly N lines must).
set -euo pipefail
example="$1" db="$2"
rm -f "$db" "$db-wal" "$db-shm"
out="$("$(dirname "${BASH_SOURCE[0]}")/../../scripts/with_stripe_fake.sh" "$example" --db "$db")"
echo "$out"
expect() { grep -Eq "$1" <<<"$out" || { echo "check: missing: $1" >&2; exit 1; }; }
expect_count() {
  local n
  n="$(grep -Ec "$2" <<<"$out" || true)"
  [ "$n" -eq "$1" ] || { echo "check: expected $1 lines matching $2, found $n" >&2; exit 1; }
}
