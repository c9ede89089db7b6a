#!/usr/bin/env bash
# A throwaway PostgreSQL server for the tests, on 127.0.0.1 only.
#   pg_server.sh start DIR   initdb into DIR/data (trust auth on loopback, user
#                            tollgate, C locale), start it on a free port, and
#                            write its connection string to DIR/conninfo
#   pg_server.sh stop DIR    stop it (fast shutdown) and remove DIR
# Exits 3 when PostgreSQL's server binaries are not installed (Debian: postgresql).
# initdb refuses to run as root: as root, the server runs as the postgres user.
# FAST=1 turns fsync off (tests); benchmarks leave it on.
set -euo pipefail
cmd=${1:?start or stop}
dir=${2:?a directory}

bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
if [ -z "$bindir" ] || [ ! -x "$bindir/initdb" ]; then
  echo "pg_server: PostgreSQL server binaries not found (apt-get install postgresql)" >&2
  exit 3
fi

as_owner() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

case "$cmd" in
  start)
    if [ -f "$dir/data/postmaster.pid" ]; then as_owner "$bindir/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1 || true; fi
    rm -rf "$dir"
    mkdir -p "$dir"
    [ "$(id -u)" -eq 0 ] && chown postgres "$dir"
    as_owner "$bindir/initdb" -D "$dir/data" -U tollgate --auth=trust --locale=C -E UTF8 >"$dir/initdb.log" 2>&1
    port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    extra=""
    [ "${FAST:-0}" = 1 ] && extra="-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
    as_owner "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
      -o "-c listen_addresses=127.0.0.1 -p $port -c unix_socket_directories=$dir -c max_connections=200 $extra" \
      start >/dev/null
    echo "host=127.0.0.1 port=$port user=tollgate dbname=postgres" >"$dir/conninfo"
    cat "$dir/conninfo"
    ;;
  stop)
    if [ -f "$dir/data/postmaster.pid" ]; then as_owner "$bindir/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null; fi
    rm -rf "$dir"
    ;;
  *)
    echo "usage: pg_server.sh start|stop DIR" >&2
    exit 2
    ;;
esac
