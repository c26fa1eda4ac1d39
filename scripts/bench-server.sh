#!/usr/bin/env bash
# A PostgreSQL server configured as docs/performance.md recommends for production, for the
# benchmarks (`billing bench invoice-run|ingest|api`) to run against beside the machine's own:
#
#   scripts/bench-server.sh start      # prints the DATABASE_URL to use
#   DATABASE_URL=$(scripts/bench-server.sh url) billing bench invoice-run --subscriptions 1000000 --json
#   scripts/bench-server.sh stop       # stops it; `restart` applies this script's settings anew,
#                                      # `wipe` also deletes its data folder
#
# It is a private cluster made with the machine's own PostgreSQL binaries (initdb, pg_ctl), in
# BENCH_PG_DIR (default /var/tmp/billing-bench-pg: a real disk, not a tmpfs), listening on
# 127.0.0.1:BENCH_PG_PORT (default 5433) with trust authentication on loopback only. Durability
# is production's: fsync, full-page writes and synchronous commit stay on. What differs from a
# stock Debian server is sized to the machine: shared_buffers a quarter of the RAM,
# effective_cache_size a half, max_wal_size 16 GB and a 15-minute checkpoint (a 1M-subscription
# invoice run writes several GB of WAL; fewer checkpoints mean fewer full-page images),
# wal_compression lz4, autovacuum on.
set -euo pipefail

DIR="${BENCH_PG_DIR:-/var/tmp/billing-bench-pg}"
PORT="${BENCH_PG_PORT:-5433}"
URL="postgres://postgres@127.0.0.1:$PORT/postgres"

bindir() {
  if command -v pg_config >/dev/null && [ -x "$(pg_config --bindir)/initdb" ]; then
    pg_config --bindir
    return
  fi
  local newest
  newest="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)"
  [ -n "$newest" ] && [ -x "$newest/initdb" ] || { echo "no PostgreSQL binaries (initdb) found" >&2; exit 1; }
  echo "$newest"
}

# PostgreSQL refuses to run as root: as root, run its programs as the postgres user.
as_owner() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

ram_mb() { awk '/^MemTotal:/ { print int($2 / 1024) }' /proc/meminfo; }

start() {
  local bin; bin="$(bindir)"
  if [ ! -f "$DIR/PG_VERSION" ]; then
    mkdir -p "$DIR"
    [ "$(id -u)" = 0 ] && chown postgres: "$DIR"
    as_owner "$bin/initdb" -D "$DIR" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
    echo "include_if_exists = 'billing-bench.conf'" >>"$DIR/postgresql.conf"
  fi
  # Rewritten on every start, so that the settings are always this script's.
  local ram; ram="$(ram_mb)"
  cat >"$DIR/billing-bench.conf" <<EOF
# billing: scripts/bench-server.sh (docs/performance.md, "PostgreSQL for a large run")
listen_addresses = '127.0.0.1'
port = $PORT
unix_socket_directories = '$DIR'
max_connections = 100
shared_buffers = $((ram / 4))MB
effective_cache_size = $((ram / 2))MB
work_mem = 16MB
maintenance_work_mem = 1GB
max_wal_size = 16GB
min_wal_size = 1GB
checkpoint_timeout = 15min
checkpoint_completion_target = 0.9
wal_compression = lz4
wal_buffers = 64MB
autovacuum = on
fsync = on
full_page_writes = on
synchronous_commit = on
# Where the server's time goes, per statement: CREATE EXTENSION pg_stat_statements in the
# benchmark's database (--keep), then read the view (docs/performance.md).
shared_preload_libraries = 'pg_stat_statements'
pg_stat_statements.track = all
EOF
  if [ "$(id -u)" = 0 ]; then chown postgres: "$DIR/billing-bench.conf"; fi
  if ! as_owner "$bin/pg_ctl" -D "$DIR" status >/dev/null 2>&1; then
    as_owner "$bin/pg_ctl" -D "$DIR" -l "$DIR/server.log" -w start >/dev/null
  fi
  echo "$URL"
}

stop() {
  local bin; bin="$(bindir)"
  if [ -f "$DIR/PG_VERSION" ] && as_owner "$bin/pg_ctl" -D "$DIR" status >/dev/null 2>&1; then
    as_owner "$bin/pg_ctl" -D "$DIR" -m fast -w stop >/dev/null
  fi
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  restart) stop; start ;;
  wipe) stop; rm -rf "$DIR" ;;
  url) echo "$URL" ;;
  *) echo "usage: $0 start|stop|restart|wipe|url" >&2; exit 2 ;;
esac
