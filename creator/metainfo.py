"""Reading and adjusting .torrent files (BEP 3, BEP 52). Pure: no Django.

The info dictionary is kept as the exact bytes it was read from, so that changes outside it
(creation date, created by) never move the info hash, and the hash is computed over what the
file really holds.
"""

import hashlib
import os
from dataclasses import dataclass, replace
from urllib.parse import quote


class MetainfoError(ValueError):
    """Bytes that are not a readable .torrent."""


# --- bencode -------------------------------------------------------------------------------


def _decode(data: bytes, at: int, spans: dict | None):
    kind = data[at : at + 1]
    if kind == b"i":
        end = data.index(b"e", at)
        return int(data[at + 1 : end]), end + 1
    if kind == b"l":
        at += 1
        items = []
        while data[at : at + 1] != b"e":
            item, at = _decode(data, at, None)
            items.append(item)
        return items, at + 1
    if kind == b"d":
        at += 1
        result = {}
        while data[at : at + 1] != b"e":
            key, at = _decode(data, at, None)
            if not isinstance(key, bytes):
                raise MetainfoError("a dictionary key is not a string")
            start = at
            result[key], at = _decode(data, at, None)
            if spans is not None:
                spans[key] = (start, at)
        return result, at + 1
    if kind.isdigit():
        colon = data.index(b":", at)
        length = int(data[at:colon])
        start = colon + 1
        if start + length > len(data):
            raise MetainfoError("a string in it runs past the end")
        return data[start : start + length], start + length
    if not kind:
        raise MetainfoError(f"it ends early (at byte {at:,})")
    raise MetainfoError(f"byte {at:,} (0x{kind[0]:02x}) is not bencoded data")


def _undecodable(exc: Exception) -> str:
    """Why bencoded data could not be read, in words (a MetainfoError says it already)."""
    if isinstance(exc, MetainfoError):
        return str(exc)
    if isinstance(exc, RecursionError):
        return "its lists or dictionaries nest too deep"
    return "it is not bencoded data"


def bdecode(data: bytes):
    """The value bencoded in `data`; MetainfoError when it is not exactly one value."""
    try:
        value, end = _decode(data, 0, None)
    except (ValueError, IndexError, RecursionError) as exc:
        raise MetainfoError(_undecodable(exc)) from None
    if end != len(data):
        raise MetainfoError("bytes follow the end of its bencoded data")
    return value


def bencode(value) -> bytes:
    out: list[bytes] = []
    _encode(value, out.append)
    return b"".join(out)


def _encode(value, put) -> None:
    # Exact types first: a folder of thousands of files is a dict or list per file.
    kind = type(value)
    if kind is bytes:
        put(b"%d:" % len(value))
        put(value)
    elif kind is int:
        put(b"i%de" % value)
    elif kind is dict:
        put(b"d")
        for key, item in sorted(
            (k.encode() if isinstance(k, str) else k, v) for k, v in value.items()
        ):
            put(b"%d:" % len(key))
            put(key)
            _encode(item, put)
        put(b"e")
    elif kind is list or kind is tuple:
        put(b"l")
        for item in value:
            _encode(item, put)
        put(b"e")
    elif isinstance(value, bool):
        raise TypeError("booleans have no bencoding")
    elif isinstance(value, str):
        _encode(value.encode(), put)
    elif isinstance(value, bytes):
        _encode(bytes(value), put)
    elif isinstance(value, int):
        _encode(int(value), put)
    elif isinstance(value, list | tuple):
        _encode(list(value), put)
    elif isinstance(value, dict):
        _encode(dict(value), put)
    else:
        raise TypeError(f"cannot bencode {type(value).__name__}")


# --- reading -------------------------------------------------------------------------------


@dataclass(frozen=True)
class TorrentFile:
    path: str
    size: int


@dataclass(frozen=True)
class TorrentLink:
    """A symlink the torrent asks clients to make (BEP 47 attr "l"): no content of its own."""

    path: str
    target: str  # from the torrent's top, as libtorrent shows it ("Folder/real.bin")


