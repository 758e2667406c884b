"""Paths as qBittorrent sees them, and this host's paths: normalising, confining, mapping. Pure.

qBittorrent paths are absolute POSIX paths (`/data/movies`) or, on a Windows host, drive paths
(`D:/movies`; qBittorrent may answer with backslashes). They are normalised lexically: a `..`
is resolved against the text, because the app cannot see qBittorrent's symlinks. A backslash
separates names only in a drive path: on a POSIX host it is an ordinary character of a name.
"""

import re
import unicodedata
from dataclasses import dataclass

_DRIVE = re.compile(r"^[A-Za-z]:$")
_DRIVE_PATH = re.compile(r"^[A-Za-z]:(?:[\\/]|$)")
MAX_PATH = 4096  # Linux's PATH_MAX, and what a job's source path column holds


class PathError(ValueError):
    """A path that cannot be used; `code` says why (`invalid`, `relative`, `outside_roots`)."""

    def __init__(self, message: str, *, code: str = "invalid"):
        super().__init__(message)
        self.message = message
        self.code = code


def _slashed(raw: str) -> str:
    """`raw` with "/" as its only separator: a backslash is one only in a Windows drive path."""
    return raw.replace("\\", "/") if _DRIVE_PATH.match(raw) else raw


def _split(raw: str) -> tuple[str, list[str]]:
    """(root, parts) of an absolute path, e.g. ("/", ["data", "tv"]) or ("D:/", ["tv"])."""
    text = _slashed(raw)
    if text.startswith("/"):
        return "/", [p for p in text.split("/") if p]
    head, _, rest = text.partition("/")
    if _DRIVE.match(head) and (rest or text.endswith("/") or text == head):
        return head.upper() + "/", [p for p in rest.split("/") if p]
    raise PathError(f"{raw!r} is not an absolute path.", code="relative")


def normalize(raw: str) -> str:
    """The canonical form of an absolute path: no `.`/`..`, no duplicate or trailing slash."""
    if not isinstance(raw, str) or not raw.strip():
        raise PathError("A path is required.")
    if len(raw) > MAX_PATH:
        raise PathError(f"The path is longer than {MAX_PATH:,} characters, the most any holds.")
    if "\x00" in raw or any(unicodedata.category(ch) in ("Cc", "Cs") for ch in raw):
        raise PathError("The path contains control characters or text that is not Unicode.")
    root, parts = _split(raw)
    stack: list[str] = []
    for part in parts:
        if part == ".":
            continue
        if part == "..":
            if stack:
                stack.pop()
            continue
        stack.append(part)
    return root + "/".join(stack)


def join(directory: str, name: str) -> str:
    return directory + name if directory.endswith("/") else f"{directory}/{name}"


def basename(path: str) -> str:
    return _slashed(path).rstrip("/").rsplit("/", 1)[-1]


def parent(path: str) -> str | None:
    """The directory holding `path`; None for a root (`/`, `D:/`)."""
    root, parts = _split(path)
    if not parts:
        return None
    return root + "/".join(parts[:-1])


def is_within(path: str, root: str) -> bool:
    """Whether normalised `path` is `root` or inside it (a prefix of whole names only)."""
    if path == root:
        return True
    return path.startswith(root if root.endswith("/") else root + "/")


def containing_root(path: str, roots: list[str]) -> str | None:
    """The most specific root that holds `path`, or None."""
    holding = [root for root in roots if is_within(path, root)]
    return max(holding, key=len) if holding else None


def confine(raw: str, roots: list[str]) -> str:
    """`raw` normalised, or PathError(code="outside_roots") when it is outside every root."""
    path = normalize(raw)
    if containing_root(path, roots) is None:
        allowed = ", ".join(roots) or "none"
        raise PathError(
            f"{path} is outside the folders you may browse ({allowed}).", code="outside_roots"
        )
    return path


def top_directory(path: str) -> str:
    """The first directory of a path: `/data` for `/data/downloads/tv`; `/` stays `/`."""
    root, parts = _split(path)
    return root + (parts[0] if parts else "")


@dataclass(frozen=True)
class Crumb:
    name: str
    path: str


def breadcrumbs(path: str, roots: list[str]) -> list[Crumb]:
    """From the root holding `path` down to `path` itself; the root is shown by its full path."""
    root = containing_root(path, roots)
    if root is None:
        return []
    crumbs = [Crumb(name=root, path=root)]
    _, root_parts = _split(root)
    base, parts = _split(path)
    for depth in range(len(root_parts) + 1, len(parts) + 1):
        crumbs.append(Crumb(name=parts[depth - 1], path=base + "/".join(parts[:depth])))
    return crumbs


def parent_within(path: str, roots: list[str]) -> str | None:
    """The parent of `path` if the user may go there, else None (at the top of a root)."""
    up = parent(path)
    if up is None or containing_root(up, roots) is None:
        return None
    return up


def is_hidden(name: str) -> bool:
    return name.startswith(".")


@dataclass(frozen=True)
class PathMapping:
    """One folder as seen on this host (`host_path`) and by qBittorrent (`qbt_path`)."""

    host_path: str
    qbt_path: str


def _translate(path: str, pairs: list[tuple[str, str]]) -> str | None:
    best = None
    for source, target in pairs:
        if is_within(path, source) and (best is None or len(source) > len(best[0])):
            best = (source, target)
    if best is None:
        return None
    source, target = best
    rest = path[len(source) :].lstrip("/")
    return join(target, rest) if rest else target


def to_host(qbt_path: str, mappings: list[PathMapping]) -> str | None:
    """This host's path for a qBittorrent path, by the longest matching mapping; None if none."""
    return _translate(qbt_path, [(m.qbt_path, m.host_path) for m in mappings])


def to_qbt(host_path: str, mappings: list[PathMapping]) -> str | None:
    """qBittorrent's path for a path on this host, by the longest matching mapping."""
    return _translate(host_path, [(m.host_path, m.qbt_path) for m in mappings])
