#!/usr/bin/env bash
# Installs what is missing, builds, and runs the main demo: the api_manager
# example (an API gateway selling a paid tier) end to end on SQLite, against
# the loopback Stripe fake on 127.0.0.1, then the tollgate tool on the example data.
set -euo pipefail
cd "$(dirname "$0")/.."

./scripts/setup.sh
cmake --preset dev >/dev/null
cmake --build --preset dev -j "$(nproc)" --target api_manager tollgate >/dev/null
tollgate=build/dev/src/tollgate
examples=tests/data/examples

echo "== $("$tollgate" --version): the api_manager example (examples/api_manager/main.cpp)"
echo
db="$(mktemp -d)/api_manager.db"
./scripts/with_stripe_fake.sh build/dev/examples/api_manager --db "$db"
echo
echo "(the database is $db: try  $tollgate export --db $db --invoices app-dev-42)"
echo
echo "== Validating the example catalogs and rule set"
for dir in "$examples"/*/; do
  printf '%-14s ' "$(basename "$dir")"
  "$tollgate" validate-catalog "$dir/catalog.json"
done
printf '%-14s ' "addon-rules"
"$tollgate" validate-rules "$examples/addon-rules/rules.json"
echo
echo "== A catalog with mistakes: every problem is named by its JSON path (exit code 2)"
set +e
"$tollgate" validate-catalog tests/data/invalid/catalog-two-problems.json 2>&1
echo "exit code: $?"
