#!/usr/bin/env bash
# Builds the libFuzzer targets (clang 14, ASan + UBSan) and runs each for SECONDS
# (default 30) on its seed corpus in fuzz/corpus. A crash stops the run with the
# reproducer saved under build/fuzz/artifacts; turn it into a regression test.
#   ./scripts/fuzz.sh        # the short run CI does
#   ./scripts/fuzz.sh 600    # the long run: 10 minutes a target
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-30}"

./scripts/setup.sh
if ! command -v clang++-14 >/dev/null 2>&1 || ! dpkg-query -W -f='${Status}' libclang-rt-14-dev 2>/dev/null | grep -q "install ok installed"; then
  if [ "$(id -u)" -eq 0 ]; then
    apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q clang-14 libclang-rt-14-dev
  else
    echo "fuzz: run as root: apt-get install -y clang-14 libclang-rt-14-dev" >&2
    exit 1
  fi
fi
targets=(fuzz_decimal fuzz_catalog fuzz_rules fuzz_kill_bill_catalog fuzz_scenario fuzz_webhook fuzz_stripe_response fuzz_rest)
cmake --preset fuzz >/dev/null
cmake --build --preset fuzz -j "$(nproc)" --target "${targets[@]}"

mkdir -p build/fuzz/artifacts build/fuzz/corpus
for target in "${targets[@]}"; do
  # New inputs go to a scratch corpus; the committed seeds stay as they are.
  mkdir -p "build/fuzz/corpus/$target"
  log="build/fuzz/$target.log"
  if ! "build/fuzz/fuzz/$target" -max_total_time="$seconds" -rss_limit_mb=2048 -max_len=16384 \
      -artifact_prefix="build/fuzz/artifacts/$target-" "build/fuzz/corpus/$target" "fuzz/corpus/$target" >"$log" 2>&1; then
    tail -n 40 "$log"
    echo "fuzz: $target found a failure (see build/fuzz/artifacts)" >&2
    exit 1
  fi
  # libFuzzer's last status line: executions, coverage and features reached.
  summary=$(grep -E "^#[0-9]+" "$log" | tail -n 1 | sed -E 's/ +/ /g')
  echo "fuzz: $target: $summary"
done
