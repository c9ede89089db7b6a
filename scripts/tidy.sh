#!/usr/bin/env bash
# clang-tidy with the checked-in .clang-tidy over the sources in src/ (and the
# headers of include/ they pull in). Exits non-zero on any finding.
#   ./scripts/tidy.sh              # every source in src/
#   ./scripts/tidy.sh --since REV  # only what changed since REV: the sources
#                                  # changed, and those that include a changed header
# With --since, a change to the tidy configuration, or a REV git does not know,
# tidies everything: a stale REV costs time, never coverage.
set -euo pipefail
cd "$(dirname "$0")/.."

since=""
if [ "${1:-}" = "--since" ]; then since="${2:?--since needs a revision}"; fi

./scripts/setup.sh
if ! command -v clang-tidy >/dev/null 2>&1; then
  if [ "$(id -u)" -eq 0 ]; then
    apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q clang-tidy
  else
    echo "tidy: run as root: apt-get install -y clang-tidy" >&2
    exit 1
  fi
fi

# The sources to tidy, one a line.
sources() {
  if [ -z "$since" ] || ! git rev-parse -q --verify "$since^{commit}" >/dev/null 2>&1; then
    find src -name '*.cpp' | sort
    return
  fi
  local changed
  changed=$(git diff --name-only "$since" HEAD -- src include .clang-tidy scripts/tidy.sh)
  if grep -qE '^(\.clang-tidy|scripts/tidy\.sh)$' <<<"$changed"; then
    find src -name '*.cpp' | sort
    return
  fi
  {
    grep -E '^src/.*\.cpp$' <<<"$changed" | while read -r f; do [ -f "$f" ] && echo "$f"; done
    # A header's findings show in the sources that include it, directly or
    # through other headers. (Matching by file name may tidy a few more.)
    local queue seen="" h
    queue=$(grep -E '\.hpp$' <<<"$changed" || true)
    while [ -n "$queue" ]; do
      h=$(head -n 1 <<<"$queue")
      queue=$(tail -n +2 <<<"$queue")
      case " $seen " in *" $(basename "$h") "*) continue ;; esac
      seen="$seen $(basename "$h")"
      grep -rlF --include='*.cpp' "$(basename "$h")\"" src || true
      queue=$(printf '%s\n%s' "$queue" "$(grep -rlF --include='*.hpp' "$(basename "$h")\"" src include || true)" | sed '/^$/d')
    done
  } | sort -u
}

cmake --preset dev -DCMAKE_EXPORT_COMPILE_COMMANDS=ON >/dev/null
cmake --build --preset dev --target tollgate_cli >/dev/null  # generates version.hpp
files=$(sources)
if [ -z "$files" ]; then
  echo "tidy: no source changed since $since"
  exit 0
fi
echo "tidy: $(wc -l <<<"$files") of $(find src -name '*.cpp' | wc -l) sources${since:+ (changed since $since)}"
# The compile database comes from g++: its GCC-only warning flags mean nothing to clang.
tr '\n' '\0' <<<"$files" | xargs -0 -P "$(nproc)" -n 4 \
  clang-tidy -p build/dev --quiet --extra-arg=-Wno-unknown-warning-option
echo "tidy: clean"
