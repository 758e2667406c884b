"""What a path holds, before a torrent is made of it: scan (usable?) and analyze (what is in it).

Sizes come from, in order: qBittorrent's own listing (withMetadata, 5.2+), a torrent qBittorrent
already has for that content, this host's view through a path mapping; otherwise they are
reported unknown with the reason, never guessed.
"""

import os
import statistics
import time
import unicodedata
from collections import Counter
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from dataclasses import dataclass, field

from django.conf import settings
from django.utils.translation import ngettext

from browser import paths
from browser.browse import browse_capabilities, confine, list_directory
from browser.capabilities import Capabilities
from browser.entries import Entry
from browser.instances import allowed_roots, instance_get
from browser.models import Instance
from browser.qbittorrent import QbittorrentClient, QbittorrentError, client_for
from config.errors import ServiceError

KINDS = {
    "video": {
        "mkv",
        "mp4",
        "m4v",
        "avi",
        "mov",
        "wmv",
        "webm",
        "mpg",
        "mpeg",
        "ts",
        "m2ts",
        "vob",
        "flv",
    },
    "audio": {
        "flac",
        "mp3",
        "m4a",
        "aac",
        "ogg",
        "opus",
        "wav",
        "ape",
        "wv",
        "dsf",
        "dff",
        "alac",
        "aiff",
    },
    "image": {"jpg", "jpeg", "png", "gif", "webp", "bmp", "tif", "tiff", "heic"},
    "subtitle": {"srt", "ass", "ssa", "sub", "idx", "sup", "vtt"},
    "document": {"nfo", "txt", "md", "pdf", "epub", "mobi", "cue", "log", "sfv", "md5"},
    "archive": {"zip", "rar", "7z", "tar", "gz", "bz2", "xz", "zst", "iso"},
}
# Characters Windows and most trackers refuse in names.
REJECTED_CHARACTERS = set('<>:"\\|?*')
MANY_FILES = 10_000
SMALL_FILE_BYTES = 64 * 1024
LARGEST_SHOWN = 10
EXAMPLES_SHOWN = 20
SIZES_NOT_ASKED = "Sizes were not asked for."
# Folders deeper than this are not listed. qBittorrent lists a link to a folder as a folder, so
# a link to a folder holding it is walked until Linux refuses to follow more than 40 links in
# one path: real content is rarely nested this deep, a loop always is.
MAX_DEPTH = 32
# qBittorrent's creator fails with "invalid length of torrent", and libtorrent refuses it too.
ZERO_SIZE_REASON = "{what} empty (0 bytes): a torrent cannot be made of no data."


@dataclass(frozen=True)
class FileInfo:
    path: str
    name: str
    size: int | None


@dataclass(frozen=True)
class KindInfo:
    kind: str
    files: int
    size: int | None


@dataclass(frozen=True)
class Warning:
    code: str
    message: str


@dataclass
class Analysis:
    instance: Instance
    path: str
    type: str  # "dir" or "file"
    files: int = 0
    folders: int = 0
    total_size: int | None = None
    size_source: str | None = None  # "qbittorrent", "torrent", "local"
    size_unknown_reason: str | None = None
    largest: list[FileInfo] = field(default_factory=list)
    kinds: list[KindInfo] = field(default_factory=list)
    hidden_known: bool = False
    hidden_files: list[str] = field(default_factory=list)
    hidden_note: str = ""
    warnings: list[Warning] = field(default_factory=list)
    truncated: bool = False
    elapsed_s: float = 0.0
    qbittorrent_requests: int = 0
    file_sizes: list[int] = field(default_factory=list)  # for the planner; not sent by the API


def kind_of(name: str) -> str:
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if extension.startswith("r") and extension[1:].isdigit():  # .r00, .r01: split RAR
        return "archive"
    for kind, extensions in KINDS.items():
        if extension in extensions:
            return kind
    return "other"


def name_problem(name: str) -> str | None:
    """Why a tracker or another client may refuse a file or folder name, or None."""
    if any(ch in REJECTED_CHARACTERS or unicodedata.category(ch) == "Cc" for ch in name):
        return 'has a character Windows and many trackers refuse (<>:"\\|?*)'
    if name != name.strip() or name.endswith("."):
        return "starts or ends with a space, or ends with a dot"
    if len(name.encode("utf-8")) > 255:
        return "is longer than 255 bytes"
    if unicodedata.normalize("NFC", name) != name:
        return "is not in Unicode NFC form (it may not match on other systems)"
    return None


