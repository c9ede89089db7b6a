#!/usr/bin/env bash
# clang-tidy with the checked-in .clang-tidy over every source in src/ (and the
# headers of include/ they pull in). Exits non-zero on any finding.
set -euo pipefail
cd "$(dirname "$0")/.."

./scripts/setup.sh
if ! command -v clang-tidy >/dev/null 2>&1; then
  if [ "$(id -u)" -eq 0 ]; then
    apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q clang-tidy
  else
    echo "tidy: run as root: apt-get install -y clang-tidy" >&2
    exit 1
  fi
fi
cmake --preset dev -DCMAKE_EXPORT_COMPILE_COMMANDS=ON >/dev/null
cmake --build --preset dev --target tollgate_cli >/dev/null  # generates version.hpp
# The compile database comes from g++: its GCC-only warning flags mean nothing to clang.
find src -name '*.cpp' -print0 | xargs -0 -P "$(nproc)" -n 4 \
  clang-tidy -p build/dev --quiet --extra-arg=-Wno-unknown-warning-option
echo "tidy: src/ and include/ are clean"
