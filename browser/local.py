"""Local mode (deprecated): this server's own folders, mapped to qBittorrent's paths.

Paths here are this server's (`host_path`); each instance's path mappings say which folders may
be browsed and what qBittorrent calls them. A symlink never leads out of those folders.
"""

import logging
import os
from contextlib import contextmanager
from datetime import UTC, datetime

from django.utils.translation import ngettext

from browser import paths
from browser.analysis import ZERO_SIZE_REASON, Scan
from browser.browse import Listing, confine
from browser.entries import Entry, make_entry, sort_entries
from browser.instances import allowed_roots_known, instance_get
from browser.models import Instance, NavigationMode
from browser.preferences import preference_get
from config.errors import ServiceError
from rollout.flags import LOCAL_MODE, switch_active
from rollout.metrics import metered

logger = logging.getLogger(__name__)

DEPRECATION = (
    "Local mode (this server's folders through path mappings) is deprecated: browsing through "
    "qBittorrent shows exactly what qBittorrent sees, with no mappings to maintain. Switch in "
    "your navigation preferences."
)


def local_mode_check() -> None:
    """Refuses local mode when the administrator turned it off (switch `local_mode`)."""
    if not switch_active(LOCAL_MODE):
        raise ServiceError(
            "Local mode is turned off by an administrator: browse through qBittorrent.",
            code="local_mode_off",
            status=409,
        )


def local_roots(instance: Instance) -> list[str]:
    """This server's folders local mode may show: the mapped folders, narrowed to the allowed
    roots (qBittorrent's paths) translated through the mappings.

    qBittorrent is not asked here: local mode and the local engine are what runs when it
    cannot answer, and asking would wait for its timeout (or try a login) each time. The
    default roots (none set) are the ones last read from it (browser.instances); when it was
    never read, the mappings alone decide. An administrator who sets allowed roots never
    depends on that."""
    mappings = [
        paths.PathMapping(paths.normalize(m.host_path), paths.normalize(m.qbt_path))
        for m in instance.mappings
    ]
    if not mappings:
        raise ServiceError(
            f"Local mode needs a path mapping on qBittorrent '{instance.name}' "
            "(an administrator adds it in the admin).",
            code="no_mapping",
            status=409,
        )
    allowed = allowed_roots_known(instance)
    if allowed is None:
        return list(dict.fromkeys(m.host_path for m in mappings))
    roots = list(dict.fromkeys(r for m in mappings for r in _mapped_within(m, allowed)))
    if not roots:
        raise ServiceError(
            f"No path mapping of qBittorrent '{instance.name}' shows a folder users may browse "
            f"({', '.join(allowed)}) on this server (an administrator changes them in the admin).",
            code="no_mapping",
            status=409,
        )
    return roots


def _mapped_within(mapping: paths.PathMapping, allowed: list[str]) -> list[str]:
    """The host folders of one mapping that are inside the allowed (qBittorrent) roots."""
    found = []
    for root in allowed:
        if paths.is_within(mapping.qbt_path, root):  # the whole mapped folder
            found.append(mapping.host_path)
        elif paths.is_within(root, mapping.qbt_path):  # the part of it that is allowed
            found.append(paths.join(mapping.host_path, root[len(mapping.qbt_path) :].lstrip("/")))
    return found


def _confine_real(host_path: str, roots: list[str]) -> str:
    """`host_path` normalised, refused (403) when it or a symlink on the way leaves the roots."""
    path = confine(host_path, roots)
    real = os.path.realpath(path)
    real_roots = [os.path.realpath(root) for root in roots]
    if not any(paths.is_within(real, root) for root in real_roots):
        raise ServiceError(
            f"{path} leads outside the folders you may browse (through a link).",
            code="outside_roots",
            field="path",
            status=403,
        )
    return path


def _is_utf8(name: str) -> bool:
    """Whether a name read from disk was UTF-8 (undecodable bytes come as surrogates)."""
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _entry(instance: Instance, item: os.DirEntry, real_roots: list[str]) -> Entry | None:
    if item.is_symlink():
        target = os.path.realpath(item.path)
        if not any(paths.is_within(target, root) for root in real_roots):
            return None
    try:
        info = item.stat()
    except OSError:  # a dangling link, or a file removed meanwhile
        return None
    if item.is_dir():
        kind, size = "dir", None
    elif item.is_file():
        kind, size = "file", info.st_size
    else:
        return None
    return make_entry(
        name=item.name,
        path=item.path,
        type=kind,
        size=size,
        modified=datetime.fromtimestamp(info.st_mtime, tz=UTC),
        qbt_path=paths.to_qbt(item.path, instance.mappings),
    )