@dataclass
class _Walked:
    files: list[Entry] = field(default_factory=list)
    folders: list[Entry] = field(default_factory=list)
    at_limit: bool = False  # ANALYZE_MAX_ENTRIES or ANALYZE_MAX_SECONDS left folders unlisted
    too_deep: list[str] = field(default_factory=list)  # folders not listed: MAX_DEPTH or MAX_PATH
    links: list[str] = field(default_factory=list)  # links to folders, not followed
    vanished: list[str] = field(default_factory=list)  # listed as folders, gone when listed

    @property
    def truncated(self) -> bool:
        # What a link leads to is left out here, where qBittorrent's creator may take it in:
        # the totals would be too small to plan pieces from (creator.jobs plans only from
        # complete figures).
        return self.at_limit or bool(self.too_deep) or bool(self.links)


def _walk(
    client: QbittorrentClient,
    caps: Capabilities,
    root: str,
    *,
    recursive: bool,
    deadline: float,
    max_entries: int,
    is_link: Callable[[str], bool] | None = None,
) -> _Walked:
    """Every file and folder under `root` as qBittorrent lists them, a few folders at a time.

    qBittorrent lists a link to a folder as a folder: `is_link` (a qBittorrent path -> bool,
    from a path mapping) keeps the walk out of them; without it, MAX_DEPTH ends a loop.
    """
    walked = _Walked()
    pending = [(root, 0)]
    stop = False  # a limit was reached: no more folders are listed
    pool = ThreadPoolExecutor(max_workers=settings.ANALYZE_CONCURRENCY)
    try:
        running = {}
        while pending or running:
            while pending and len(running) < settings.ANALYZE_CONCURRENCY and not stop:
                folder, depth = pending.pop()
                running[pool.submit(list_directory, client, folder, caps)] = (folder, depth)
            if not running:
                break
            done, _ = wait(
                running, timeout=max(0.0, deadline - time.monotonic()), return_when=FIRST_COMPLETED
            )
            if not done:
                walked.at_limit = True
                for future in running:
                    future.cancel()
                break
            for future in done:
                folder, depth = running.pop(future)
                try:
                    entries = future.result()
                except QbittorrentError as error:
                    # qBittorrent moves completed content away: a folder may go mid-walk
                    if error.code != "not_found" or folder == root:
                        raise
                    walked.vanished.append(folder)
                    continue
                for entry in entries:
                    if entry["type"] != "dir":
                        walked.files.append(entry)
                        continue
                    walked.folders.append(entry)
                    if not recursive:
                        continue
                    if is_link is not None and is_link(entry["path"]):
                        walked.links.append(entry["path"])
                    elif depth + 1 > MAX_DEPTH or len(entry["path"]) > paths.MAX_PATH:
                        walked.too_deep.append(entry["path"])
                    else:
                        pending.append((entry["path"], depth + 1))
            if len(walked.files) + len(walked.folders) >= max_entries or (
                time.monotonic() > deadline
            ):
                stop = True
        # at a limit, only folders left unlisted make the figures partial
        walked.at_limit = walked.at_limit or bool(pending)
    finally:
        # At the time limit, listings still running are not waited for (each may take up to
        # the instance's timeout): their threads end on their own.
        pool.shutdown(wait=not walked.at_limit, cancel_futures=True)
    return walked


def _sizes_from_torrents(client: QbittorrentClient, path: str, wanted: set[str]) -> dict[str, int]:
    """Sizes of `wanted` files from torrents qBittorrent has whose content overlaps `path`."""
    sizes: dict[str, int] = {}
    for torrent in client.torrents():
        try:
            content = paths.normalize(torrent.get("content_path") or "/")
            if not (paths.is_within(content, path) or paths.is_within(path, content)):
                continue
            save_path = paths.normalize(torrent["save_path"])
        except paths.PathError:
            continue  # another torrent's odd path (a control character) is not this content's
        try:
            items = client.torrent_files(torrent["hash"])
        except QbittorrentError as error:
            if error.code != "not_found":
                raise
            continue  # removed since torrents/info answered
        for item in items:
            try:
                file_path = paths.normalize(paths.join(save_path, item["name"]))
            except paths.PathError:
                continue
            if file_path in wanted:
                sizes[file_path] = int(item["size"])
        if len(sizes) == len(wanted):
            break
    return sizes


def _on_host(instance: Instance, qbt_path: str) -> str | None:
    """`qbt_path` on this host through a path mapping, kept (as local mode keeps it) from
    leading out of the mapped folders through a link; None when it is not there."""
    from browser.local import mapped_host_path  # (browser.local builds on this module)

    try:
        host_path = mapped_host_path(instance, qbt_path)
    except ServiceError:
        return None
    return host_path if host_path is not None and os.path.exists(host_path) else None


