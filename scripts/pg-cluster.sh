#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for tests and benchmarks: Debian's `postgresql` binaries,
# a data directory and a Unix socket inside DIR, no TCP port, trust authentication for the
# one local user `consentry`, the C collation (text orders byte-wise, as on SQLite).
#
#   scripts/pg-cluster.sh start DIR   # prints the database URL on stdout
#   scripts/pg-cluster.sh stop DIR    # stops the cluster and removes DIR
#
# PostgreSQL refuses to run as root: as root, the cluster runs as the `postgres` system user
# (created by the Debian package) in a directory it owns.
set -euo pipefail

bin_dir() {
  local d
  for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
    [ -x "$d/initdb" ] && { echo "$d"; return 0; }
  done
  command -v initdb >/dev/null && { dirname "$(command -v initdb)"; return 0; }
  echo "pg-cluster: PostgreSQL not found (scripts/install-deps.sh system installs it)" >&2
  exit 1
}

as_owner() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

start() {
  local dir=$1 bin
  bin=$(bin_dir)
  mkdir -p "$dir"
  dir=$(cd "$dir" && pwd)
  if [ "$(id -u)" -eq 0 ]; then chown postgres "$dir"; fi
  chmod 700 "$dir"
  as_owner "$bin/initdb" -D "$dir/data" -U consentry --auth=trust --no-locale -E UTF8 \
    --no-sync >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; exit 1; }
  # No TCP: the socket in DIR is the only way in. fsync off: a test cluster holds nothing
  # worth a crash-safe write, and the benchmark compares instances, not disks.
  as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -s \
    -o "-c listen_addresses='' -k $dir -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
    start >&2 || { cat "$dir/server.log" >&2; exit 1; }
  echo "postgres://consentry@localhost/postgres?host=$dir"
}

stop() {
  local dir=$1 bin
  bin=$(bin_dir)
  if [ -d "$dir/data" ]; then
    as_owner "$bin/pg_ctl" -D "$dir/data" -m immediate -w -s stop >&2 || true
  fi
  rm -rf "$dir"
}

case "${1:-}" in
  start) start "${2:?usage: pg-cluster.sh start DIR}" ;;
  stop) stop "${2:?usage: pg-cluster.sh stop DIR}" ;;
  *) echo "usage: pg-cluster.sh start|stop DIR" >&2; exit 2 ;;
esac
