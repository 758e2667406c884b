#!/usr/bin/env bash
# Provisions the qBittorrent builds the test suite drives (see ../shared/qbittorrent.md):
#   4.5 from this host's apt (Debian 12), 5.1 from a Debian trixie root, 5.3 from a forky root.
# Roots are cached outside the work tree and rebuilt only when missing or incomplete.
set -euo pipefail

CACHE=${TORRENTSMITH_QBT_CACHE:-/var/cache/torrentsmith/qbittorrent}
SUITES=${*:-trixie forky}

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

bash "$(dirname "$0")/system-packages.sh"

mirror=$(awk '/^URIs:/ {print $2; exit}' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)
mirror=${mirror:-http://deb.debian.org/debian}

build_root() {
  local suite=$1 root="$CACHE/$1"
  if [ -f "$root/.torrentsmith-ready" ]; then
    echo "qBittorrent root $suite: cached at $root"
    return
  fi
  local tmp="$CACHE/.$suite.tmp"
  as_root rm -rf "$tmp"
  as_root mkdir -p "$CACHE"
  local script=() apt_opts=()
  if [ "$suite" = forky ]; then
    # Bookworm's debootstrap has no forky script; sid's works. Testing's Release may be past Valid-Until.
    script=(/usr/share/debootstrap/scripts/sid)
    apt_opts=(-o Acquire::Check-Valid-Until=false)
  fi
  echo "qBittorrent root $suite: building in $tmp (about a minute)"
  as_root debootstrap --variant=minbase "$suite" "$tmp" "$mirror" "${script[@]}" >"$CACHE/$suite.debootstrap.log" 2>&1 \
    || { tail -20 "$CACHE/$suite.debootstrap.log"; exit 1; }
  as_root chroot "$tmp" apt-get "${apt_opts[@]}" update -qq
  as_root chroot "$tmp" env DEBIAN_FRONTEND=noninteractive apt-get "${apt_opts[@]}" install -y -qq \
    --no-install-recommends qbittorrent-nox >/dev/null
  as_root chroot "$tmp" apt-get clean
  as_root chroot "$tmp" qbittorrent-nox --version
  as_root touch "$tmp/.torrentsmith-ready"
  as_root rm -rf "$root"
  as_root mv "$tmp" "$root"
}

for suite in $SUITES; do build_root "$suite"; done
echo "qBittorrent host package: $(/usr/bin/qbittorrent-nox --version)"
