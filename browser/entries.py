"""A folder's entries: what each one is, building them from qBittorrent's answer, their order.

A listing can hold tens of thousands of entries, and browsing one is measured against
qBittorrent's own answer time (bench/browse.py). So an entry is a plain dict in the shape the
API sends it (orjson writes a listing with no Python work per entry), and where
browser/_listing.c is built (scripts/build-native.sh), it reads qBittorrent's answers into
entries and puts them in natural order. The functions here hold the same rules in Python,
used without it; the tests compare both.
"""

import re
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TypedDict

import orjson

try:
    from browser import _listing
except ImportError:  # not built (no C compiler): the same in Python, slower
    _listing = None

_NATURAL_NUMBER = re.compile(r"\d+")
_LENGTHS = [f"{n:03d}" for n in range(1000)]  # formatting each length took a third of the sort


class Entry(TypedDict):
    """A file or folder of a listing, with the API's keys. Listings are cached and shared:
    an entry is never changed once listed."""

    name: str
    path: str
    type: str  # "dir" or "file"
    size: int | None  # bytes, when qBittorrent (5.2+) or a local mount says
    modified: str | None  # ISO 8601 text in UTC: modified_at reads it
    qbtPath: str | None  # in local mode: the same item as qBittorrent sees it


def make_entry(
    name: str,
    path: str,
    type: str,
    size: int | None = None,
    modified: datetime | None = None,
    qbt_path: str | None = None,
) -> Entry:
    return {
        "name": name,
        "path": path,
        "type": type,
        "size": size,
        "modified": None if modified is None else modified.isoformat(),
        "qbtPath": qbt_path,
    }


def modified_at(listed: Entry) -> datetime | None:
    text = listed["modified"]
    return None if text is None else datetime.fromisoformat(text)


def qbt_entries(answer: bytes, prefix: str) -> list[Entry]:
    """qBittorrent's getDirectoryContent answer with metadata (its JSON text) as entries named
    `prefix` + name, in the order of sort_entries. Raises ValueError for an answer that is not
    JSON or an item it cannot read."""
    if _listing is not None:
        return _listing.qbt_entries(answer, prefix)
    return _sorted(_qbt_entries(answer, prefix))


def _qbt_entries(answer: bytes, prefix: str) -> list[Entry]:
    items = orjson.loads(answer)  # orjson.JSONDecodeError is a ValueError
    if not isinstance(items, list):
        raise ValueError("an answer that is not a list")
    entries = []
    for item in items:
        if not isinstance(item, dict):
            raise ValueError("an entry that is not an object")
        kind = item.get("type")
        if kind != "dir" and kind != "file":
            continue  # qBittorrent gives no type for sockets and the like
        name = item.get("name")
        if not isinstance(name, str):
            raise ValueError("an entry without a name")
        size = item.get("size") if kind == "file" else None
        entries.append(
            {
                "name": name,
                "path": prefix + name,
                "type": "dir" if kind == "dir" else "file",
                "size": size if type(size) is int else None,
                "modified": utc_text(item.get("last_modification_date")),
                "qbtPath": None,
            }
        )
    return entries


def qbt_path_entries(
    folders: bytes, files: bytes, prefix: str, place: Callable[[str], tuple[str, str]]
) -> list[Entry]:
    """qBittorrent 5.0/5.1's getDirectoryContent answers without metadata (the JSON lists of
    the full paths of a folder's folders, and of its files) as entries, in the order of
    sort_entries. A path directly in `prefix` is named by what follows it, any other by
    place(path) -> (name, path). Raises ValueError for an answer that is not JSON or not a
    list of paths."""
    if _listing is not None:
        return _listing.qbt_path_entries(folders, files, prefix, place)
    return _sorted(_qbt_path_entries(folders, files, prefix, place))


def _qbt_path_entries(folders: bytes, files: bytes, prefix: str, place) -> list[Entry]:
    entries = []
    for answer, kind in ((folders, "dir"), (files, "file")):
        listed = orjson.loads(answer)  # orjson.JSONDecodeError is a ValueError
        if not isinstance(listed, list) or not all(isinstance(path, str) for path in listed):
            raise ValueError("not a list of paths")
        for full_path in listed:
            if full_path.startswith(prefix) and "/" not in full_path[len(prefix) :]:
                entries.append(make_entry(full_path[len(prefix) :], full_path, kind))
            else:
                entries.append(make_entry(*place(full_path), kind))
    return entries


def utc_text(seconds) -> str | None:
    """Whole seconds since 1970 as ISO 8601 text in UTC; None for anything else, or outside
    the years a datetime holds (1 to 9999)."""
    if type(seconds) is not int:
        return None
    try:
        return datetime.fromtimestamp(seconds, UTC).isoformat()
    except (OverflowError, ValueError, OSError):
        return None


def _padded_number(match: re.Match) -> str:
    digits = match[0].lstrip("0") or "0"
    n = len(digits)
    # from 1000 on: ":" (above the digits), how many digits the length has, the length
    return (_LENGTHS[n] if n < 1000 else f":{len(str(n))}{n}") + digits


def natural_key(name: str) -> str:
    """Sort key so that `Episode 2` comes before `Episode 10`, ignoring case.

    Each run of digits becomes its length then its digits, so comparing the keys as plain
    strings compares numbers by value: one string per name keeps large folders fast to sort.
    """
    return _NATURAL_NUMBER.sub(_padded_number, name.casefold())


def natural_keys(names: list[str]) -> list[str]:
    """`natural_key` of each name, made in one pass over all of them."""
    text = "\0".join(names)
    if text.count("\0") != len(names) - 1:  # a name holding "\0" (no file system allows it)
        return [natural_key(name) for name in names]
    return _NATURAL_NUMBER.sub(_padded_number, text.casefold()).split("\0")


def sort_entries(entries: list[Entry]) -> list[Entry]:
    """Folders first, then files, each in natural order."""
    if _listing is not None:
        return _listing.natural_order(entries)
    return _sorted(entries)


def _sorted(entries: list[Entry]) -> list[Entry]:
    folders = [e for e in entries if e["type"] == "dir"]
    files = [e for e in entries if e["type"] != "dir"] if folders else entries
    return _natural_order(folders) + _natural_order(files)


def _natural_order(entries: list[Entry]) -> list[Entry]:
    keys = natural_keys([e["name"] for e in entries])
    return [entries[i] for i in sorted(range(len(entries)), key=keys.__getitem__)]
