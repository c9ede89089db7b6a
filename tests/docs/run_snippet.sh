#!/usr/bin/env bash
# Runs a documentation snippet and checks that it exits 0 and prints every
# text its "// Output:" lines promise.   run_snippet.sh BINARY [TEXT...]
set -uo pipefail
binary="$1"; shift
out="$("$binary" 2>&1)"; status=$?
echo "$out"
[ "$status" -eq 0 ] || { echo "snippet exited with $status" >&2; exit 1; }
for expected in "$@"; do
  grep -Fq -- "$expected" <<<"$out" || { echo "snippet did not print: $expected" >&2; exit 1; }
done