@dataclass(frozen=True)
class Metainfo:
    name: str
    info_hash_v1: str | None  # hex; None for a pure v2 torrent
    info_hash_v2: str | None  # hex (full SHA-256); None for a v1 torrent
    total_size: int
    files: tuple[TorrentFile, ...]
    piece_size: int
    piece_count: int
    private: bool
    source: str
    comment: str
    created_by: str
    creation_date: int | None
    trackers: tuple[tuple[str, ...], ...]  # tiers
    web_seeds: tuple[str, ...]
    torrent_size: int
    links: tuple[TorrentLink, ...] = ()  # not in `files`: they hold no bytes

    @property
    def format(self) -> str:
        if self.info_hash_v1 and self.info_hash_v2:
            return "hybrid"
        return "v2" if self.info_hash_v2 else "v1"

    @property
    def file_count(self) -> int:
        return len(self.files)

    def without_trackers(self, urls: set[str]) -> "Metainfo":
        """The same torrent without the given announce URLs (those holding secrets)."""
        kept = tuple(tuple(u for u in tier if u not in urls) for tier in self.trackers)
        return replace(self, trackers=tuple(tier for tier in kept if tier))

    @property
    def magnet(self) -> str:
        """A magnet link (BEP 9, with BEP 52's btmh for v2): hashes, name, trackers."""
        parts = []
        if self.info_hash_v1:
            parts.append(f"xt=urn:btih:{self.info_hash_v1}")
        if self.info_hash_v2:
            parts.append(f"xt=urn:btmh:1220{self.info_hash_v2}")
        parts.append(f"dn={quote(self.name, safe='')}")
        parts += [f"tr={quote(url, safe='')}" for tier in self.trackers for url in tier]
        return "magnet:?" + "&".join(parts)


def _text(value, default: str = "") -> str:
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    return default


# BitComet marked its pad files by name before BEP 47's attr "p" existed.
BITCOMET_PAD_MARK = b"_____padding_file_"


def path_of(entry: dict) -> list[bytes]:
    """A v1 "files" entry's path elements as libtorrent takes them: "path.utf-8" when there is
    one (clients that wrote "path" in their own code page, old Windows ones, put the UTF-8
    spelling there), else "path"."""
    utf8 = entry.get(b"path.utf-8")
    return utf8 if isinstance(utf8, list) and utf8 else entry[b"path"]


def is_pad_file(entry: dict) -> bool:
    """Whether an entry of a v1 "files" list is padding (zeros, never on disk), as libtorrent
    decides: attr "p" (BEP 47), or BitComet's mark anywhere in its path.

    libtorrent (torrent_info.cpp, extract_single_file) looks for the mark in the whole path,
    the torrent's name included; we look below the name only, so a torrent whose name holds the
    mark is not read as padding from end to end.
    """
    return b"p" in entry.get(b"attr", b"") or any(BITCOMET_PAD_MARK in p for p in path_of(entry))


def link_target(entry: dict) -> list[bytes] | None:
    """Where a symlink entry (a v1 "files" entry or a v2 leaf) points, as path elements below
    the torrent's name; None for a file. libtorrent takes attr "l" as a link only with a
    "symlink path", drops "." and ".." from it, and counts no bytes for the entry (BEP 47)."""
    target = entry.get(b"symlink path")
    if b"l" not in entry.get(b"attr", b"") or not isinstance(target, list):
        return None
    return [p for p in target if p not in (b".", b"..")]


def _v2_files(
    tree: dict, prefix: tuple[str, ...], files: list[TorrentFile], links: list[TorrentLink]
) -> None:
    for name, node in tree.items():
        if name == b"":  # a file's leaf: {"": {"length": ..., "pieces root": ...}}
            target = link_target(node)
            if target is not None:
                links.append(TorrentLink("/".join(prefix), _link_text(prefix, target)))
            else:
                files.append(TorrentFile("/".join(prefix), int(node.get(b"length", 0))))
        else:
            _v2_files(node, (*prefix, _text(name)), files, links)


def _link_text(prefix: tuple[str, ...], target: list[bytes]) -> str:
    # A link's target is relative to the torrent's top folder, whose name starts every path.
    return "/".join([*prefix[:1], *(_text(p) for p in target)])


def is_private(info: dict) -> bool:
    """libtorrent's reading of the private flag: any integer but 0 (a string is not one)."""
    flag = info.get(b"private")
    return isinstance(flag, int) and flag != 0


def read(data: bytes) -> Metainfo:
    """Everything a user checks about a .torrent, from its bytes."""
    try:
        return _read(data)
    except MetainfoError:
        raise
    except (KeyError, TypeError, AttributeError, ValueError, ZeroDivisionError) as exc:
        raise MetainfoError(f"it is not well-formed ({type(exc).__name__})") from None


