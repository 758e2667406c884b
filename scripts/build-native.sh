#!/usr/bin/env bash
# Builds the app's C extensions for the given Python when one is missing or older than its
# source. Without a C compiler the app runs without them, slower, and this says so:
#   creator/_multihash  SHA-1 and SHA-256 of several messages side by side, with the CPU's SHA
#                       instructions or AVX-512 (hashlib alone is about half as fast)
#   browser/_listing    a large folder's entries, read from qBittorrent's answer, and their natural
#                       order (browsing a folder of 10,000 entries takes a third longer in Python)
#   bash scripts/build-native.sh [python]     (default: .venv/bin/python)
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${1:-.venv/bin/python}
read -r include suffix < <("$PY" -c \
  'import sysconfig; print(sysconfig.get_paths()["include"], sysconfig.get_config_var("EXT_SUFFIX"))')
CC=${CC:-cc}
for module in creator/_multihash browser/_listing; do
  src=$module.c
  out=$module$suffix
  [ "$out" -nt "$src" ] && continue
  if ! command -v "$CC" >/dev/null; then
    echo "No C compiler ($CC): running without $module (slower)." >&2
    continue
  fi
  if ! "$CC" -O3 -shared -fPIC -I"$include" "$src" -o "$out.tmp"; then
    rm -f "$out.tmp"
    echo "$module did not build (above): running without it (slower)." >&2
    continue
  fi
  mv "$out.tmp" "$out"
done
