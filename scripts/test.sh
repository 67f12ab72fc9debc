#!/usr/bin/env bash
# make test: static checks, then the whole suite on SQLite and on PostgreSQL.
# PostgreSQL: uses ONEGO_TEST_POSTGRES_URL when set; otherwise installs (Debian) and starts a throw-away
# server on loopback, and stops and removes what it started.
set -uo pipefail
cd "$(dirname "$0")/.."
bin=.venv/bin
status=0
export ONEGO_DATA_DIR
ONEGO_DATA_DIR=$(mktemp -d /tmp/onego-test-data.XXXXXX)
mkdir -p test-artifacts

bash scripts/lint.sh || status=1

# --- browser tests (tests/e2e): Playwright drives Debian's Chromium; it never downloads a browser of its own.
# They run in the pytest runs below and skip (saying why) only when /usr/bin/chromium is missing.
if [ ! -x /usr/bin/chromium ] || ! dpkg -s fonts-noto-cjk >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "== installing chromium and fonts-noto-cjk from Debian (browser tests)"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk >/dev/null \
      || echo "test: could not install chromium; browser tests will be skipped" >&2
  else
    echo "test: /usr/bin/chromium or fonts-noto-cjk missing and not root; browser tests will be skipped" >&2
  fi
fi
mkdir -p test-artifacts/screenshots
# --- end browser tests setup

# --- Redis for the Redis task queue's tests (tests/cases/test_tasks_on_redis.py): a throw-away server on
# loopback, nothing saved to disk, stopped at the end (Debian's redis-server, installed if missing).
if ! command -v redis-server >/dev/null && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "== installing redis-server from Debian"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server >/dev/null \
    || echo "test: could not install redis-server; the Redis queue tests will be skipped" >&2
fi
REDIS_PID=""
stop_redis() {
  if [ -n "$REDIS_PID" ]; then kill "$REDIS_PID" 2>/dev/null; wait "$REDIS_PID" 2>/dev/null; rm -rf "$REDIS_DIR"; fi
}
if command -v redis-server >/dev/null; then
  REDIS_PORT=$(.venv/bin/python -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  REDIS_DIR=$(mktemp -d /tmp/onego-redis.XXXXXX)
  redis-server --bind 127.0.0.1 --port "$REDIS_PORT" --save "" --appendonly no --dir "$REDIS_DIR" >"$REDIS_DIR/log" 2>&1 &
  REDIS_PID=$!
  trap 'stop_redis; rm -rf "$ONEGO_DATA_DIR"' EXIT
  export ONEGO_TEST_REDIS_URL="redis://127.0.0.1:$REDIS_PORT/0"
  echo "== started a throw-away Redis on 127.0.0.1:$REDIS_PORT"
fi
# --- end Redis

echo "== pytest on SQLite"
ONEGO_DATABASE_URL="sqlite://" $bin/pytest -q -p no:cacheprovider "$@" || status=1

pg_url=${ONEGO_TEST_POSTGRES_URL:-}
started=""
cleanup() {
  if [ -n "$started" ]; then
    runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$PG_DATA" -m fast -w stop >/dev/null 2>&1 || true
    rm -rf "$PG_DATA" "$PG_SOCK"
  fi
  stop_redis
  rm -rf "$ONEGO_DATA_DIR"
}
trap cleanup EXIT

if [ -z "$pg_url" ]; then
  PG_BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n1)
  if [ -z "$PG_BIN" ] || [ ! -x "$PG_BIN/initdb" ]; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
      echo "== installing PostgreSQL from Debian"
      apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
      PG_BIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n1)
    else
      echo "test: no PostgreSQL and not root to install it; set ONEGO_TEST_POSTGRES_URL" >&2; exit 1
    fi
  fi
  PG_PORT=${ONEGO_TEST_PG_PORT:-$(.venv/bin/python -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')}
  PG_DATA=$(mktemp -d /tmp/onego-pg.XXXXXX)
  PG_SOCK=$(mktemp -d /tmp/onego-pgsock.XXXXXX)
  chown postgres "$PG_DATA" "$PG_SOCK"
  echo "== starting a throw-away PostgreSQL on 127.0.0.1:$PG_PORT"
  runuser -u postgres -- "$PG_BIN/initdb" -D "$PG_DATA" -A trust -U postgres -E UTF8 --locale=C.UTF-8 >/dev/null
  if ! runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$PG_DATA" -w -l "$PG_DATA/server.log" \
    -o "-c listen_addresses=127.0.0.1 -p $PG_PORT -k $PG_SOCK -c fsync=off -c synchronous_commit=off -c max_connections=200" \
    start >/dev/null; then
    echo "test: PostgreSQL did not start:" >&2; cat "$PG_DATA/server.log" >&2; exit 1
  fi
  started=1
  runuser -u postgres -- "$PG_BIN/psql" -h 127.0.0.1 -p "$PG_PORT" -U postgres -qc \
    "CREATE ROLE onego LOGIN SUPERUSER PASSWORD 'onego'" >/dev/null || exit 1
  runuser -u postgres -- "$PG_BIN/createdb" -h 127.0.0.1 -p "$PG_PORT" -U postgres -O onego onego || exit 1
  pg_url="postgres://onego:onego@127.0.0.1:$PG_PORT/onego"
fi

echo "== pytest on PostgreSQL"
ONEGO_DATABASE_URL="$pg_url" $bin/pytest -q -p no:cacheprovider "$@" || status=1

if [ $status -ne 0 ]; then echo "make test: FAILED" >&2; else echo "make test: all checks and both databases passed"; fi
exit $status