def _read(data: bytes) -> Metainfo:
    spans: dict = {}
    try:
        top, end = _decode(data, 0, spans)
    except (ValueError, IndexError, RecursionError) as exc:
        raise MetainfoError(_undecodable(exc)) from None
    if end != len(data) or not isinstance(top, dict) or b"info" not in top:
        raise MetainfoError("it has no info dictionary")
    info = top[b"info"]
    if not isinstance(info, dict):
        raise MetainfoError("its info entry is not a dictionary")
    start, stop = spans[b"info"]
    raw_info = data[start:stop]
    version = info.get(b"meta version")
    is_v2 = version == 2
    is_v1 = b"pieces" in info
    if not (is_v1 or is_v2):
        raise MetainfoError("the info dictionary has neither v1 pieces nor a v2 file tree")
    # libtorrent shows name.utf-8 when there is one: clients that wrote "name" in their own
    # code page (old Windows ones) put the UTF-8 spelling there.
    name = _text(info.get(b"name.utf-8")) or _text(info.get(b"name"))
    # libtorrent refuses a torrent without a name, and a single file's that is no name; a
    # folder's it makes up
    no_name = b"name" not in info and b"name.utf-8" not in info
    if no_name or (name in ("", ".", "..") and b"length" in info):
        raise MetainfoError("it has no name")
    piece_size = info.get(b"piece length")
    if not isinstance(piece_size, int) or piece_size <= 0:
        raise MetainfoError("its piece length is missing or not a positive number")
    files: list[TorrentFile] = []
    links: list[TorrentLink] = []
    # Paths include the torrent's name as their first folder, as clients lay files out.
    if is_v1:
        if b"files" in info:
            for f in info[b"files"]:
                parts = (name, *(_text(p) for p in path_of(f)))
                target = link_target(f)
                if target is not None:
                    links.append(TorrentLink("/".join(parts), _link_text(parts, target)))
                elif not is_pad_file(f):
                    files.append(TorrentFile("/".join(parts), int(f[b"length"])))
        else:
            files.append(TorrentFile(name, int(info.get(b"length", 0))))
        piece_count = len(info[b"pieces"]) // 20
        # libtorrent refuses hashes for another size (pad files count; an entry marked as a
        # link does not, even without a target)
        if b"files" in info:
            stream = sum(
                int(f[b"length"]) for f in info[b"files"] if b"l" not in f.get(b"attr", b"")
            )
        else:
            stream = int(info.get(b"length", 0))
        if len(info[b"pieces"]) % 20 or piece_count != -(-stream // piece_size):
            raise MetainfoError("its number of piece hashes does not match its size")
    else:
        tree = info.get(b"file tree", {})
        single = len(tree) == 1 and b"" in next(iter(tree.values()), {})
        _v2_files(tree, () if single else (name,), files, links)
        piece_count = sum(-(-f.size // piece_size) for f in files)
    if any(f.size < 0 for f in files):
        raise MetainfoError("a file's length is negative")
    tiers: list[tuple[str, ...]] = []
    for tier in top.get(b"announce-list", []) or []:
        urls = tuple(_text(u) for u in tier if isinstance(u, bytes))
        if urls:
            tiers.append(urls)
    if not tiers and isinstance(top.get(b"announce"), bytes):
        tiers.append((_text(top[b"announce"]),))
    seeds = top.get(b"url-list", [])
    web_seeds = (_text(seeds),) if isinstance(seeds, bytes) else tuple(_text(s) for s in seeds)
    source = _text(info.get(b"source"))
    # libtorrent (load_torrent.cpp) prefers a non-empty comment.utf-8, as for the name
    comment = _text(top.get(b"comment.utf-8")) or _text(top.get(b"comment"))
    created_by = _text(top.get(b"created by"))
    # These texts become a job's name, trackers and answers: no JSON answer of ours and no
    # PostgreSQL text or JSON column holds NUL (and no file system names a file with it).
    texts = (
        name,
        *(f.path for f in files),
        *(t for link in links for t in (link.path, link.target)),
        *(url for tier in tiers for url in tier),
        *web_seeds,
        source,
        comment,
        created_by,
    )
    if any("\x00" in text for text in texts):
        raise MetainfoError("its name, a file's path or another of its texts holds a NUL character")
    return Metainfo(
        name=name,
        info_hash_v1=hashlib.sha1(raw_info).hexdigest() if is_v1 else None,  # noqa: S324
        info_hash_v2=hashlib.sha256(raw_info).hexdigest() if is_v2 else None,
        total_size=sum(f.size for f in files),
        files=tuple(files),
        piece_size=piece_size,
        piece_count=piece_count,
        private=is_private(info),
        source=source,
        comment=comment,
        created_by=created_by,
        creation_date=top.get(b"creation date")
        if isinstance(top.get(b"creation date"), int)
        else None,
        trackers=tuple(tiers),
        web_seeds=tuple(s for s in web_seeds if s),
        torrent_size=len(data),
        links=tuple(links),
    )


# --- adjusting -------------------------------------------------------------------------------


def without_fields(data: bytes, *, creation_date: bool = False, created_by: bool = False) -> bytes:
    """The .torrent without its creation date and/or "created by": the info hash is unchanged
    because both live outside the info dictionary."""
    top = bdecode(data)
    if creation_date:
        top.pop(b"creation date", None)
    if created_by:
        top.pop(b"created by", None)
    return _with_info_bytes(top, data)


def with_entropy(data: bytes, *, entropy: bytes | None = None) -> bytes:
    """The .torrent with a random `entropy` key in its info dictionary: a new info hash for the
    same content and pieces (for cross-seeding, so two trackers' torrents differ)."""
    top = bdecode(data)
    top[b"info"][b"entropy"] = entropy if entropy is not None else os.urandom(16).hex().encode()
    return bencode(top)


def set_trackers(top: dict, tiers: list[list[str]]) -> None:
    """Writes tiers (no blanks, no empty tiers) into a torrent's top dictionary: `announce` is
    the first URL, and `announce-list` holds the tiers when there is more than one URL."""
    top.pop(b"announce", None)
    top.pop(b"announce-list", None)
    urls = [url for tier in tiers for url in tier]
    if urls:
        top[b"announce"] = urls[0].encode()
    if len(urls) > 1:
        top[b"announce-list"] = [[url.encode() for url in tier] for tier in tiers]


def set_web_seeds(top: dict, web_seeds: list[str]) -> None:
    """Writes web seeds into a torrent's top dictionary: one URL as a string, more as a list."""
    top.pop(b"url-list", None)
    seeds = [url.encode() for url in web_seeds if url]
    if seeds:
        top[b"url-list"] = seeds[0] if len(seeds) == 1 else seeds


def _with_info_bytes(top: dict, original: bytes) -> bytes:
    """Re-encodes `top` keeping the original info dictionary's bytes verbatim."""
    spans: dict = {}
    _decode(original, 0, spans)
    start, stop = spans[b"info"]
    placeholder = b"\x00torrentsmith-info\x00"
    top = dict(top)
    top[b"info"] = placeholder
    encoded = bencode(top)
    marker = bencode(placeholder)
    return encoded.replace(marker, original[start:stop], 1)


def edited(
    data: bytes,
    *,
    trackers: list[list[str]] | None = None,
    web_seeds: list[str] | None = None,
    comment: str | None = None,
    source: str | None = None,
    private: bool | None = None,
) -> bytes:
    """A new .torrent from `data` with other trackers, web seeds, comment, source or private
    flag, without hashing the content again.

    Trackers, web seeds and the comment live outside the info dictionary: changing them keeps
    the info hash. The source and the private flag live inside it: changing them gives a new
    info hash, which is what cross-seeding to another tracker needs.
    """
    top = bdecode(data)
    info_changed = False
    if trackers is not None:
        tiers = [[url for url in tier if url] for tier in trackers]
        set_trackers(top, [tier for tier in tiers if tier])
    if web_seeds is not None:
        set_web_seeds(top, web_seeds)
    if comment is not None:
        top.pop(b"comment", None)
        top.pop(b"comment.utf-8", None)  # clients would show it instead of the new comment
        if comment:
            top[b"comment"] = comment.encode()
    info = top[b"info"]
    if source is not None and info.get(b"source", b"") != source.encode():
        info.pop(b"source", None)
        if source:
            info[b"source"] = source.encode()
        info_changed = True
    if private is not None and is_private(info) != private:
        info.pop(b"private", None)
        if private:
            info[b"private"] = 1
        info_changed = True
    return bencode(top) if info_changed else _with_info_bytes(top, data)
