#!/usr/bin/env bash
# Installs the Debian packages Tollgate needs to build and test, if any is missing.
#   ./scripts/setup.sh          # build and test
#   ./scripts/setup.sh bench    # and the benchmarks (Google Benchmark): the release preset builds them
set -euo pipefail

packages=(
  cmake g++ ninja-build python3 tzdata
  libboost1.81-dev libboost-json1.81-dev catch2 libhowardhinnant-date-dev libsqlite3-dev libssl-dev
  # Kill Bill's XML catalogs (tollgate::kill_bill).
  libpugixml-dev
  # The PostgreSQL store: libpq to build it, the server for its tests (started on loopback by them).
  libpq-dev postgresql
)

[ "${1:-}" = bench ] && packages+=(libbenchmark-dev)

# Node.js runs the provider tests' loopback peers; Debian's package will do where the machine has none.
command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1 || packages+=(nodejs npm)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "setup: installing ${missing[*]}"
if [ "$(id -u)" -eq 0 ]; then
  apt-get update -q
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}"
elif command -v sudo >/dev/null 2>&1; then
  sudo apt-get update -q
  sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}"
else
  echo "setup: not root and no sudo; run as root:" >&2
  echo "  apt-get update && apt-get install -y ${missing[*]}" >&2
  exit 1
fi
