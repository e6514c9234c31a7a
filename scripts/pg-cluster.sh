#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for tests and benchmarks: Debian's `postgresql` binaries,
# a data directory and a Unix socket inside DIR, trust authentication for the one local user
# `consentry`, the C collation (text orders byte-wise, as on SQLite).
#
# Besides the socket, the cluster takes TLS connections (only TLS) on a free port of
# 127.0.0.1, with a certificate for 127.0.0.1 signed by a throwaway CA: DIR/tls/port holds the
# port, DIR/tls/ca.crt the CA, and DIR/tls/other-ca.crt a CA that signed nothing here (for
# the test that a server it cannot verify is refused).
#
#   scripts/pg-cluster.sh start DIR   # prints the database URL (the socket) on stdout
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

# A CA, a server certificate for 127.0.0.1 signed by it, and a second, unrelated CA, in $1.
make_certificates() {
  local tls=$1
  mkdir -p "$tls"
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
    -subj "/CN=consentry test CA" -keyout "$tls/ca.key" -out "$tls/ca.crt" 2>/dev/null
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
    -subj "/CN=another CA" -keyout "$tls/other-ca.key" -out "$tls/other-ca.crt" 2>/dev/null
  openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -subj "/CN=127.0.0.1" -keyout "$tls/server.key" -out "$tls/server.csr" 2>/dev/null
  printf 'subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n' >"$tls/ext"
  openssl x509 -req -in "$tls/server.csr" -CA "$tls/ca.crt" -CAkey "$tls/ca.key" \
    -CAcreateserial -days 2 -extfile "$tls/ext" -out "$tls/server.crt" 2>/dev/null
  rm -f "$tls/ca.key" "$tls/other-ca.key" "$tls/server.csr" "$tls/ext" "$tls/ca.srl"
  chmod 600 "$tls/server.key"
}

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

start() {
  local dir=$1 bin port
  bin=$(bin_dir)
  mkdir -p "$dir"
  dir=$(cd "$dir" && pwd)
  if [ "$(id -u)" -eq 0 ]; then chown postgres "$dir"; fi
  chmod 700 "$dir"
  as_owner "$bin/initdb" -D "$dir/data" -U consentry --auth=trust --no-locale -E UTF8 \
    --no-sync >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; exit 1; }
  make_certificates "$dir/tls"
  # Over TCP, TLS only (hostssl); the socket needs none.
  printf 'local all all trust\nhostssl all all 127.0.0.1/32 trust\n' >"$dir/data/pg_hba.conf"
  if [ "$(id -u)" -eq 0 ]; then chown -R postgres "$dir/tls" "$dir/data/pg_hba.conf"; fi
  port=$(free_port)
  echo "$port" >"$dir/tls/port"
  # fsync off: a test cluster holds nothing worth a crash-safe write, and the benchmark
  # compares instances, not disks.
  as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -s \
    -o "-c listen_addresses=127.0.0.1 -p $port -k $dir -c ssl=on -c ssl_cert_file=$dir/tls/server.crt -c ssl_key_file=$dir/tls/server.key -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
    start >&2 || { cat "$dir/server.log" >&2; exit 1; }
  echo "postgres://consentry@localhost:$port/postgres?host=$dir"
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
