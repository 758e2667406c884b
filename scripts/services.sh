#!/usr/bin/env bash
# Starts or stops a private PostgreSQL and Redis on loopback for the tests and benchmarks.
#   scripts/services.sh start DIR   -> servers under DIR on free ports; DIR/env holds
#                                      DATABASE_URL and REDIS_URL (source it)
#   scripts/services.sh stop DIR
# and, for the fault tests, on a running pair:
#   scripts/services.sh pg-restart DIR      (a fast restart: every connection is cut)
#   scripts/services.sh redis-stop DIR | redis-start DIR   (the same port again)
# Nothing touches the machine's own clusters: each run gets its own data directory.
set -euo pipefail
action=${1:?start or stop}
DIR=$(realpath -m "${2:?a state directory}")

as_postgres() { runuser -u postgres -- "$@"; }
pg_bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)

redis_start() {
  local port
  port=$(cat "$DIR/redis.port")
  redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no \
    --daemonize yes --pidfile "$DIR/redis.pid" --logfile "$DIR/redis.log" --dir "$DIR"
  for _ in $(seq 50); do redis-cli -p "$port" ping >/dev/null 2>&1 && return; sleep 0.1; done
  echo "services.sh: Redis did not answer on port $port" >&2
  return 1
}

redis_stop() {
  local pid
  [ -f "$DIR/redis.pid" ] || return 0
  pid=$(cat "$DIR/redis.pid")
  kill "$pid" 2>/dev/null || true
  for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  rm -f "$DIR/redis.pid"
}

case "$action" in
start)
  mkdir -p "$DIR"
  chmod 755 "$DIR"  # the postgres user must reach its data directory inside
  trap 'echo "services.sh: starting failed; logs:" >&2; tail -n 20 "$DIR"/*.log "$DIR"/pg-run/*.log >&2 2>/dev/null' ERR
  free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
  pg_port=$(free_port)
  redis_port=$(free_port)
  mkdir -p "$DIR/pg" "$DIR/pg-run"
  chown postgres:postgres "$DIR/pg" "$DIR/pg-run"
  chmod 700 "$DIR/pg"
  as_postgres "$pg_bin/initdb" -D "$DIR/pg" -A trust -U postgres --no-sync >"$DIR/initdb.log" 2>&1
  # Durability off: a test database is thrown away, and fsync dominates test time otherwise.
  as_postgres "$pg_bin/pg_ctl" -D "$DIR/pg" -l "$DIR/pg-run/postgres.log" -w start -o \
    "-p $pg_port -k $DIR/pg-run -c listen_addresses=127.0.0.1 -c fsync=off \
     -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" >/dev/null
  as_postgres "$pg_bin/createdb" -h 127.0.0.1 -p "$pg_port" -U postgres torrentsmith
  echo "$redis_port" > "$DIR/redis.port"
  redis_start
  cat > "$DIR/env" <<ENV
export DATABASE_URL=postgres://postgres@127.0.0.1:$pg_port/torrentsmith
export REDIS_URL=redis://127.0.0.1:$redis_port/0
export TORRENTSMITH_SERVICES_DIR=$DIR
ENV
  echo "PostgreSQL on 127.0.0.1:$pg_port, Redis on 127.0.0.1:$redis_port (env in $DIR/env)"
  ;;
pg-restart)
  as_postgres "$pg_bin/pg_ctl" -D "$DIR/pg" -l "$DIR/pg-run/postgres.log" -m fast -w restart >/dev/null
  ;;
redis-stop) redis_stop ;;
redis-start) redis_start ;;
stop)
  redis_stop
  if [ -f "$DIR/pg/postmaster.pid" ]; then
    as_postgres "$pg_bin/pg_ctl" -D "$DIR/pg" -m fast -w stop >/dev/null 2>&1 || true
  fi
  rm -rf "$DIR"
  ;;
*) echo "usage: $0 start|stop|pg-restart|redis-stop|redis-start DIR" >&2; exit 2 ;;
esac