def _local_sizes(instance: Instance, files: list[Entry]) -> dict[str, int] | None:
    """Sizes of `files` seen through a path mapping, or None unless every one is seen (a link
    out of the mapped folders is not: its size would tell of a file elsewhere)."""
    sizes = {}
    for entry in files:
        host_path = _on_host(instance, entry["path"])
        try:
            sizes[entry["path"]] = os.stat(host_path).st_size
        except (OSError, TypeError):
            return None
    return sizes


def _link_check(instance: Instance) -> Callable[[str], bool]:
    """A qBittorrent path -> whether it is a link on this host (seen through a path mapping)."""

    def is_link(qbt_path: str) -> bool:
        host_path = paths.to_host(qbt_path, instance.mappings)
        return host_path is not None and os.path.islink(host_path)

    return is_link


def _local_hidden(host_root: str, instance: Instance, deadline: float) -> list[str]:
    """Hidden files and folders under `host_root`, as qBittorrent paths. They are looked for
    until `deadline` and among ANALYZE_MAX_ENTRIES names at most."""
    hidden = []
    seen = 0
    if os.path.isdir(host_root):
        for directory, dirnames, filenames in os.walk(host_root):
            seen += len(filenames) + len(dirnames)
            if seen > settings.ANALYZE_MAX_ENTRIES or time.monotonic() > deadline:
                break
            for name in filenames + dirnames:
                if paths.is_hidden(name):
                    host_file = os.path.join(directory, name)
                    hidden.append(paths.to_qbt(host_file, instance.mappings) or host_file)
            dirnames[:] = [d for d in dirnames if not paths.is_hidden(d)]
    return hidden


def _single_file(client: QbittorrentClient, caps: Capabilities, qbt_path: str) -> Entry | None:
    folder = paths.parent(qbt_path)
    if folder is None:
        return None
    try:
        siblings = list_directory(client, folder, caps)
    except QbittorrentError as error:
        if error.code == "not_found":
            return None
        raise
    return next((e for e in siblings if e["path"] == qbt_path and e["type"] == "file"), None)


def _target(*, user, path: str, instance_id: int | None):
    instance = instance_get(user=user, instance_id=instance_id)
    client = client_for(instance)
    caps = browse_capabilities(client)  # before confining: see there
    roots = allowed_roots(instance, client)
    return instance, client, caps, confine(path, roots)


def _examine(client, caps, qbt_path: str):
    """("dir", entries) or ("file", [entry]); ServiceError 404 when it is neither."""
    try:
        return "dir", list_directory(client, qbt_path, caps)
    except QbittorrentError as error:
        if error.code != "not_found":
            raise
    entry = _single_file(client, caps, qbt_path)
    if entry is None:
        raise ServiceError(
            f"Nothing exists at {qbt_path} (as qBittorrent sees it).",
            code="not_found",
            field="path",
            status=404,
        )
    return "file", [entry]


