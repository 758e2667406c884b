#!/usr/bin/env bash
# Installs the Debian packages the test suite's real services come from (only the missing ones):
# qBittorrent 4.5 and debootstrap (for the 5.x roots), PostgreSQL, Redis, Chromium, and nginx
# (the proxy in front of several daphne processes in the scale-out tests), and a C compiler for
# creator/_multihash (scripts/build-native.sh), which the tests require where the CPU can run it.
set -euo pipefail
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
wanted=(qbittorrent-nox debootstrap postgresql redis-server chromium nginx gcc libc6-dev)
missing=()
for pkg in "${wanted[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "Installing ${missing[*]}"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    "${missing[@]}" >/dev/null
fi
