#!/usr/bin/env bash
# Installs and runs Torrentsmith on the embedded default (SQLite, in-memory channel layer):
# one daphne web server and one background worker. Ctrl-C stops both.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/venv.sh
PY=.venv/bin/python
$PY manage.py migrate --noinput
$PY manage.py ensure_admin
$PY manage.py ensure_instance
$PY manage.py ensure_flags
PORT=$(DJANGO_SETTINGS_MODULE=config.settings $PY -c \
  'import django; django.setup(); from django.conf import settings; print(settings.PORT)')
BIND=${TORRENTSMITH_BIND:-0.0.0.0}

pids=()
stop() {
  trap - INT TERM EXIT
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap stop INT TERM EXIT

.venv/bin/daphne -b "$BIND" -p "$PORT" config.asgi:application &
pids+=($!)
$PY manage.py db_worker --no-reload --interval 0.2 &
pids+=($!)
echo "Torrentsmith is at http://localhost:$PORT/ (Ctrl-C stops it)"
# Either process ending ends the app: a web server without a worker would accept jobs nobody runs.
wait -n
