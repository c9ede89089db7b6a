#!/usr/bin/env bash
# Installs what is missing, builds, and shows the tollgate tool on the example data.
set -euo pipefail
cd "$(dirname "$0")/.."

./scripts/setup.sh
cmake --preset dev >/dev/null
cmake --build --preset dev -j "$(nproc)" --target tollgate >/dev/null
tollgate=build/dev/src/tollgate
examples=tests/data/examples

echo "== $("$tollgate" --version)"
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