def analyze(
    *,
    user,
    path: str,
    instance_id: int | None = None,
    include_size: bool = True,
    recursive: bool = True,
) -> Analysis:
    """Totals, largest files, kinds, hidden files and warnings for a folder or a file."""
    started = time.monotonic()
    instance, client, caps, qbt_path = _target(user=user, path=path, instance_id=instance_id)
    requests_before = client.requests_made
    deadline = started + settings.ANALYZE_MAX_SECONDS
    host_root = _on_host(instance, qbt_path)
    kind, top = _examine(client, caps, qbt_path)
    if kind == "file":
        walked = _Walked(files=top)
    else:
        walked = _walk(
            client,
            caps,
            qbt_path,
            recursive=recursive,
            deadline=deadline,
            max_entries=settings.ANALYZE_MAX_ENTRIES,
            is_link=_link_check(instance) if host_root is not None else None,
        )
    files, folders = walked.files, walked.folders
    result = Analysis(
        instance=instance,
        path=qbt_path,
        type=kind,
        files=len(files),
        folders=len(folders),
        truncated=walked.truncated,
    )

    sizes: dict[str, int] = {}
    if include_size:
        if caps.with_metadata:
            sizes, result.size_source = {e["path"]: e["size"] for e in files}, "qbittorrent"
        else:
            wanted = {e["path"] for e in files}
            from_torrents = _sizes_from_torrents(client, qbt_path, wanted) if wanted else {}
            local_sizes = None
            if wanted and len(from_torrents) < len(wanted) and host_root is not None:
                local_sizes = _local_sizes(instance, files)
            if wanted and len(from_torrents) == len(wanted):
                sizes, result.size_source = from_torrents, "torrent"
            elif local_sizes is not None:
                sizes, result.size_source = local_sizes, "local"
            elif files:
                result.size_unknown_reason = (
                    f"qBittorrent {caps.app_version} does not give file sizes (5.2 does), it has "
                    "no torrent of this content, and no path mapping shows it on this server."
                )
        if sizes or not files:
            result.total_size = sum(sizes.values())
    else:
        result.size_unknown_reason = SIZES_NOT_ASKED

    ordered = sorted(files, key=lambda e: -(sizes.get(e["path"]) or 0))
    result.largest = [
        FileInfo(e["path"], e["name"], sizes.get(e["path"])) for e in ordered[:LARGEST_SHOWN]
    ]
    result.file_sizes = [sizes[e["path"]] for e in files if e["path"] in sizes]
    counts = Counter(kind_of(e["name"]) for e in files)
    result.kinds = [
        KindInfo(
            kind=k,
            files=n,
            size=sum(sizes[e["path"]] for e in files if kind_of(e["name"]) == k) if sizes else None,
        )
        for k, n in counts.most_common()
    ]
    if host_root is not None:
        hidden = _local_hidden(host_root, instance, deadline)
        result.hidden_known, result.hidden_files = True, hidden[:EXAMPLES_SHOWN]
        if hidden:
            result.hidden_note = (
                ngettext(
                    "{count} hidden file or folder will be left out: ",
                    "{count} hidden files or folders will be left out: ",
                    len(hidden),
                ).format(count=len(hidden))
                + "qBittorrent skips names starting with a dot."
            )
    else:
        result.hidden_note = (
            "qBittorrent does not list hidden files; a path mapping to this "
            "content would let the app show which ones it will leave out."
        )
    result.warnings = _warnings(result, walked, sizes)
    result.elapsed_s = round(time.monotonic() - started, 3)
    result.qbittorrent_requests = client.requests_made - requests_before
    return result


def content_now(
    instance: Instance, qbt_path: str, *, seconds: float, itself: bool = False
) -> tuple[str, list[Entry]] | None:
    """("file" or "dir", every file and folder) of a torrent's source as qBittorrent lists it
    now, with sizes and modification times; None when this qBittorrent lists neither (before
    5.2) or a limit (`seconds`, ANALYZE_MAX_ENTRIES) cut the walk short. For checks after the
    fact, in a worker: the path was confined to the user's roots when the job was submitted.
    ServiceError 404 when it is gone. `itself`: with the folder's own entry."""
    client = client_for(instance)
    caps = browse_capabilities(client)
    if not caps.with_metadata:
        return None
    kind, top = _examine(client, caps, qbt_path)
    if kind == "file":
        return kind, top
    walked = _walk(
        client,
        caps,
        qbt_path,
        recursive=True,
        deadline=time.monotonic() + seconds,
        max_entries=settings.ANALYZE_MAX_ENTRIES,
        is_link=_link_check(instance) if _on_host(instance, qbt_path) is not None else None,
    )
    if walked.truncated:
        return None
    folder = []
    if itself:  # its time changes when a file right in it is added or removed
        parent = paths.parent(qbt_path)
        siblings = list_directory(client, parent, caps) if parent is not None else []
        folder = [e for e in siblings if e["path"] == qbt_path and e["type"] == "dir"]
    return kind, [*folder, *walked.files, *walked.folders]


def _shown(items: list[str]) -> str:
    return "; ".join(items[:5]) + ("…" if len(items) > 5 else "")


