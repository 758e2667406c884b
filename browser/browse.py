"""Browsing folders as qBittorrent sees them, through app/getDirectoryContent.

A listing can hold tens of thousands of entries: this module is on the hot path of the picker,
and bench/browse.py measures it against qBittorrent's own answer time.
"""

import logging
import queue
import threading
import time
from dataclasses import dataclass, field

from django.conf import settings

from browser import paths
from browser.capabilities import Capabilities
from browser.entries import Entry, qbt_entries, qbt_path_entries
from browser.instances import allowed_roots, instance_get
from browser.models import Instance, NavigationMode
from browser.paths import Crumb, PathError
from browser.preferences import preference_get, preference_remember_path
from browser.qbittorrent import (
    QbittorrentClient,
    QbittorrentError,
    client_for,
    qbittorrent_error,
    too_old,
)
from config.errors import ServiceError
from rollout.metrics import metered

logger = logging.getLogger(__name__)

HIDDEN_NOTE = "qBittorrent never lists hidden files (names starting with a dot)."


@dataclass
class Listing:
    instance: Instance
    mode: str
    path: str
    parent: str | None
    breadcrumbs: list[Crumb]
    entries: list[Entry]
    roots: list[str]
    sizes_known: bool
    cached: bool = False
    notes: list[str] = field(default_factory=list)
    fallback_reason: str | None = None
    deprecation: str | None = None

    @property
    def qbt_path(self) -> str | None:
        """The folder as qBittorrent sees it (in local mode, through the path mappings)."""
        if self.mode == NavigationMode.LOCAL:
            return paths.to_qbt(self.path, self.instance.mappings)
        return self.path


def path_error(error: PathError) -> ServiceError:
    status = 403 if error.code == "outside_roots" else 400
    return ServiceError(error.message, code=error.code, field="path", status=status)


def confine(raw: str, roots: list[str]) -> str:
    try:
        return paths.confine(raw, roots)
    except PathError as error:
        raise path_error(error) from None


def list_directory(client: QbittorrentClient, qbt_path: str, caps: Capabilities) -> list[Entry]:
    """One folder's entries as qBittorrent lists them (not confined), folders first, each in
    natural order."""
    if not caps.directory_content:
        raise too_old(client.instance, caps, "directory_content")
    try:
        return _list_directory(client, qbt_path, caps)
    except QbittorrentError as error:
        if error.code == "not_found":
            error.field = "path"
        raise


def _list_directory(client: QbittorrentClient, qbt_path: str, caps: Capabilities) -> list[Entry]:
    prefix = paths.join(qbt_path, "")
    try:
        if caps.with_metadata:
            answer = client.directory_answer(qbt_path, {"withMetadata": "true"})
            return qbt_entries(answer, prefix)
        # Up to WebAPI 2.11.7 the answer is bare paths: ask for folders and files separately.
        folders = client.directory_answer(qbt_path, {"mode": "dirs"})
        files = client.directory_answer(qbt_path, {"mode": "files"})
        return qbt_path_entries(folders, files, prefix, _placed)
    except ValueError as error:
        raise qbittorrent_error(
            client.instance,
            f"answered a folder listing it cannot read ({error}).",
            code="qbittorrent_error",
        ) from None


def _placed(full_path: str) -> tuple[str, str]:
    """A listed path not directly in the folder asked for (qBittorrent wrote it otherwise):
    its name and its path, normalised."""
    return paths.basename(full_path), paths.normalize(full_path)


class ListingCache:
    """Sorted listings per (instance, folder) for a few seconds, in this process.

    Not Django's cache: its local-memory backend pickles every value, which costs more than
    asking qBittorrent again for a large folder. Entries are never modified once listed.
    """

    MAX_FOLDERS = 256

    def __init__(self):
        self._items: dict[tuple, tuple[float, list[Entry]]] = {}
        self._lock = threading.Lock()

    def get(self, key: tuple) -> list[Entry] | None:
        item = self._items.get(key)
        if item is None or time.monotonic() - item[0] > settings.BROWSE_CACHE_S:
            return None
        return item[1]

    def put(self, key: tuple, entries: list[Entry]) -> None:
        with self._lock:
            if len(self._items) >= self.MAX_FOLDERS:
                oldest = min(self._items, key=lambda k: self._items[k][0])
                del self._items[oldest]
            self._items[key] = (time.monotonic(), entries)

    def drop(self, key: tuple) -> None:
        """Forgets a folder's listing, freed by another thread. Dropped just before
        qBittorrent is asked again, a large folder's old entries (10,000 take about 5 ms to
        free) are gone while it answers, rather than after it, on the way to the user."""
        with self._lock:
            item = self._items.pop(key, None)
        if item is not None:
            _free_elsewhere(item)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


listing_cache = ListingCache()
_unwanted: queue.SimpleQueue = queue.SimpleQueue()
_freeing: threading.Thread | None = None
_freeing_lock = threading.Lock()


def _free_elsewhere(value) -> None:
    global _freeing
    with _freeing_lock:
        if _freeing is None:
            _freeing = threading.Thread(target=_free_forever, name="listings-freed", daemon=True)
            _freeing.start()
    _unwanted.put(value)


def _free_forever() -> None:
    while True:
        _unwanted.get()  # and dropped, in this thread


