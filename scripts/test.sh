#!/usr/bin/env bash
# Installs what the tests need (Python packages, Debian packages, qBittorrent 4.5/5.1/5.3, Chromium,
# PostgreSQL, Redis) and runs the whole suite twice: on the embedded default (SQLite, in-memory
# channel layer), then on PostgreSQL + Redis, where the scale-out tests (several daphne and worker
# processes behind nginx, PostgreSQL restarted, Redis stopped) run too, and the tests that touch
# no database (marked database_free: hashing, natural order) do not. Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/system-packages.sh
bash scripts/provision-qbittorrent.sh
bash scripts/venv.sh
.venv/bin/ruff check .
.venv/bin/ruff format --check .

echo "== Test suite on SQLite + in-memory channel layer"
env -u DATABASE_URL -u REDIS_URL .venv/bin/pytest -m "not scaleout" "$@"

echo "== Test suite on PostgreSQL + Redis, with the scale-out and fault tests (tests/scaleout)"
state=$(mktemp -d /tmp/torrentsmith-services.XXXXXX)
trap 'bash scripts/services.sh stop "$state"' EXIT
bash scripts/services.sh start "$state"
(. "$state/env" && .venv/bin/pytest -m "not database_free" "$@")