def _warnings(result: Analysis, walked: _Walked, sizes: dict[str, int]) -> list[Warning]:
    files, folders = walked.files, walked.folders
    warnings = []
    if not files:
        warnings.append(
            Warning(
                "empty",
                "There are no files here qBittorrent can see: a torrent needs at least one.",
            )
        )
    elif result.total_size == 0 and not result.truncated:
        warnings.append(
            Warning(
                "zero_size",
                "Every file here is empty (0 bytes): qBittorrent cannot make a torrent of no data.",
            )
        )
    if len(files) > MANY_FILES:
        warnings.append(
            Warning(
                "many_files",
                f"{len(files):,} files: the .torrent will be "
                f"large and some trackers limit the number of files.",
            )
        )
    if len(sizes) >= 100:
        small = sum(1 for size in sizes.values() if size < SMALL_FILE_BYTES)
        if small > len(sizes) / 2 and statistics.median(sizes.values()) < SMALL_FILE_BYTES:
            warnings.append(
                Warning(
                    "small_files",
                    f"{small:,} of {len(sizes):,} files are under "
                    "64 KiB: consider packing them into an archive.",
                )
            )
    bad = []
    # the analysed folder's own name too: it becomes the torrent's name
    for item_path in dict.fromkeys([result.path, *(e["path"] for e in (*files, *folders))]):
        problem = name_problem(paths.basename(item_path))
        if problem:
            bad.append(f"{item_path} {problem}")
    if bad:
        words = ngettext(
            "{count} name may be refused: ", "{count} names may be refused: ", len(bad)
        )
        warnings.append(Warning("names", words.format(count=len(bad)) + _shown(bad)))
    if walked.vanished:
        warnings.append(
            Warning(
                "vanished",
                ngettext(
                    "{count} folder was gone when listed (qBittorrent may have moved it) and is "
                    "left out: ",
                    "{count} folders were gone when listed (qBittorrent may have moved them) and "
                    "are left out: ",
                    len(walked.vanished),
                ).format(count=len(walked.vanished))
                + _shown(walked.vanished),
            )
        )
    if walked.links:
        warnings.append(
            Warning(
                "links",
                ngettext(
                    "{count} folder is a link to another folder and was not looked into ",
                    "{count} folders are links to other folders and were not looked into ",
                    len(walked.links),
                ).format(count=len(walked.links))
                + f"(a link can lead back to the folder holding it): {_shown(walked.links)}",
            )
        )
    if walked.too_deep:
        warnings.append(
            Warning(
                "too_deep",
                f"The analysis looks no deeper than {MAX_DEPTH} folders or {paths.MAX_PATH:,} "
                "characters (a link to a folder holding it makes an endless path): the "
                f"figures are partial. Not looked into: {_shown(walked.too_deep)}",
            )
        )
    if walked.at_limit:
        warnings.append(
            Warning(
                "truncated",
                "The analysis stopped at its limit "
                f"({settings.ANALYZE_MAX_ENTRIES:,} entries or "
                f"{settings.ANALYZE_MAX_SECONDS} s): the figures are partial.",
            )
        )
    if result.size_unknown_reason not in (None, SIZES_NOT_ASKED) and files:
        warnings.append(Warning("size_unknown", result.size_unknown_reason))
    return warnings


@dataclass(frozen=True)
class Scan:
    instance: Instance
    path: str
    usable: bool
    type: str | None
    reason: str | None
    files: int  # at the top level
    folders: int
    size: int | None  # a single file's size, or a folder's top-level files when known


def scan(*, user, path: str, instance_id: int | None = None) -> Scan:
    """Whether `path` can be a torrent's source: exists, a file or a folder with files, allowed."""
    instance, client, caps, qbt_path = _target(user=user, path=path, instance_id=instance_id)
    try:
        kind, entries = _examine(client, caps, qbt_path)
    except ServiceError as error:
        if error.code != "not_found":
            raise
        return Scan(instance, qbt_path, False, None, error.message, 0, 0, None)
    files = [e for e in entries if e["type"] == "file"]
    folders = [e for e in entries if e["type"] == "dir"]
    known = [e["size"] for e in files if e["size"] is not None]
    size = sum(known) if files and len(known) == len(files) else None
    reason = None
    if kind == "file" and size == 0:
        reason = ZERO_SIZE_REASON.format(what="This file is")
    elif kind == "dir":
        held = _holds_data(client, caps, entries)
        if held == "nothing":
            reason = (
                "This folder holds no files qBittorrent can see (hidden files are not listed): "
                "a torrent needs at least one."
            )
        elif held == "empty_files":
            reason = ZERO_SIZE_REASON.format(what="Every file here is")
    return Scan(instance, qbt_path, reason is None, kind, reason, len(files), len(folders), size)


def _holds_data(client, caps, entries: list[Entry], budget: int = 200) -> str:
    """What a folder's `entries` and sub-folders hold: "data" (a file of some or unknown
    size), "empty_files" (only files known to be 0 bytes) or "nothing". Sub-folders are listed,
    at most `budget` of them, until a file that may hold data is found."""
    pending = []
    seen_file = False
    while True:
        for entry in entries:
            if entry["type"] == "dir":
                pending.append(entry["path"])
            elif entry["size"] != 0:  # None: the size is not known (before 5.2)
                return "data"
            else:
                seen_file = True
        if not pending:
            return "empty_files" if seen_file else "nothing"
        if budget <= 0:
            return "data"  # out of budget: give the benefit of the doubt
        budget -= 1
        try:
            entries = list_directory(client, pending.pop(), caps)
        except QbittorrentError as error:
            if error.code != "not_found":
                raise
            entries = []  # gone since its folder was listed (qBittorrent moving content)