def cached_listing(
    client: QbittorrentClient, qbt_path: str, caps: Capabilities, *, refresh: bool
) -> tuple[list[Entry], bool]:
    """A folder's sorted listing from the short-lived cache, or fresh from qBittorrent."""
    key = (client.instance.pk, client.instance.url, caps.with_metadata, qbt_path)
    if not refresh and settings.BROWSE_CACHE_S:
        entries = listing_cache.get(key)
        if entries is not None:
            return entries, True
    if settings.BROWSE_CACHE_S:
        listing_cache.drop(key)
    entries = list_directory(client, qbt_path, caps)
    if settings.BROWSE_CACHE_S:
        listing_cache.put(key, entries)
    return entries, False


def start_path(*, user, instance: Instance, roots: list[str]) -> str:
    """Where browsing starts without a path: the remembered one if still allowed, else a root."""
    preference = preference_get(user=user)
    last = preference.last_path
    if (
        preference.remember_last_path
        and last
        and preference.last_instance_id == instance.pk
        and paths.containing_root(last, roots)
    ):
        return last
    return roots[0]


def browse_capabilities(client: QbittorrentClient) -> Capabilities:
    """The instance's capabilities, refused (too old) when it cannot list folders.

    Checked before a path is confined: a path on this server's side of a mapping (from an
    earlier fallback to local mode) is outside qBittorrent's roots, and unified.py falls back
    on a qBittorrent failure, not on that."""
    caps = client.capabilities()
    if not caps.directory_content:
        raise too_old(client.instance, caps, "directory_content")
    return caps


def _start_listing(
    user, client: QbittorrentClient, caps: Capabilities, roots: list[str], *, refresh: bool
) -> tuple[str, list[Entry], bool]:
    """(path, entries, cached) where browsing starts when no path is asked for. A remembered
    folder removed since is no error of the user's: browsing starts at the first root."""
    path = start_path(user=user, instance=client.instance, roots=roots)
    try:
        return path, *cached_listing(client, path, caps, refresh=refresh)
    except QbittorrentError as error:
        if error.code != "not_found" or path == roots[0]:
            raise
    # browse() then remembers the root in place of the removed folder
    return roots[0], *cached_listing(client, roots[0], caps, refresh=refresh)


@metered(NavigationMode.QBITTORRENT)
def browse(
    *,
    user,
    path: str | None,
    instance_id: int | None = None,
    show_hidden: bool | None = None,
    refresh: bool = False,
) -> Listing:
    """The folders and files of `path` on a qBittorrent host, as qBittorrent sees them."""
    instance = instance_get(user=user, instance_id=instance_id)
    client = client_for(instance)
    caps = browse_capabilities(client)
    roots = allowed_roots(instance, client)
    if path:
        path = confine(path, roots)
        entries, cached = cached_listing(client, path, caps, refresh=refresh)
    else:
        path, entries, cached = _start_listing(user, client, caps, roots, refresh=refresh)
    preference_remember_path(user=user, instance=instance, path=path)
    notes = [HIDDEN_NOTE] if show_hidden else []
    return Listing(
        instance=instance,
        mode=NavigationMode.QBITTORRENT,
        path=path,
        parent=paths.parent_within(path, roots),
        breadcrumbs=paths.breadcrumbs(path, roots),
        entries=entries,
        roots=roots,
        sizes_known=caps.with_metadata,
        cached=cached,
        notes=notes,
    )


@dataclass(frozen=True)
class QuickPath:
    label: str
    path: str
    kind: str  # "default_save", "category", "temp", "root", "last"
    allowed: bool  # inside the roots users may browse
    exists: bool | None  # None when not checked (outside the roots)


MAX_CATEGORIES = 40  # each quick path is a listing asked of qBittorrent


def default_paths(*, user, instance_id: int | None = None) -> tuple[Instance, list[QuickPath]]:
    """Quick-access folders: default save path, categories, temp path, roots, the last folder."""
    instance = instance_get(user=user, instance_id=instance_id)
    client = client_for(instance)
    caps = client.capabilities()
    roots = allowed_roots(instance, client)
    default_save = paths.normalize(client.default_save_path())
    candidates = [("Default save path", default_save, "default_save")]
    # Categories are capped, not the list: the roots and the last folder always come after.
    for name, category in sorted(client.categories().items())[:MAX_CATEGORIES]:
        save_path = (category.get("savePath") or "").strip()
        if not save_path:
            save_path = paths.join(default_save, name)  # qBittorrent's automatic folder
        elif not save_path.startswith("/") and ":" not in save_path[:2]:
            save_path = paths.join(default_save, save_path)
        candidates.append((f"Category: {name}", save_path, "category"))
    preferences = client.preferences()
    if preferences.get("temp_path_enabled") and preferences.get("temp_path"):
        candidates.append(("Incomplete downloads", preferences["temp_path"], "temp"))
    candidates += [("Allowed folder", root, "root") for root in roots]
    preference = preference_get(user=user)
    if (
        preference.remember_last_path
        and preference.last_path
        and (preference.last_instance_id == instance.pk)
    ):
        candidates.append(("Last folder", preference.last_path, "last"))

    quick, seen = [], set()
    for label, raw, kind in candidates:
        try:
            path = paths.normalize(raw)
        except PathError:
            continue
        if (path, kind) in seen:
            continue
        seen.add((path, kind))
        allowed = paths.containing_root(path, roots) is not None
        exists = None
        if allowed:
            try:
                cached_listing(client, path, caps, refresh=False)
                exists = True
            except ServiceError as error:
                if error.code != "not_found":
                    raise
                exists = False
        quick.append(QuickPath(label, path, kind, allowed, exists))
    return instance, quick
