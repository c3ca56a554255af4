#!/usr/bin/env bash
# Why: the test suite also runs against real PostgreSQL. This starts a
# throwaway server on loopback only, with settings that trade durability for
# speed, and removes every trace of it on stop.
#
#   scripts/testdb.sh start   (re)start it, create wardsite_test, print the URI
#   scripts/testdb.sh uri     print the SQLAlchemy URI
#   scripts/testdb.sh stop    stop it and delete its data
#
# Port: $WARDSITE_TEST_PG_PORT (default 54329). Data: /tmp/wardsite-testdb-$PORT.
set -euo pipefail

port=${WARDSITE_TEST_PG_PORT:-54329}
dir=${TMPDIR:-/tmp}/wardsite-testdb-$port
db=wardsite_test
uri=postgresql+psycopg://postgres@127.0.0.1:$port/$db

die() { echo "testdb.sh: $*" >&2; exit 1; }
cd /  # the server user may not be able to read the caller's directory

# PostgreSQL refuses to run as root, so as root we run it as "postgres".
as_pg() {
  if ((EUID == 0)); then runuser -u postgres -- "$@"; else "$@"; fi
}

pg_bin() {
  local bin
  bin=$(printf '%s\n' /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
  [[ -n $bin && -x $bin/initdb ]] \
    || die "no PostgreSQL server binaries under /usr/lib/postgresql/*/bin; install the Debian package 'postgresql'"
  ((EUID != 0)) || id postgres >/dev/null 2>&1 \
    || die "running as root needs the 'postgres' user; install the Debian package 'postgresql'"
  echo "$bin"
}

stop() {
  if [[ -f $dir/data/postmaster.pid ]]; then
    as_pg "$(pg_bin)/pg_ctl" stop -D "$dir/data" -m immediate -w -t 30 >/dev/null 2>&1 || true
  fi
  rm -rf "$dir"
}

start() {
  local bin
  bin=$(pg_bin)
  stop  # a stale server or data dir from an earlier run
  mkdir -m 700 "$dir"
  ((EUID != 0)) || chown postgres: "$dir"

  as_pg "$bin/initdb" -D "$dir/data" -U postgres --auth=trust -E UTF8 --locale=C --no-sync \
    >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; die "initdb failed"; }

  # Loopback and a private socket dir only; no durability, it is thrown away.
  as_pg "$bin/pg_ctl" start -D "$dir/data" -l "$dir/server.log" -w -t 30 -o "-p $port \
    -c listen_addresses=127.0.0.1 -c unix_socket_directories=$dir \
    -c fsync=off -c synchronous_commit=off -c full_page_writes=off" >/dev/null \
    || { tail -n 20 "$dir/server.log" >&2; die "the server did not start on 127.0.0.1:$port"; }

  local i
  for ((i = 0; i < 30; i++)); do
    "$bin/pg_isready" -q -h 127.0.0.1 -p "$port" && break
    sleep 1
  done
  ((i < 30)) || die "the server is not ready on 127.0.0.1:$port after 30 s"

  "$bin/createdb" -h 127.0.0.1 -p "$port" -U postgres "$db" || die "createdb $db failed"
  echo "testdb.sh: PostgreSQL ($bin) on 127.0.0.1:$port, data in $dir" >&2
  echo "$uri"
}

case ${1:-} in
  start) start ;;
  stop) stop ;;
  uri) echo "$uri" ;;
  *) die "usage: $0 start|stop|uri" ;;
esac
