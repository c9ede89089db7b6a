#!/usr/bin/env sh
# The installed shared libraries export the public API and hide src/'s internals.
#   check_exports.sh PREFIX
set -eu
prefix="$1"
lib=$(find "$prefix" -name 'libtollgate_core.so*' -type f | head -n 1)
server=$(find "$prefix" -name 'libtollgate_server.so*' -type f | head -n 1)
sqlite=$(find "$prefix" -name 'libtollgate_sqlite.so*' -type f | head -n 1)
[ -n "$lib" ] && [ -n "$server" ] && [ -n "$sqlite" ] || { echo "no shared libraries under $prefix"; exit 1; }
exports() { nm -DC --defined-only "$1"; }
fail=0
expect() {  # expect present|absent LIBRARY SYMBOL
  if exports "$2" | grep -qF "$3"; then found=present; else found=absent; fi
  if [ "$found" != "$1" ]; then echo "$(basename "$2"): $3 is $found, should be $1"; fail=1; fi
}
# Declared in include/tollgate: exported.
expect present "$lib" "tollgate::BillingEngine::invoice("
expect present "$lib" "tollgate::Decimal::parse("
expect present "$lib" "tollgate::load_catalog("
expect present "$sqlite" "tollgate::sqlite::SqliteStore::open("
# Declared in src/ only: hidden.
expect absent "$lib" "tollgate::detail::generate_invoice("
expect absent "$lib" "tollgate::detail::segments_of("
expect absent "$sqlite" "tollgate::sqlite::Connection::"
expect absent "$server" "tollgate::server::detail::failure("
# The REST API needs no HTTP or TLS library; its Beast server does.
server_beast=$(find "$prefix" -name 'libtollgate_server_beast.so*' -type f | head -n 1)
needs() { readelf -d "$1" | grep -q "NEEDED.*$2"; }
if needs "$server" libssl; then echo "$(basename "$server") needs libssl: it should not"; fail=1; fi
if ! needs "$server_beast" libssl; then echo "$(basename "$server_beast") should need libssl"; fail=1; fi
expect present "$server_beast" "tollgate::server::HttpServer::start("
expect absent "$server" "tollgate::server::HttpServer::start("
[ "$fail" -eq 0 ] && echo "exports ok: $(exports "$lib" | grep -c ' T ') functions from libtollgate_core"
exit "$fail"
