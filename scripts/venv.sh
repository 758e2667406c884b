#!/usr/bin/env bash
# Creates .venv and installs the pinned dependencies, and builds the app's C extension
# (scripts/build-native.sh); does nothing when they are already in.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=${VENV:-.venv}
PYTHON=${PYTHON:-python3.11}
command -v "$PYTHON" >/dev/null || PYTHON=python3
"$PYTHON" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))' \
  || { echo "Torrentsmith needs Python 3.11 ($PYTHON is $("$PYTHON" -V))." >&2; exit 1; }
stamp="$VENV/.torrentsmith-installed"
if [ -f "$stamp" ] && [ "$stamp" -nt pyproject.toml ] && [ "$stamp" -nt requirements.lock ]; then
  exec bash scripts/build-native.sh "$VENV/bin/python"
fi
[ -x "$VENV/bin/python" ] || "$PYTHON" -m venv "$VENV"
# requirements.lock pins every package (pip freeze of a working install): same versions everywhere.
# The project itself is not installed (it runs from this directory): only what pyproject.toml asks.
"$VENV/bin/python" - <<'PY' > "$VENV/requirements.txt"
import tomllib
project = tomllib.load(open("pyproject.toml", "rb"))["project"]
print("\n".join(project["dependencies"] + project["optional-dependencies"]["test"]))
PY
"$VENV/bin/python" -m pip install -q -c requirements.lock -r "$VENV/requirements.txt"
touch "$stamp"
bash scripts/build-native.sh "$VENV/bin/python"
