#!/usr/bin/env bash
# Load on `tollgate serve` with wrk (Debian's package), on loopback: a read
# endpoint (GET an account) and usage recording (POST /1.0/kb/usages, a new
# tracking id each request). Prints wrk's requests/s and latency percentiles.
#   ./scripts/load_server.sh [BUILD_DIR] [SECONDS] [CONNECTIONS]
set -euo pipefail
cd "$(dirname "$0")/.."
build="${1:-build/release}"
seconds="${2:-10}"
connections="${3:-16}"
command -v wrk >/dev/null || { echo "load_server: apt-get install -y wrk" >&2; exit 1; }
bin="$build/src/tollgate"
work=$(mktemp -d)
trap 'kill $server 2>/dev/null || true; rm -rf "$work"' EXIT

creds=$("$bin" tenant create --db "$work/load.db" --external-key load)
key=$(awk '/^apiKey/{print $2}' <<<"$creds")
secret=$(awk '/^apiSecret/{print $2}' <<<"$creds")
password=$(awk '/^password/{print $2}' <<<"$creds")
"$bin" serve --db "$work/load.db" --listen 127.0.0.1:0 --now 2024-03-15T00:00:00Z > "$work/server.out" &
server=$!
for _ in $(seq 50); do grep -q LISTENING "$work/server.out" && break; sleep 0.1; done
port=$(awk '/LISTENING/{print $2}' "$work/server.out")
base="http://127.0.0.1:$port"
auth=(-u "admin:$password" -H "X-Killbill-ApiKey: $key" -H "X-Killbill-ApiSecret: $secret"
      -H "X-Killbill-CreatedBy: load" -H "Content-Type: application/json")

curl -sf "${auth[@]}" -X POST --data-binary @- "$base/1.0/tollgate/catalog" >/dev/null <<'JSON'
{"name": "load", "currencies": ["USD"], "products": [{"name": "Api", "category": "BASE"}],
 "plans": [{"name": "api-monthly", "product": "Api", "phases": [{"type": "EVERGREEN",
   "recurring": {"billing_period": "MONTHLY", "billing_mode": "IN_ADVANCE", "price": {"USD": "10.00"}},
   "usages": [{"name": "calls", "metric": "api_calls", "billing_period": "MONTHLY", "model": "PER_UNIT",
               "unit_price": {"USD": "0.001"}}]}]}]}
JSON
account=$(curl -sfi "${auth[@]}" -X POST -d '{"name":"Load","externalKey":"load-1","currency":"USD"}' \
  "$base/1.0/kb/accounts" | awk -F/ 'tolower($0) ~ /^location/{print $NF}' | tr -d '\r')
subscription=$(curl -sfi "${auth[@]}" -X POST -d "{\"accountId\":\"$account\",\"planName\":\"api-monthly\"}" \
  "$base/1.0/kb/subscriptions?entitlementDate=2024-03-01" | awk -F/ 'tolower($0) ~ /^location/{print $NF}' | tr -d '\r')

headers=()
for h in "Authorization: Basic $(printf 'admin:%s' "$password" | base64)" "X-Killbill-ApiKey: $key" \
         "X-Killbill-ApiSecret: $secret" "X-Killbill-CreatedBy: load" "Content-Type: application/json"; do
  headers+=(-H "$h")
done
echo "== GET /1.0/kb/accounts/{id}: $connections connections, ${seconds}s"
wrk -t 1 -c "$connections" -d "${seconds}s" --latency "${headers[@]}" "$base/1.0/kb/accounts/$account"
echo "== POST /1.0/kb/usages: $connections connections, ${seconds}s"
TOLLGATE_SUBSCRIPTION="$subscription" wrk -t 1 -c "$connections" -d "${seconds}s" --latency \
  "${headers[@]}" -s bench/server/usage.lua "$base"
rolled=$(curl -sf "${auth[@]}" "$base/1.0/kb/usages/$subscription/api_calls")
echo "recorded: $rolled"
