#!/usr/bin/env bash
# A throwaway PostgreSQL for the storage conformance suite and benchmark.
#
#   scripts/postgres.sh start [DIR]   install if needed, init DIR once, start, print the URL
#   scripts/postgres.sh stop  [DIR]   stop the server of DIR
#   scripts/postgres.sh url           print the URL only
#
# Idempotent: a second `start` finds the cluster running and just prints the
# URL. The server listens on 127.0.0.1:${STIGMER_TEST_PG_PORT:-55432} only,
# with trust authentication (a test database, never a real one). Only the
# URL goes to stdout, so `export STIGMER_TEST_POSTGRES_URL="$(scripts/postgres.sh start)"` works.
set -euo pipefail

cmd="${1:-start}"
dir="${2:-/tmp/stigmer-test-pg}"
port="${STIGMER_TEST_PG_PORT:-55432}"
database="stigmer_test"
url="postgres://postgres@127.0.0.1:${port}/${database}"

log() { echo "postgres.sh: $*" >&2; }

find_bin_dir() {
  if command -v pg_ctl >/dev/null 2>&1 && command -v initdb >/dev/null 2>&1; then
    dirname "$(readlink -f "$(command -v pg_ctl)")"
    return
  fi
  # Debian keeps the server binaries out of PATH, one directory per version.
  local found
  found="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)"
  if [ -n "$found" ] && [ -x "$found/pg_ctl" ]; then
    echo "$found"
  fi
}

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

install_postgres() {
  log "installing postgresql from Debian packages"
  as_root apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq postgresql >&2
}

# initdb and the server refuse to run as root: use the postgres OS user then.
run_pg() {
  if [ "$(id -u)" -eq 0 ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

case "$cmd" in
  url)
    echo "$url"
    exit 0
    ;;
  start | stop) ;;
  *)
    echo "usage: $0 start|stop [DIR] | url" >&2
    exit 2
    ;;
esac

bin="$(find_bin_dir)"
if [ -z "$bin" ]; then
  [ "$cmd" = stop ] && exit 0
  install_postgres
  bin="$(find_bin_dir)"
  [ -n "$bin" ] || { log "pg_ctl not found after installing postgresql"; exit 1; }
fi
data="$dir/data"

if [ "$cmd" = stop ]; then
  if [ -f "$data/PG_VERSION" ] && run_pg "$bin/pg_ctl" -D "$data" status >/dev/null 2>&1; then
    run_pg "$bin/pg_ctl" -D "$data" -m fast -w stop >&2
  fi
  exit 0
fi

mkdir -p "$dir"
if [ "$(id -u)" -eq 0 ]; then chown postgres:postgres "$dir"; fi

if [ ! -f "$data/PG_VERSION" ]; then
  log "initialising a cluster in $data"
  run_pg "$bin/initdb" -D "$data" -U postgres --auth=trust -E UTF8 --no-locale >&2
fi

if ! run_pg "$bin/pg_ctl" -D "$data" status >/dev/null 2>&1; then
  log "starting PostgreSQL on 127.0.0.1:$port"
  run_pg "$bin/pg_ctl" -D "$data" -l "$dir/server.log" -w -t 60 \
    -o "-c listen_addresses=127.0.0.1 -p $port -k $dir -c max_connections=200" start >&2 || {
    log "start failed; server log:"
    tail -n 30 "$dir/server.log" >&2 || true
    exit 1
  }
fi

if ! "$bin/psql" -h 127.0.0.1 -p "$port" -U postgres -d postgres -tAc \
  "SELECT 1 FROM pg_database WHERE datname = '$database'" | grep -q 1; then
  "$bin/createdb" -h 127.0.0.1 -p "$port" -U postgres "$database" >&2
fi

echo "$url"
