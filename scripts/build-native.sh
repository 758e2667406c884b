#!/usr/bin/env bash
# Builds creator/_multihash (SHA-1 and SHA-256 of several messages side by side, with the CPU's
# SHA instructions or AVX-512) for the given Python when it is missing or older than its source.
# Without a C compiler the app hashes with hashlib alone, as on CPUs with neither: about half as
# fast, and this says so.
#   bash scripts/build-native.sh [python]     (default: .venv/bin/python)
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${1:-.venv/bin/python}
read -r include suffix < <("$PY" -c \
  'import sysconfig; print(sysconfig.get_paths()["include"], sysconfig.get_config_var("EXT_SUFFIX"))')
src=creator/_multihash.c
out=creator/_multihash$suffix
[ "$out" -nt "$src" ] && exit 0
CC=${CC:-cc}
if ! command -v "$CC" >/dev/null; then
  echo "No C compiler ($CC): hashing without creator/_multihash (about half as fast)." >&2
  exit 0
fi
if ! "$CC" -O3 -shared -fPIC -I"$include" "$src" -o "$out.tmp"; then
  rm -f "$out.tmp"
  echo "creator/_multihash did not build (above): hashing without it (about half as fast)." >&2
  exit 0
fi
mv "$out.tmp" "$out"
