#!/usr/bin/env bash
# make cluster: the multi-process setup on this machine, for the load test (bench/load) and the surge
# (bench/surge.py) — what docs/deployment.md "Past one machine" describes, on loopback:
#   PostgreSQL primary + a streaming replica (pg_basebackup -R), Redis, gunicorn with WEB app processes,
#   WORKERS RQ task workers, the tick and the ledger sequencer (`make prod` with ONEGO_TASK_BACKEND=rq and
#   ONEGO_DATABASE_REPLICA_URL set). Ctrl-C stops everything, including the databases it started.
#
#   make cluster [WEB=4] [WORKERS=2] [PORT=8000] [DEMO=1]
#
# Its data (database clusters, Redis, secrets) is under var/cluster and kept between runs; `make clean`
# removes it. PostgreSQL and Redis come from Debian (installed if missing and root).
set -euo pipefail
cd "$(dirname "$0")/.."
HOST=${1:-127.0.0.1}; PORT=${2:-8000}
WEB=${WEB:-4}; WORKERS=${WORKERS:-2}
VAR=$PWD/var/cluster
mkdir -p "$VAR"
need() { command -v "$1" >/dev/null || ls /usr/lib/postgresql/*/bin/"$1" >/dev/null 2>&1; }
if ! need initdb || ! command -v redis-server >/dev/null; then
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql redis-server >/dev/null
  else
    echo "cluster: needs Debian's postgresql and redis-server packages" >&2; exit 1
  fi
fi
PG_BIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n1)
free_port() { .venv/bin/python -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
P_PORT=${P_PORT:-$(free_port)}; R_PORT=${R_PORT:-$(free_port)}; REDIS_PORT=${REDIS_PORT:-$(free_port)}
PRIMARY=$VAR/pg-primary; REPLICA=$VAR/pg-replica; SOCK=$VAR/pg-sock
mkdir -p "$SOCK"; [ "$(id -u)" = 0 ] && chown postgres "$VAR" "$SOCK"
OPTS="-c listen_addresses=127.0.0.1 -k $SOCK -c wal_level=replica -c max_wal_senders=4 -c max_connections=300 -c shared_buffers=256MB -c synchronous_commit=off"
REDIS_PID=""
stop() {
  trap - EXIT INT TERM
  as_pg "$PG_BIN/pg_ctl" -D "$REPLICA" -m fast -w stop >/dev/null 2>&1 || true
  as_pg "$PG_BIN/pg_ctl" -D "$PRIMARY" -m fast -w stop >/dev/null 2>&1 || true
  [ -n "$REDIS_PID" ] && kill "$REDIS_PID" 2>/dev/null || true
  echo "cluster: stopped PostgreSQL (primary, replica) and Redis"
}
trap stop EXIT INT TERM
if [ ! -d "$PRIMARY" ]; then
  mkdir -p "$PRIMARY"; [ "$(id -u)" = 0 ] && chown postgres "$PRIMARY"
  as_pg "$PG_BIN/initdb" -D "$PRIMARY" -A trust -U postgres -E UTF8 --locale=C.UTF-8 >/dev/null
fi
as_pg "$PG_BIN/pg_ctl" -D "$PRIMARY" -w -l "$VAR/primary.log" -o "$OPTS -p $P_PORT" start >/dev/null
as_pg "$PG_BIN/psql" -h 127.0.0.1 -p "$P_PORT" -U postgres -qtAc "SELECT 1 FROM pg_roles WHERE rolname='onego'" | grep -q 1 \
  || as_pg "$PG_BIN/psql" -h 127.0.0.1 -p "$P_PORT" -U postgres -qc "CREATE ROLE onego LOGIN SUPERUSER PASSWORD 'onego'" -c "CREATE DATABASE onego OWNER onego"
if [ ! -d "$REPLICA" ]; then
  as_pg "$PG_BIN/pg_basebackup" -h 127.0.0.1 -p "$P_PORT" -U postgres -D "$REPLICA" -R -X stream --checkpoint=fast
fi
# The replica's primary_conninfo names the port the primary had when it was copied: point it at today's.
as_pg sed -i "s/port=[0-9]*/port=$P_PORT/" "$REPLICA/postgresql.auto.conf"
as_pg "$PG_BIN/pg_ctl" -D "$REPLICA" -w -l "$VAR/replica.log" -o "$OPTS -p $R_PORT" start >/dev/null
redis-server --bind 127.0.0.1 --port "$REDIS_PORT" --save "" --appendonly no --dir "$VAR" >"$VAR/redis.log" 2>&1 &
REDIS_PID=$!
echo "cluster: PostgreSQL primary :$P_PORT, replica :$R_PORT (streaming), Redis :$REDIS_PORT; $WEB app processes, $WORKERS RQ workers"
export ONEGO_DATA_DIR=$VAR/data
export ONEGO_DATABASE_URL=postgres://onego:onego@127.0.0.1:$P_PORT/onego
export ONEGO_DATABASE_REPLICA_URL=postgres://onego:onego@127.0.0.1:$R_PORT/onego
export ONEGO_TASK_BACKEND=rq ONEGO_REDIS_URL=redis://127.0.0.1:$REDIS_PORT/0
export ONEGO_WEB_WORKERS=$WEB ONEGO_TASK_WORKERS=$WORKERS
# Environment for tools driving this cluster (bench/surge.py, bench/load): source it.
cat > "$VAR/env" <<ENV
export ONEGO_DATA_DIR=$ONEGO_DATA_DIR ONEGO_DATABASE_URL=$ONEGO_DATABASE_URL
export ONEGO_DATABASE_REPLICA_URL=$ONEGO_DATABASE_REPLICA_URL ONEGO_TASK_BACKEND=rq ONEGO_REDIS_URL=$ONEGO_REDIS_URL
ENV
bash scripts/prod.sh "$HOST" "$PORT"
