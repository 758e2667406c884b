"""Browsing in either navigation mode, falling back to local mode when qBittorrent cannot."""

from dataclasses import replace

from browser import paths
from browser.analysis import Scan, scan
from browser.browse import Listing, browse
from browser.instances import instance_get
from browser.local import local_browse, local_scan
from browser.models import NavigationMode
from browser.preferences import preference_mode
from browser.qbittorrent import QbittorrentError
from rollout.flags import LOCAL_MODE, switch_active

# qBittorrent failures after which this server's own folders are worth showing instead.
FALLBACK_CODES = {
    "qbittorrent_unreachable",
    "qbittorrent_too_old",
    "qbittorrent_login_failed",
    "qbittorrent_login_paused",
    "qbittorrent_banned",
    "qbittorrent_refused",
}
FALLBACK_SUFFIX = " Showing this server's folders through the path mappings instead."


def _mode(user, mode: str | None) -> str:
    return mode or preference_mode(user=user)


def _fallback_path(user, instance_id, path: str | None) -> str | None:
    """The local path for a qBittorrent path, when a mapping translates it; a path already
    on this server's side of a mapping (from an earlier fallback's listing) as it is."""
    if not path:
        return None
    instance = instance_get(user=user, instance_id=instance_id)
    try:
        path = paths.normalize(path)
    except paths.PathError:
        return None
    on_host = paths.to_host(path, instance.mappings)
    if on_host is None and any(paths.is_within(path, m.host_path) for m in instance.mappings):
        return path
    return on_host


def _can_fall_back(user, instance_id, error: QbittorrentError) -> bool:
    if error.code not in FALLBACK_CODES or not switch_active(LOCAL_MODE):
        return False
    return bool(instance_get(user=user, instance_id=instance_id).path_mappings)


def unified_browse(
    *,
    user,
    path: str | None,
    mode: str | None = None,
    instance_id: int | None = None,
    show_hidden: bool | None = None,
    refresh: bool = False,
) -> Listing:
    """Browse in `mode` (default: the user's preference)."""
    if _mode(user, mode) == NavigationMode.LOCAL:
        return local_browse(user=user, path=path, instance_id=instance_id, show_hidden=show_hidden)
    try:
        return browse(
            user=user, path=path, instance_id=instance_id, show_hidden=show_hidden, refresh=refresh
        )
    except QbittorrentError as error:
        if not _can_fall_back(user, instance_id, error):
            raise
        listing = local_browse(
            user=user,
            path=_fallback_path(user, instance_id, path),
            instance_id=instance_id,
            show_hidden=show_hidden,
        )
        return replace(listing, fallback_reason=error.message + FALLBACK_SUFFIX)


def unified_scan(
    *, user, path: str, mode: str | None = None, instance_id: int | None = None
) -> tuple[Scan, str, str | None]:
    """(scan, mode used, fallback reason) for `path` in `mode`."""
    if _mode(user, mode) == NavigationMode.LOCAL:
        return local_scan(user=user, path=path, instance_id=instance_id), "local", None
    try:
        return scan(user=user, path=path, instance_id=instance_id), "qbittorrent", None
    except QbittorrentError as error:
        if not _can_fall_back(user, instance_id, error):
            raise
        local_path = _fallback_path(user, instance_id, path) or path
        result = local_scan(user=user, path=local_path, instance_id=instance_id)
        return result, "local", error.message + FALLBACK_SUFFIX
