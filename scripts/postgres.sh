#!/usr/bin/env bash
# Starts a throwaway PostgreSQL server on loopback for the tests and prints its URL.
#   scripts/postgres.sh start DIR   → prints postgres://postgres@127.0.0.1:PORT
#   scripts/postgres.sh stop DIR
#   scripts/postgres.sh crash DIR     → stops it as a crash would (immediate: no checkpoint)
#   scripts/postgres.sh restart DIR   → starts it again on the same port (crash recovery)
# Uses the initdb/pg_ctl of the machine (Debian's postgresql package, installed when missing and
# running as root). The server listens on 127.0.0.1 only and trusts local connections: it holds
# nothing but scratch databases, and lives only as long as the test run.
set -euo pipefail

find_bin() {
  local name=$1
  if command -v "$name" >/dev/null 2>&1; then command -v "$name"; return; fi
  local found
  found=$(ls -d /usr/lib/postgresql/*/bin/"$name" 2>/dev/null | sort -V | tail -n 1 || true)
  if [ -n "$found" ]; then echo "$found"; return; fi
  return 1
}

ensure_installed() {
  if find_bin initdb >/dev/null && find_bin pg_ctl >/dev/null; then return; fi
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "scripts/postgres.sh: installing postgresql" >&2
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
  else
    echo "scripts/postgres.sh: the tests need PostgreSQL's initdb and pg_ctl:" >&2
    echo "  sudo apt-get install postgresql" >&2
    exit 1
  fi
}

# PostgreSQL refuses to run as root: run it as the `postgres` user (created when missing).
as_owner() {
  if [ "$(id -u)" = 0 ]; then
    id postgres >/dev/null 2>&1 || useradd --system --no-create-home postgres
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

cmd=${1:?start or stop}
dir=${2:?directory for the cluster}

case "$cmd" in
  start)
    ensure_installed
    initdb=$(find_bin initdb)
    pg_ctl=$(find_bin pg_ctl)
    rm -rf "$dir"
    mkdir -p "$dir"
    [ "$(id -u)" = 0 ] && { id postgres >/dev/null 2>&1 || useradd --system --no-create-home postgres; chown postgres "$dir"; }
    as_owner "$initdb" -D "$dir/data" -U postgres --auth=trust --encoding=UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 \
      || { cat "$dir/initdb.log" >&2; exit 1; }
    free_port >"$dir/port"
    "$0" restart "$dir"
    ;;
  restart)
    pg_ctl=$(find_bin pg_ctl)
    port=$(cat "$dir/port")
    as_owner "$pg_ctl" -D "$dir/data" -l "$dir/server.log" -w \
      -o "-c listen_addresses=127.0.0.1 -c port=$port -c unix_socket_directories=$dir -c fsync=off -c max_connections=200" \
      start >/dev/null || { cat "$dir/server.log" >&2; exit 1; }
    echo "postgres://postgres@127.0.0.1:$port"
    ;;
  crash)
    pg_ctl=$(find_bin pg_ctl)
    as_owner "$pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null
    ;;
  stop)
    pg_ctl=$(find_bin pg_ctl)
    [ -d "$dir/data" ] && as_owner "$pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || true
    ;;
  *)
    echo "usage: scripts/postgres.sh start|stop|crash|restart DIR" >&2
    exit 2
    ;;
esac