@metered(NavigationMode.LOCAL)
def local_browse(
    *,
    user,
    path: str | None,
    instance_id: int | None = None,
    show_hidden: bool | None = None,
) -> Listing:
    """A folder on this server, inside the instance's mapped folders (deprecated mode). Hidden
    files show when asked, or by default when the user's preference says so."""
    local_mode_check()
    instance = instance_get(user=user, instance_id=instance_id)
    if show_hidden is None:
        show_hidden = preference_get(user=user).show_hidden
    roots = local_roots(instance)
    path = _confine_real(path or roots[0], roots)
    if not os.path.isdir(path):
        raise ServiceError(
            f"Directory does not exist: {path}", code="not_found", field="path", status=404
        )
    real_roots = [os.path.realpath(root) for root in roots]
    entries, left_out, not_text = [], 0, 0
    with _listing(path) as items:
        for item in items:
            if paths.is_hidden(item.name) and not show_hidden:
                continue
            if not _is_utf8(item.name):
                not_text += 1  # no JSON answer or page can carry it
                continue
            entry = _entry(instance, item, real_roots)
            if entry is None:
                left_out += 1
            else:
                entries.append(entry)
    notes = []
    if left_out:
        notes.append(
            ngettext(
                "{count} link leading outside the allowed folders is not shown.",
                "{count} links leading outside the allowed folders are not shown.",
                left_out,
            ).format(count=left_out)
        )
    if not_text:
        notes.append(
            ngettext(
                "{count} name that is not UTF-8 text is not shown (rename it to use it).",
                "{count} names that are not UTF-8 text are not shown (rename them to use them).",
                not_text,
            ).format(count=not_text)
        )
    logger.warning("Local mode (deprecated) used by %s on %s", user, instance)
    return Listing(
        instance=instance,
        mode=NavigationMode.LOCAL,
        path=path,
        parent=paths.parent_within(path, roots),
        breadcrumbs=paths.breadcrumbs(path, roots),
        entries=sort_entries(entries),
        roots=roots,
        sizes_known=True,
        notes=notes,
        deprecation=DEPRECATION,
    )


def local_scan(*, user, path: str, instance_id: int | None = None) -> Scan:
    """Whether a folder or file on this server can be a torrent's source (deprecated mode)."""
    local_mode_check()
    instance = instance_get(user=user, instance_id=instance_id)
    logger.warning("Local mode (deprecated) scan by %s on %s", user, instance)
    return host_scan(instance, path)


def mapped_host_path(instance: Instance, qbt_path: str) -> str | None:
    """`qbt_path` (qBittorrent's view) on this server through the instance's path mappings,
    None when none shows it; refused (403) as local browsing refuses it when it, or a link on
    the way, leads out of the folders local mode may show. What this server reads for a job."""
    on_host = paths.to_host(qbt_path, instance.mappings)
    return None if on_host is None else _confine_real(on_host, local_roots(instance))


def host_scan(instance: Instance, path: str) -> Scan:
    """Whether `path` on this server, inside the instance's mapped folders, can be a torrent's
    source, counting what the local engine would put in it: a link counts only as a file
    inside the source (creator.hashing.scan_source). Also what the local engine checks before
    it takes a job, whether or not local browsing is switched on."""
    path = _confine_real(path, local_roots(instance))
    if os.path.isfile(path):
        size = os.path.getsize(path)
        reason = ZERO_SIZE_REASON.format(what="This file is") if size == 0 else None
        return Scan(instance, path, reason is None, "file", reason, 1, 0, size)
    if not os.path.isdir(path):
        return Scan(instance, path, False, None, f"Nothing exists at {path}.", 0, 0, None)
    source = [os.path.realpath(path)]
    with _listing(path) as items:
        entries = [
            entry
            for item in items
            if not paths.is_hidden(item.name)
            and (entry := _entry(instance, item, source)) is not None
            and not (item.is_symlink() and entry["type"] == "dir")
        ]
    files = [e for e in entries if e["type"] == "file"]
    folders = [e for e in entries if e["type"] == "dir"]
    reason = {
        "data": None,
        "empty_files": ZERO_SIZE_REASON.format(what="Every file here is"),
        "nothing": "This folder holds no files: a torrent needs at least one.",
    }[_data_below(path, source[0])]
    size = sum(e["size"] or 0 for e in files) if files else None
    return Scan(instance, path, reason is None, "dir", reason, len(files), len(folders), size)


def _data_below(path: str, source_real: str) -> str:
    """What is below `path`, outside hidden folders: "data" (a file of one byte or more),
    "empty_files" (files of 0 bytes only) or "nothing". A link counts if it leads to a file
    inside the source, whose real path is `source_real`; the walk stops at the first data."""
    empty_files = False
    try:
        for folder, folders, names in os.walk(path, onerror=_raise):
            folders[:] = [f for f in folders if not paths.is_hidden(f)]
            for name in names:
                if paths.is_hidden(name):
                    continue
                target = os.path.join(folder, name)
                if os.path.islink(target):
                    target = os.path.realpath(target)
                    if not paths.is_within(target, source_real):
                        continue  # the local engine leaves it out
                if not os.path.isfile(target):
                    continue  # a fifo, a socket
                try:
                    if os.path.getsize(target) > 0:
                        return "data"
                except FileNotFoundError:
                    continue  # removed meanwhile
                empty_files = True
    except OSError as error:
        raise _unreadable(error) from None
    return "empty_files" if empty_files else "nothing"


def _raise(error: OSError) -> None:
    raise error


def _unreadable(error: OSError) -> ServiceError:
    return ServiceError(
        f"Cannot read {error.filename}: {error.strerror}.",
        code="unreadable",
        field="path",
        status=403,
    )


@contextmanager
def _listing(path: str):
    """os.scandir(path), a folder this server may not read being a 403 in words."""
    try:
        items = os.scandir(path)
    except OSError as error:
        raise _unreadable(error) from None
    with items:
        yield items
