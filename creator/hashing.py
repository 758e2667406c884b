"""Creating and verifying .torrent files on this host (BEP 3, BEP 47, BEP 52). Pure: no Django.

The info dictionary we write is byte-identical to the one libtorrent 2.1's `create_torrent` makes
for the same files, piece size and format, so a torrent made here and one made with libtorrent from
the same content share their info hashes. (qBittorrent's own creator does not quite use
libtorrent's defaults: it sorts a v1 torrent's files by name and marks no file executable, so its
v1 torrents of a folder, and torrents holding executable files, differ.) The facts that takes, read
from libtorrent's create_torrent.cpp and checked against the installed libtorrent by the tests:

- v1 lists files in the order the file system returns them (readdir, depth first), unpadded.
- v2 and hybrid sort files by path. Hybrid adds a BEP 47 pad file (attr "p", path
  ".pad/<size>") after every non-empty file that does not end on a piece boundary, the last file
  included, but never in a single-file torrent; so every v1 piece of a hybrid torrent holds bytes
  of one file only.
- One deliberate difference: libtorrent sorts by the full path string, where "cover.jpg" comes
  before "cover/x.jpg" ("." < "/"), but its torrent_info requires a hybrid's v1 file list to
  follow the v2 file tree, sorted name by name ("cover" < "cover.jpg"), so it refuses the hybrid
  torrents it makes of such folders ("the v1 and v2 file metadata does not match"). We sort name
  by name: the same bytes as libtorrent whenever its torrent is loadable, and a loadable torrent
  when it is not. (For v2-only the order never reaches the info dict.)
- A file whose owner may execute it gets attr "x"; on POSIX nothing is marked hidden ("h").
- A v2 piece of a file smaller than a piece is the merkle root of its 16 KiB blocks padded to the
  next power of two; otherwise each piece is padded to a full piece of blocks. A file's pieces
  root is the root over its pieces padded with the root of an all-zero piece; files with more
  than one piece get a "piece layers" entry, which is always present (maybe empty) for v2.
- announce is the first tracker, announce-list only appears with two trackers or more, duplicate
  URLs are dropped; url-list is a string for one web seed and a list for more.

Hashing: jobs of about 4 MiB (cut on piece boundaries), sent 32 MiB of them at a time, run in a
pool of hashing processes, one per core, a few batches ahead of the results, so reads stay close to
file order. A process maps the batch it hashes (mmap with MAP_POPULATE, in windows of at most 4
MiB: the hashing reads the page cache itself, where a read would first copy every byte) and returns
digests only. With the CPU's SHA instructions or AVX-512, creator/_multihash hashes several
messages side by side (v1 pieces, v2 blocks, the merkle trees' inner nodes), about twice as fast as
hashlib one at a time; all of a batch's messages go in one call, so a folder of small files keeps
the lanes as busy as a large file. Elsewhere hashlib does it all. The calling process asks the
kernel to read large files a few batches ahead, for content that is not cached. Processes rather
than threads: without the lanes a v2 torrent is one hashlib call per 16 KiB block, and threads
queue for the GIL between those calls. Memory is bounded by the batches in flight whatever the
content size: a hashing process maps 32 MiB and a job at most (a piece, where pieces are larger);
no file is ever held whole. The calling thread stores the digests, reports progress and watches for
cancellation.
"""

import fnmatch
import hashlib
import mmap
import multiprocessing
import os
import re
import stat
import threading
import time
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from typing import Literal, NamedTuple

from config.errors import ServiceError
from creator.metainfo import (
    MetainfoError,
    bdecode,
    bencode,
    is_pad_file,
    link_target,
    path_of,
    set_trackers,
    set_web_seeds,
)

try:
    from creator import _multihash
except ImportError:  # not built (no C compiler where it was installed): hashlib does it all
    _multihash = None

Format = Literal["v1", "v2", "hybrid"]
Progress = Callable[[int, int, str], None]

BLOCK_SIZE = 16 * 1024  # BEP 52: the leaves of a v2 merkle tree hash 16 KiB blocks
MAX_PIECE_SIZE = 128 * 1024 * 1024  # libtorrent refuses larger pieces; clients struggle with them
CHUNK_SIZE = 4 * 1024 * 1024  # one job, and one mapping of a file
BATCH_SIZE = 32 * 1024 * 1024  # jobs sent to a hashing process at once, and mapped together
READ_AHEAD_MIN = 1024 * 1024  # segments read ahead of their hashing; smaller ones are files
HASHING_PROCESSES = len(os.sched_getaffinity(0))  # the cores this process may use (cpusets)
PROGRESS_EVERY_S = 0.25
# The ways creator/_multihash.c hashes several messages side by side on this CPU, fastest
# first, with how many at a time; none where it has neither SHA instructions nor AVX-512, or the
# module was not built, and hashlib does it all.
KERNELS = {
    algorithm: _multihash.kernels(algorithm) if _multihash else []
    for algorithm in ("sha1", "sha256")
}
# Sent with each batch, so tests can run the hashlib path too.
LANES = any(KERNELS.values())
POLL_S = 0.05  # how often the calling thread looks at `cancel`: well inside the 1 s promise

_SHA256_ZERO_SUBTREES: list[bytes] = [bytes(32)]
for _ in range(63):
    _SHA256_ZERO_SUBTREES.append(hashlib.sha256(_SHA256_ZERO_SUBTREES[-1] * 2).digest())
_ZEROS = memoryview(bytes(CHUNK_SIZE))


class HashingError(ServiceError):
    """Why a torrent could not be created or verified, in a sentence for the user."""

    code = "hashing_failed"


# --- the source -----------------------------------------------------------------------------


@dataclass(frozen=True)
class SourceFile:
    parts: tuple[str, ...]  # its path below the torrent's name; () in a single-file torrent
    size: int
    executable: bool
    disk_path: str  # where its bytes are read (an inner symlink's target, resolved)
    modified_ns: int = 0  # its modification time when scanned: a change while hashing shows


@dataclass(frozen=True)
class Source:
    path: str  # the file or folder, absolute
    name: str
    single_file: bool
    files: tuple[SourceFile, ...]  # in the order the file system lists them

    @property
    def total_size(self) -> int:
        return sum(f.size for f in self.files)


def scan_source(
    path: str | os.PathLike[str],
    *,
    exclude: Sequence[str] = (),
    include_hidden: bool = False,
    name: str | None = None,
    tick: Callable[[], None] | None = None,
) -> Source:
    """The files a torrent of `path` (a file or a folder) holds.

    `exclude` holds shell patterns matched, regardless of case, against each file's or folder's
    path below the source and against its name ("*.nfo", "Sample", "extras/*"). Names starting
    with "." are left out unless `include_hidden`. Symlinks are never followed out of the
    source: one to a file inside it is read as that file (libtorrent does the same), one to a
    folder or to anything outside is left out, so a link can neither loop nor leak other files.
    `tick` is called once per folder listed: a scan of a large tree on a slow disk can take
    minutes, and its caller may have to show it is alive (or stop it, by raising).
    """
    root = os.path.abspath(os.fspath(path))
    try:
        root_stat = os.stat(root)
    except FileNotFoundError:
        raise HashingError(f"{shown(root)} does not exist.", code="source_missing") from None
    except OSError as exc:
        raise HashingError(
            f"Cannot read {shown(root)}: {exc.strerror}.", code="source_unreadable"
        ) from None
    torrent_name = os.path.basename(root) if name is None else checked_name(name)
    if not torrent_name:
        raise HashingError("The torrent needs a name.", code="bad_option", field="name")
    if stat.S_ISREG(root_stat.st_mode):
        only = SourceFile(
            (),
            root_stat.st_size,
            _executable(root_stat),
            os.path.realpath(root),
            root_stat.st_mtime_ns,
        )
        return Source(root, torrent_name, True, (only,))
    if not stat.S_ISDIR(root_stat.st_mode):
        raise HashingError(
            f"{shown(root)} is neither a file nor a folder.", code="source_unreadable"
        )
    patterns = [re.compile(fnmatch.translate(p), re.IGNORECASE) for p in exclude if p]
    files: list[SourceFile] = []
    _walk(root, (), os.path.realpath(root), patterns, include_hidden, files, tick)
    return Source(root, torrent_name, False, tuple(files))


def shown(path: str) -> str:
    """A path as messages, progress and reports show it: a name that is not UTF-8 on disk
    (decoded with surrogate escapes) gets U+FFFD where its odd bytes are, as no database or
    JSON answer can hold the escapes themselves."""
    return path.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def checked_name(name: str) -> str:
    """`name` if it can name a torrent (its top folder or its only file), else HashingError."""
    if not name or name in {".", ".."} or "/" in name or "\x00" in name:
        raise HashingError(
            "A torrent name cannot be empty, '.', '..', or hold '/'.",
            code="bad_option",
            field="name",
        )
    return name


def _executable(st: os.stat_result) -> bool:
    return bool(st.st_mode & stat.S_IXUSR)  # libtorrent's test for attr "x"


def _walk(
    folder: str,
    parts: tuple[str, ...],
    root_real: str,
    patterns: list[re.Pattern],
    include_hidden: bool,
    out: list[SourceFile],
    tick: Callable[[], None] | None = None,
) -> None:
    # Depth first, each folder in readdir order and entered when met: libtorrent's v1 order.
    if tick is not None:
        tick()
    try:
        entries = os.scandir(folder)
    except OSError as exc:
        raise HashingError(
            f"Cannot list {shown(folder)}: {exc.strerror}.", code="source_unreadable"
        ) from None
    with entries:
        for entry in entries:
            if not include_hidden and entry.name.startswith("."):
                continue
            inner = (*parts, entry.name)
            relative = "/".join(inner)
            if any(p.match(relative) or p.match(entry.name) for p in patterns):
                continue
            try:
                if entry.is_symlink():
                    target = os.path.realpath(entry.path)
                    if os.path.commonpath([target, root_real]) != root_real:
                        continue
                    try:
                        target_stat = os.stat(target)
                    except OSError:
                        continue  # a dangling link: libtorrent leaves it out too
                    if stat.S_ISREG(target_stat.st_mode):
                        out.append(
                            SourceFile(
                                inner,
                                target_stat.st_size,
                                _executable(target_stat),
                                target,
                                target_stat.st_mtime_ns,
                            )
                        )
                elif entry.is_dir(follow_symlinks=False):
                    _walk(entry.path, inner, root_real, patterns, include_hidden, out, tick)
                elif entry.is_file(follow_symlinks=False):
                    st = entry.stat(follow_symlinks=False)
                    out.append(
                        SourceFile(inner, st.st_size, _executable(st), entry.path, st.st_mtime_ns)
                    )
                # fifos, sockets and devices are not content: reading a fifo would block
            except OSError as exc:
                raise HashingError(
                    f"Cannot read {shown(entry.path)}: {exc.strerror}.", code="source_unreadable"
                ) from None


# --- layout ---------------------------------------------------------------------------------


class _Entry(NamedTuple):  # a tuple: a folder of thousands of files makes one per file
    parts: tuple[bytes, ...]  # below the torrent's name
    size: int
    offset: int  # in the v1 byte stream, pad files included
    disk_path: str | None  # None for a BEP 47 pad file: zeros, never on disk
    executable: bool
    display: str  # "name/dir/file", for progress and messages

    @property
    def is_pad(self) -> bool:
        return self.disk_path is None


def _layout(source: Source, format: Format, piece_size: int) -> list[_Entry]:
    """The files in libtorrent's order for `format`, with its pad files."""
    name = source.name
    files = [(tuple(os.fsencode(p) for p in f.parts), f) for f in source.files]
    if format != "v1":
        files.sort(key=lambda item: item[0])  # name by name: the v2 file tree's order
    # libtorrent pads v2-only torrents too; their pads never reach the info dict, but keep
    # every file piece-aligned so v2 piece numbers match libtorrent's.
    pad = format != "v1" and len(files) > 1
    entries: list[_Entry] = []
    offset = 0
    for parts, f in files:
        display = shown("/".join((name, *f.parts)))
        entries.append(_Entry(parts, f.size, offset, f.disk_path, f.executable, display))
        offset += f.size
        if pad and f.size and offset % piece_size:
            pad_size = piece_size - offset % piece_size
            entries.append(
                _Entry((b".pad", b"%d" % pad_size), pad_size, offset, None, False, f"{name}/.pad")
            )
            offset += pad_size
    return entries


# --- creating -------------------------------------------------------------------------------


def new_entropy() -> bytes:
    """A fresh value for `create(entropy=...)`: 16 random bytes as hex, like metainfo's."""
    return os.urandom(16).hex().encode()


def create(
    source: Source,
    *,
    format: Format,
    piece_size: int,
    trackers: Sequence[Sequence[str]] = (),
    web_seeds: Sequence[str] = (),
    private: bool = False,
    source_tag: str = "",
    comment: str = "",
    created_by: str = "Torrentsmith",
    creation_date: int | None,
    entropy: bytes | None = None,
    progress: Progress | None = None,
    cancel: threading.Event | None = None,
) -> bytes:
    """The .torrent of `source`, hashed on this host.

    `trackers` are tiers of announce URLs; `entropy`, when given, is stored verbatim as the info
    dict's "entropy" key so the same content gets another info hash (cross-seeding).
    `progress(bytes_done, bytes_total, current_file)` is called from this thread at least every
    0.25 s and once at the end; setting `cancel` stops the hashing within a second with a
    HashingError of code "cancelled".
    """
    if format not in ("v1", "v2", "hybrid"):
        raise HashingError(f"Unknown format {format!r}.", code="bad_option", field="format")
    _check_piece_size(format, piece_size)
    tiers = _tiers(trackers)
    if not source.files:
        raise HashingError(
            "There are no files to put in the torrent (all were excluded or hidden).",
            code="source_empty",
        )
    if source.total_size == 0:
        raise HashingError(
            "All the files are empty: a torrent needs at least one byte.", code="source_empty"
        )
    entries = _layout(source, format, piece_size)
    stream_size = entries[-1].offset + entries[-1].size
    v1_pieces = _pieces(stream_size, piece_size) if format != "v2" else 0
    plan = _Plan(
        piece_size,
        entries,
        v1_pieces=v1_pieces,
        v1_from_files=format == "hybrid",
        exact_sizes=True,
    )
    if format == "v1":
        jobs = _stream_jobs(plan, [(0, v1_pieces)])
    else:
        jobs = _file_jobs(plan, [(i, _pieces(e.size, piece_size)) for i, e in enumerate(entries)])
    _execute(plan, jobs, source.total_size, progress, cancel)
    _check_unchanged(source)

    info: dict[bytes, object] = {
        b"name": os.fsencode(source.name),
        b"piece length": piece_size,
    }
    layers: dict[bytes, bytes] = {}
    if format != "v1":
        tree: dict[bytes, dict] = {}
        piece_roots = {i: bytes(roots) for i, roots in plan.v2_roots.items()}
        file_roots = dict(
            zip(piece_roots, _file_roots(list(piece_roots.values()), piece_size), strict=True)
        )
        for index, entry in enumerate(entries):
            if entry.is_pad:
                continue
            leaf: dict[bytes, object] = {b"length": entry.size}
            if entry.executable:
                leaf[b"attr"] = b"x"
            if entry.size:
                root = leaf[b"pieces root"] = file_roots[index]
                if len(piece_roots[index]) > 32:
                    layers[root] = piece_roots[index]
            node = tree
            for part in (os.fsencode(source.name),) if source.single_file else entry.parts:
                node = node.setdefault(part, {})
            node[b""] = leaf
        info[b"file tree"] = tree
        info[b"meta version"] = 2
    if format != "v2":
        if source.single_file:
            info[b"length"] = entries[0].size
            if entries[0].executable:
                info[b"attr"] = b"x"
        else:
            info[b"files"] = [_v1_file(e) for e in entries]
        info[b"pieces"] = bytes(plan.v1_hashes)
    if private:
        info[b"private"] = 1
    if source_tag:
        info[b"source"] = source_tag.encode()
    if entropy is not None:
        info[b"entropy"] = entropy

    torrent: dict[bytes, object] = {b"info": info}
    set_trackers(torrent, tiers)
    if comment:
        torrent[b"comment"] = comment.encode()
    if created_by:
        torrent[b"created by"] = created_by.encode()
    if creation_date is not None:
        torrent[b"creation date"] = creation_date
    if format != "v1":
        torrent[b"piece layers"] = layers
    set_web_seeds(torrent, list(web_seeds))
    return bencode(torrent)


def _check_unchanged(source: Source) -> None:
    """Refuses the torrent when a file was written to while it was hashed: its pieces then
    hash neither the old bytes nor the new ones, and seeding it (as complete, unchecked) would
    send peers bad data. A change of size is caught as each file is read; this catches one
    in place."""
    for f in source.files:
        try:
            st = os.stat(f.disk_path)
        except OSError:
            changed = True
        else:
            changed = st.st_size != f.size or (f.modified_ns and st.st_mtime_ns != f.modified_ns)
        if changed:
            raise HashingError(
                f"{shown('/'.join((source.name, *f.parts)))} changed while the torrent was "
                "being made: make it again once nothing writes to it.",
                code="content_changed",
            )


def _check_piece_size(format: Format, piece_size: int) -> None:
    if not isinstance(piece_size, int) or isinstance(piece_size, bool):
        raise HashingError("The piece size must be a number of bytes.", code="bad_option")
    power_of_two = piece_size > 0 and piece_size & (piece_size - 1) == 0
    if format == "v1":
        # libtorrent's rule for v1: a power of two, or any multiple of 16 KiB
        ok = 0 < piece_size <= MAX_PIECE_SIZE and (power_of_two or piece_size % BLOCK_SIZE == 0)
        rule = "a power of two or a multiple of 16 KiB, at most 128 MiB"
    else:
        ok = power_of_two and BLOCK_SIZE <= piece_size <= MAX_PIECE_SIZE  # BEP 52
        rule = "a power of two from 16 KiB to 128 MiB"
    if not ok:
        raise HashingError(
            f"A {format} piece size must be {rule} (not {piece_size}).",
            code="bad_option",
            field="piece_size",
        )


def _tiers(trackers: Sequence[Sequence[str]]) -> list[list[str]]:
    """Tiers without blanks, empty tiers or URLs already listed (libtorrent drops those)."""
    seen: set[str] = set()
    tiers = []
    for tier in trackers:
        if isinstance(tier, str):
            raise HashingError(
                "Trackers are given as tiers: a list of lists of URLs.", code="bad_option"
            )
        kept = []
        for url in tier:
            if url and url not in seen:
                seen.add(url)
                kept.append(url)
        if kept:
            tiers.append(kept)
    return tiers


def _v1_file(entry: _Entry) -> dict[bytes, object]:
    described: dict[bytes, object] = {b"length": entry.size, b"path": list(entry.parts)}
    if entry.is_pad:
        described[b"attr"] = b"p"
    elif entry.executable:
        described[b"attr"] = b"x"
    return described


def _pieces(size: int, piece_size: int) -> int:
    return -(-size // piece_size)


def _next_power_of_two(n: int) -> int:
    return 1 << max(0, (n - 1).bit_length())


def _file_roots(layers: list[bytes], piece_size: int) -> list[bytes]:
    """Each file's pieces root from its piece layer (its piece roots side by side): the root of
    a one-piece file is its piece's."""
    trees = [(len(layer) // 32, _next_power_of_two(len(layer) // 32)) for layer in layers]
    level = (piece_size // BLOCK_SIZE).bit_length() - 1
    roots = _merkle_roots(trees, b"".join(layers), LANES, level)
    return [roots[i : i + 32] for i in range(0, len(roots), 32)]


# --- the hashing engine ---------------------------------------------------------------------


class _Segment(NamedTuple):
    disk_path: str | None  # None: zeros (a pad file)
    offset: int  # in the file
    length: int
    file_size: int
    display: str


class _Plan:
    """What one run hashes and where the digests go."""

    def __init__(
        self,
        piece_size: int,
        entries: list[_Entry],
        *,
        v1_pieces: int,
        v1_from_files: bool,
        exact_sizes: bool,
    ):
        self.piece_size = piece_size
        self.entries = entries
        self.v1_hashes = bytearray(20 * v1_pieces)
        self.v1_from_files = v1_from_files  # hybrid: file jobs hash v1 pieces as well
        self.exact_sizes = exact_sizes  # creating: a file whose size changed is an error
        self.v2_roots: dict[int, bytearray] = {}


class _StreamJob:
    """v1 pieces [first, end) of the byte stream, across file boundaries. Runs in a hashing
    process: it carries all it needs and returns the digests for `store` to put in place."""

    __slots__ = ("end", "first", "segments")

    def __init__(self, first: int, end: int, segments: list[_Segment]):
        self.first, self.end, self.segments = first, end, segments

    @property
    def size(self) -> int:
        return sum(s.length for s in self.segments if s.disk_path is not None)

    @property
    def display(self) -> str:
        return self.segments[0].display

    def messages(self, piece_size: int, exact_sizes: bool) -> tuple[list, list]:
        """Its pieces for SHA-1, each the list of views holding its bytes (a piece runs across
        files), and no SHA-256 messages."""
        views = (view for s in self.segments for view in _windows(s, exact_sizes))
        return list(_pieces_of(views, piece_size)), []

    def finish(self, sha1s: bytes, roots: bytes) -> bytes:
        assert len(sha1s) == 20 * (self.end - self.first)
        return sha1s

    def store(self, plan: _Plan, digests: bytes) -> None:
        plan.v1_hashes[20 * self.first : 20 * self.end] = digests


class _FileJob:
    """Pieces [first, end) of one file: v2 piece roots, and v1 piece hashes for hybrid."""

    __slots__ = ("end", "first", "index", "pad_after", "segment", "v1_first", "width")

    def __init__(self, plan: _Plan, index: int, first: int, end: int):
        piece_size = plan.piece_size
        entry = plan.entries[index]
        self.index, self.first, self.end = index, first, end
        # A file smaller than a piece is one piece padded to a power of two of blocks only.
        self.width = (
            piece_size // BLOCK_SIZE
            if entry.size >= piece_size
            else _next_power_of_two(-(-entry.size // BLOCK_SIZE))
        )
        start = first * piece_size
        self.segment = _Segment(
            entry.disk_path,
            start,
            min(end * piece_size, entry.size) - start,
            entry.size,
            entry.display,
        )
        # hybrid: where its v1 hashes go, and the zeros of the pad file after it, which fill
        # its last v1 piece
        self.v1_first = entry.offset // piece_size + first if plan.v1_from_files else None
        following = plan.entries[index + 1] if index + 1 < len(plan.entries) else None
        self.pad_after = following.size if following is not None and following.is_pad else 0

    @property
    def segments(self) -> list[_Segment]:
        return [self.segment]

    @property
    def size(self) -> int:
        return self.segment.length

    @property
    def display(self) -> str:
        return self.segment.display

    def messages(self, piece_size: int, exact_sizes: bool) -> tuple[list, list]:
        """For hybrid, its v1 pieces for SHA-1 (the last one followed by the pad file's
        zeros); its v2 pieces, each the list of its 16 KiB blocks for SHA-256."""
        views = list(_windows(self.segment, exact_sizes))
        # windows start on a piece and are whole blocks long, but for the file's end
        blocks = [
            view[at : at + BLOCK_SIZE] for view in views for at in range(0, len(view), BLOCK_SIZE)
        ]
        per_piece = piece_size // BLOCK_SIZE
        v2 = [blocks[at : at + per_piece] for at in range(0, len(blocks), per_piece)]
        if self.v1_first is None:
            return [], v2
        v1 = list(_pieces_of(views, piece_size))
        zeros = self.pad_after if sum(map(len, v1[-1])) < piece_size else 0
        while zeros:
            n = min(zeros, len(_ZEROS))
            v1[-1].append(_ZEROS[:n])
            zeros -= n
        return v1, v2

    def finish(self, sha1s: bytes, roots: bytes) -> tuple[bytes, bytes]:
        assert len(roots) == 32 * (self.end - self.first)
        return roots, sha1s

    def store(self, plan: _Plan, result: tuple[bytes, bytes]) -> None:
        roots, digests = result
        plan.v2_roots[self.index][32 * self.first : 32 * self.end] = roots
        if self.v1_first is not None:
            first = self.v1_first
            plan.v1_hashes[20 * first : 20 * first + len(digests)] = digests


def _stream_jobs(plan: _Plan, runs: list[tuple[int, int]]) -> Iterator[_StreamJob]:
    """Jobs of about CHUNK_SIZE over the v1 pieces in `runs` ([first, end) piece ranges)."""
    piece_size = plan.piece_size
    files = [e for e in plan.entries if e.size]
    starts = [e.offset for e in files]
    stream_end = files[-1].offset + files[-1].size
    per_job = max(1, CHUNK_SIZE // piece_size)
    for run_first, run_end in runs:
        for first in range(run_first, run_end, per_job):
            end = min(first + per_job, run_end)
            low, high = first * piece_size, min(end * piece_size, stream_end)
            segments = []
            at = bisect_right(starts, low) - 1
            while at < len(files) and files[at].offset < high:
                entry = files[at]
                begin = max(low, entry.offset)
                stop = min(high, entry.offset + entry.size)
                if stop > begin:
                    segments.append(
                        _Segment(
                            entry.disk_path,
                            begin - entry.offset,
                            stop - begin,
                            entry.size,
                            entry.display,
                        )
                    )
                at += 1
            yield _StreamJob(first, end, segments)


def _file_jobs(plan: _Plan, readable: list[tuple[int, int]]) -> Iterator[_FileJob]:
    """Jobs of about CHUNK_SIZE over the first `pieces` pieces of each (entry index, pieces);
    pad files and empty files have none."""
    per_job = max(1, CHUNK_SIZE // plan.piece_size)
    for index, pieces in readable:
        entry = plan.entries[index]
        if entry.is_pad or not entry.size:
            continue
        plan.v2_roots[index] = bytearray(32 * _pieces(entry.size, plan.piece_size))
        for first in range(0, pieces, per_job):
            yield _FileJob(plan, index, first, min(first + per_job, pieces))


def _batches(jobs: Iterator) -> Iterator[list]:
    """Consecutive jobs grouped to about BATCH_SIZE each: a folder of small files is sent to
    the hashing processes many files at a time, not a file at a time."""
    batch: list = []
    size = 0
    for job in jobs:
        batch.append(job)
        size += job.size
        if size >= BATCH_SIZE:
            yield batch
            batch, size = [], 0
    if batch:
        yield batch


def _run_batch(batch: list, piece_size: int, exact_sizes: bool, lanes: bool) -> list:
    """In a hashing process: the results of a batch of jobs, in order. Each hash function is
    called once for the whole batch (`lanes`: several messages side by side), which is mapped
    meanwhile: a folder of small files keeps the lanes as busy as a large file."""
    messages = [job.messages(piece_size, exact_sizes) for job in batch]
    sha1s = _digests("sha1", [piece for v1, _ in messages for piece in v1], lanes)
    pieces = [
        (blocks, job.width) for job, (_, v2) in zip(batch, messages, strict=True) for blocks in v2
    ]
    leaves = _digests("sha256", [block for blocks, _ in pieces for block in blocks], lanes)
    roots = _merkle_roots([(len(blocks), width) for blocks, width in pieces], leaves, lanes)
    results = []
    at1 = at2 = 0
    for job, (v1, v2) in zip(batch, messages, strict=True):
        ones, twos = 20 * len(v1), 32 * len(v2)
        results.append(job.finish(sha1s[at1 : at1 + ones], roots[at2 : at2 + twos]))
        at1 += ones
        at2 += twos
    return results


def _merkle_roots(
    trees: list[tuple[int, int]], leaves: bytes, lanes: bool, level: int = 0
) -> bytes:
    """The roots of merkle trees, concatenated. Each tree, (count, width), is `width` nodes
    wide (a power of two) at `level`: its first `count` nodes taken in turn from `leaves` (32
    bytes each), the rest all-zero subtrees (BEP 52's padding). One hashing call per level for
    all the trees: their inner nodes are 64-byte messages hashed side by side too."""
    rows: list[bytes] = []  # each tree's nodes at this level, side by side
    widths = []
    at = 0
    for count, width in trees:
        rows.append(leaves[at : at + 32 * count])
        widths.append(width)
        at += 32 * count
    while any(w > 1 for w in widths):
        zero = _SHA256_ZERO_SUBTREES[level]
        growing = [t for t, w in enumerate(widths) if w > 1]
        pairs = memoryview(
            b"".join(rows[t] + zero if len(rows[t]) % 64 else rows[t] for t in growing)
        )
        digests = _digests("sha256", [pairs[i : i + 64] for i in range(0, len(pairs), 64)], lanes)
        at = 0
        for t in growing:
            size = (len(rows[t]) + 63) // 64 * 32
            rows[t] = digests[at : at + size]
            widths[t] >>= 1
            at += size
        level += 1
    return b"".join(rows)


def _pieces_of(views: Iterable[memoryview], piece_size: int) -> Iterator[list[memoryview]]:
    """The views' bytes cut into pieces (the last one may be short), each the list of views
    holding its bytes."""
    piece: list[memoryview] = []
    filled = 0
    for view in views:
        at, size = 0, len(view)
        while at < size:
            take = min(size - at, piece_size - filled)
            piece.append(view[at : at + take])
            filled += take
            at += take
            if filled == piece_size:
                yield piece
                piece, filled = [], 0
    if piece:
        yield piece


def _digests(algorithm: str, messages: list, lanes: bool) -> bytes:
    """The messages' digests, concatenated. A message is a buffer, or a list of buffers hashed
    as one. `lanes`: side by side where this CPU can (KERNELS), else one at a time."""
    return _digests_with(algorithm, messages, KERNELS[algorithm] if lanes else [])


def _digests_with(algorithm: str, messages: list, kernels: list[tuple[str, int]]) -> bytes:
    for at, (kernel, width) in enumerate(kernels):
        # A few messages left over after whole rounds would leave most lanes idle for a round:
        # a narrower way, or hashlib, is faster for them (each way runs at about twice
        # hashlib's speed with its lanes full).
        left_over = len(messages) % width
        whole = len(messages) - left_over if left_over < width // 2 else len(messages)
        if whole:
            many = _multihash.sha1_many if algorithm == "sha1" else _multihash.sha256_many
            return many(messages[:whole], kernel) + _digests_with(
                algorithm, messages[whole:], kernels[at + 1 :]
            )
    new = hashlib.sha1 if algorithm == "sha1" else hashlib.sha256
    digests = []
    for message in messages:
        if not isinstance(message, list):
            digests.append(new(message).digest())
        elif len(message) == 1:
            digests.append(new(message[0]).digest())
        else:
            hasher = new()
            for part in message:
                hasher.update(part)
            digests.append(hasher.digest())
    return b"".join(digests)


def _windows(segment: _Segment, exact_sizes: bool) -> Iterator[memoryview]:
    """`segment`'s bytes in views of at most CHUNK_SIZE, in order; zeros for a pad file."""
    if segment.disk_path is None:
        left = segment.length
        while left:
            n = min(left, len(_ZEROS))
            yield _ZEROS[:n]
            left -= n
        return
    try:
        fd = os.open(segment.disk_path, os.O_RDONLY | os.O_CLOEXEC)
    except OSError as exc:
        raise HashingError(
            f"Cannot open {segment.display}: {exc.strerror}.", code="read_failed"
        ) from None
    try:
        size = os.fstat(fd).st_size
        if exact_sizes and size != segment.file_size:
            raise HashingError(
                f"{segment.display} changed while the torrent was being made "
                f"({size} bytes, {segment.file_size} when scanned).",
                code="content_changed",
            )
        at, end = segment.offset, segment.offset + segment.length
        if end > size:
            raise HashingError(
                f"{segment.display} became shorter while it was read.", code="content_changed"
            )
        while at < end:
            n = min(CHUNK_SIZE, end - at)
            yield _mapped(fd, at, n, segment)
            at += n
    except OSError as exc:
        raise HashingError(
            f"Cannot read {segment.display}: {exc.strerror}.", code="read_failed"
        ) from None
    finally:
        os.close(fd)


def _read_ahead(batch: list) -> None:
    """Asks the kernel to start reading a batch's large segments now, while the batches before
    it are hashed, in requests as large as the disk takes: a mapping faulted in on its own is
    read a readahead window (128 KiB by default) at a time, each waited for. Small files are
    left to the kernel's readahead: asking costs more than it saves."""
    for job in batch:
        for segment in job.segments:
            if segment.disk_path is None or segment.length < READ_AHEAD_MIN:
                continue
            try:
                fd = os.open(segment.disk_path, os.O_RDONLY | os.O_CLOEXEC)
            except OSError:
                continue  # the hashing process says why
            try:
                os.posix_fadvise(fd, segment.offset, segment.length, os.POSIX_FADV_WILLNEED)
            finally:
                os.close(fd)


def _mapped(fd: int, at: int, length: int, segment: _Segment) -> memoryview:
    """Bytes [at, at + length) of the file: mapped and faulted in at once, so the hashing reads
    the page cache itself (a read would first copy every byte); a plain read where the file
    system cannot map (FUSE mounts with direct I/O, such as some mergerfs setups)."""
    start = at - at % mmap.ALLOCATIONGRANULARITY
    try:
        mapping = mmap.mmap(
            fd,
            at + length - start,
            flags=mmap.MAP_SHARED | mmap.MAP_POPULATE,
            prot=mmap.PROT_READ,
            offset=start,
        )
    except ValueError:  # mmap looks at the file's size first
        raise HashingError(
            f"{segment.display} became shorter while it was read.", code="content_changed"
        ) from None
    except OSError:
        # a buffer of its own: the batch's windows are all hashed once all are read
        buffer = memoryview(bytearray(length))
        got = 0
        while got < length:
            n = os.preadv(fd, [buffer[got:]], at + got)
            if n == 0:
                raise HashingError(
                    f"{segment.display} became shorter while it was read.",
                    code="content_changed",
                ) from None
            got += n
        return buffer
    # The mapping is unmapped when the last view of it is dropped.
    return memoryview(mapping)[at - start :]


# One pool of hashing processes per server process, started on first use: processes rather
# than threads because hashing a v2 torrent is one hashlib call per 16 KiB block, and with
# threads those calls queue for the GIL. A process that dies (a mapped file truncated under it
# raises SIGBUS, or the kernel killed it) breaks the pool: the run fails saying so and the next
# one starts a new pool.
_pool: ProcessPoolExecutor | None = None
_pool_lock = threading.Lock()


def _hashing_processes() -> ProcessPoolExecutor:
    global _pool
    with _pool_lock:
        if _pool is None:
            # forkserver: a clean process to fork from, never a copy of this one's threads
            context = multiprocessing.get_context("forkserver")
            context.set_forkserver_preload([__name__])
            _pool = ProcessPoolExecutor(
                HASHING_PROCESSES,
                mp_context=context,
                initializer=_end_with,
                initargs=(os.getpid(),),
            )
        return _pool


def _end_with(owner: int) -> None:
    """In a hashing process: exit once the server process that started the pool is gone.
    Killed (a worker's SIGKILL, the OOM killer), it cannot say so, and its hashing processes
    would otherwise wait for work forever. Polling, not pidfd_open: NAS kernels lack it."""

    def watch() -> None:
        while True:
            time.sleep(1)
            try:
                os.kill(owner, 0)
            except OSError:  # gone (or its pid reused by another user's process)
                os._exit(0)

    threading.Thread(target=watch, name="hashing-owner", daemon=True).start()


def _forget_pool(pool: ProcessPoolExecutor) -> None:
    global _pool
    with _pool_lock:
        if _pool is pool:
            _pool = None
    pool.shutdown(wait=False, cancel_futures=True)


def _execute(
    plan: _Plan,
    jobs: Iterator,
    total: int,
    progress: Progress | None,
    cancel: threading.Event | None,
) -> None:
    """Runs `jobs` in the hashing processes, a few batches ahead of the results; reports
    progress and obeys `cancel` from this thread."""
    pool = _hashing_processes()
    batches = _batches(jobs)
    running: dict[Future, list] = {}
    sent_again = False
    done = 0
    current = ""

    def send(batch: list) -> None:
        nonlocal pool
        try:
            future = pool.submit(_run_batch, batch, plan.piece_size, plan.exact_sizes, LANES)
        except BrokenProcessPool:  # broken during an earlier run, after its error
            _forget_pool(pool)
            pool = _hashing_processes()
            future = pool.submit(_run_batch, batch, plan.piece_size, plan.exact_sizes, LANES)
        running[future] = batch

    if progress is not None:
        progress(0, total, "")
    reported = time.monotonic()
    try:
        while True:
            while len(running) < 2 * HASHING_PROCESSES:
                batch = next(batches, None)
                if batch is None:
                    break
                _read_ahead(batch)
                send(batch)
            if not running:
                break
            finished, _ = wait(running, timeout=POLL_S, return_when=FIRST_COMPLETED)
            for future in finished:
                try:
                    results = future.result()
                except BrokenProcessPool:
                    # A hashing process ended: killed, or a file shrank under its mapping
                    # (SIGBUS), maybe one of the run before, which failed while it ended. The
                    # batches in flight go once more to a new pool; failing again, the cause is
                    # this run's.
                    _forget_pool(pool)
                    if sent_again:
                        raise HashingError(
                            f"Hashing stopped while reading {running[future][0].display}: a "
                            "file shrank while it was read, or the hashing process was killed.",
                            code="read_failed",
                        ) from None
                    sent_again = True
                    pool = _hashing_processes()
                    in_flight = list(running.values())
                    running.clear()
                    for batch in in_flight:
                        send(batch)
                    break
                except HashingError:
                    raise
                except Exception as exc:  # a bug must still end the run with a message
                    raise HashingError(f"Hashing failed: {exc!r}.", code="hashing_failed") from exc
                batch = running.pop(future)
                for job, result in zip(batch, results, strict=True):
                    job.store(plan, result)
                    done += job.size
                current = batch[-1].display
            if cancel is not None and cancel.is_set():
                raise HashingError("Hashing was cancelled.", code="cancelled")
            if progress is not None and time.monotonic() - reported >= PROGRESS_EVERY_S:
                progress(done, total, current)
                reported = time.monotonic()
    finally:
        for future in running:
            future.cancel()  # those already running finish on their own, in milliseconds
    if progress is not None:
        progress(done, total, current)


# --- verifying ------------------------------------------------------------------------------


@dataclass(frozen=True)
class FileCheck:
    path: str  # as in the torrent, starting with its name
    size: int
    actual_size: int | None  # None when the file is missing
    corrupt_pieces: int  # pieces holding some of its bytes whose hash did not match
    missing_pieces: int  # pieces that could not be checked: bytes of them are missing

    @property
    def status(self) -> str:
        if self.actual_size is None:
            return "missing"
        if self.actual_size != self.size:
            return "wrong size"
        return "corrupt" if self.corrupt_pieces else "ok"

    @property
    def ok(self) -> bool:
        return self.status == "ok"


@dataclass(frozen=True)
class VerifyReport:
    format: str
    piece_count: int
    good_pieces: int
    bad_pieces: tuple[int, ...]  # piece indices, as libtorrent numbers them
    missing_pieces: int
    files: tuple[FileCheck, ...]

    @property
    def ok(self) -> bool:
        return all(f.ok for f in self.files) and not self.bad_pieces and not self.missing_pieces


def verify(
    torrent_bytes: bytes,
    content_path: str | os.PathLike[str],
    *,
    progress: Progress | None = None,
    cancel: threading.Event | None = None,
) -> VerifyReport:
    """Checks content against a .torrent: which pieces match, which do not, which are missing.

    `content_path` is the content itself: the file of a single-file torrent, or the folder
    holding a multi-file torrent's files (its name may differ from the torrent's). v1 and
    hybrid torrents are checked with their v1 pieces (the same bytes; SHA-1 is the cheaper),
    v2 ones with their piece layers.
    """
    try:
        top = bdecode(torrent_bytes)
    except MetainfoError as exc:
        raise HashingError(f"This is not a .torrent file: {exc}.", code="bad_torrent") from None
    try:
        return _verify(top, os.path.abspath(os.fspath(content_path)), progress, cancel)
    except (KeyError, TypeError, AttributeError, ValueError, IndexError) as exc:
        raise HashingError(
            f"This .torrent is not well formed ({type(exc).__name__}).", code="bad_torrent"
        ) from None


def _component(part: bytes) -> bytes:
    if not isinstance(part, bytes) or part in {b"", b".", b".."} or b"/" in part or b"\0" in part:
        raise HashingError(
            f"The torrent holds an unsafe file path element {part!r}.", code="bad_torrent"
        )
    return part


@dataclass(frozen=True)
class _Listed:
    """A file as a torrent lists it."""

    parts: tuple[bytes, ...] | None  # below the name; None: the content path is the file
    size: int
    is_pad: bool
    root: bytes | None  # v2 pieces root


def _verify(top: dict, content: str, progress, cancel) -> VerifyReport:
    info = top[b"info"]
    piece_size = info[b"piece length"]
    if not isinstance(piece_size, int) or isinstance(piece_size, bool) or piece_size <= 0:
        raise HashingError("The torrent's piece length is not valid.", code="bad_torrent")
    name = os.fsdecode(_component(info[b"name"]))
    is_v1, is_v2 = b"pieces" in info, info.get(b"meta version") == 2
    if not (is_v1 or is_v2):
        raise HashingError(
            "The torrent has neither v1 pieces nor a v2 file tree.", code="bad_torrent"
        )
    listed = _listed_files(info, is_v1, os.path.isdir(content))
    # v2 pieces never span files: each file starts on a piece, as libtorrent numbers them
    entries, sizes = _on_disk(listed, name, content, piece_size if not is_v1 else None)
    if is_v1:
        return _verify_v1(
            "hybrid" if is_v2 else "v1", info, entries, sizes, piece_size, progress, cancel
        )
    roots = {i: f.root for i, f in zip(sizes, (f for f in listed if not f.is_pad), strict=True)}
    layers = top.get(b"piece layers", {})
    return _verify_v2(entries, sizes, roots, layers, piece_size, progress, cancel)


def _listed_files(info: dict, is_v1: bool, content_is_folder: bool) -> list[_Listed]:
    # A symlink entry holds no bytes of the stream (BEP 47) and a client makes it, not the
    # content's owner: it is neither checked nor reported, whether or not it is on disk.
    if is_v1 and b"files" in info:
        return [
            _Listed(
                tuple(_component(p) for p in path_of(f)), int(f[b"length"]), is_pad_file(f), None
            )
            for f in info[b"files"]
            if link_target(f) is None
        ]
    if is_v1:
        return [_Listed(None, int(info[b"length"]), False, None)]
    listed: list[_Listed] = []
    _tree_files(info[b"file tree"], (), listed)
    if len(listed) == 1 and len(listed[0].parts) == 1 and not content_is_folder:
        # one file at the top of the tree: a single-file torrent, or a folder holding one file
        # (v2 cannot tell them apart); the content on disk says which
        return [_Listed(None, listed[0].size, False, listed[0].root)]
    return listed


def _on_disk(
    listed: list[_Listed], name: str, content: str, align_to: int | None
) -> tuple[list[_Entry], dict[int, int | None]]:
    """The layout of `listed` under `content`, and the size on disk of each content file
    (None when missing), by entry index.

    A file reached through a link that leads out of `content` is missing: as scan_source never
    follows a link out of the source, verifying never reads (or reports on) another file."""
    content_real = os.path.realpath(content)
    entries: list[_Entry] = []
    sizes: dict[int, int | None] = {}
    offset = 0
    for f in listed:
        if f.size < 0:
            raise HashingError("The torrent lists a negative file size.", code="bad_torrent")
        names = [os.fsdecode(p) for p in f.parts or ()]
        display = shown("/".join([name, *names]))
        if f.is_pad:
            entries.append(_Entry(f.parts or (), f.size, offset, None, False, display))
        elif f.parts is None:  # a single file: the content path is the file, links and all
            entries.append(_Entry((), f.size, offset, content, False, display))
            sizes[len(entries) - 1] = _actual_size(content)
        else:
            # Read at the resolved path that was checked, not through the links again.
            disk_path = os.path.realpath(os.path.join(content, *names))
            inside = os.path.commonpath([disk_path, content_real]) == content_real
            entries.append(_Entry(f.parts, f.size, offset, disk_path, False, display))
            sizes[len(entries) - 1] = _actual_size(disk_path) if inside else None
        offset += f.size
        if align_to and offset % align_to:
            offset += align_to - offset % align_to
    if offset == 0:
        raise HashingError("The torrent lists no content.", code="bad_torrent")
    return entries, sizes


def _verify_v1(
    format: str,
    info: dict,
    entries: list[_Entry],
    sizes: dict[int, int | None],
    piece_size: int,
    progress,
    cancel,
) -> VerifyReport:
    """Checks the v1 pieces, which run across files (and pad files, zeros)."""
    last = entries[-1]
    piece_count = _pieces(last.offset + last.size, piece_size)
    expected = info[b"pieces"]
    if not isinstance(expected, bytes) or len(expected) != 20 * piece_count:
        raise HashingError("The torrent's pieces do not match its size.", code="bad_torrent")
    lost_ranges = []
    for index, actual in sizes.items():
        e = entries[index]
        available = min(actual or 0, e.size)
        if available < e.size:
            lost_ranges.append(
                ((e.offset + available) // piece_size, _pieces(e.offset + e.size, piece_size))
            )
    missing = _merge(lost_ranges)
    readable = _complement(missing, piece_count)
    plan = _Plan(piece_size, entries, v1_pieces=piece_count, v1_from_files=False, exact_sizes=False)
    total = sum(
        s.length for job in _stream_jobs(plan, readable) for s in job.segments if s.disk_path
    )
    _execute(plan, _stream_jobs(plan, readable), total, progress, cancel)
    bad = [
        p
        for first, end in readable
        for p in range(first, end)
        if plan.v1_hashes[20 * p : 20 * p + 20] != expected[20 * p : 20 * p + 20]
    ]
    files = []
    for index, actual in sizes.items():
        e = entries[index]
        first, end = e.offset // piece_size, _pieces(e.offset + e.size, piece_size)
        if not e.size:
            first = end  # an empty file holds no piece
        corrupt = bisect_left(bad, end) - bisect_left(bad, first)
        lost = sum(max(0, min(end, b) - max(first, a)) for a, b in missing)
        files.append(FileCheck(e.display, e.size, actual, corrupt, lost))
    missing_count = sum(b - a for a, b in missing)
    return VerifyReport(
        format,
        piece_count,
        piece_count - len(bad) - missing_count,
        tuple(bad),
        missing_count,
        tuple(files),
    )


def _verify_v2(
    entries: list[_Entry],
    sizes: dict[int, int | None],
    roots: dict[int, bytes | None],
    layers: dict,
    piece_size: int,
    progress,
    cancel,
) -> VerifyReport:
    """Checks each file's pieces against its piece layer (its root for a one-piece file)."""
    plan = _Plan(piece_size, entries, v1_pieces=0, v1_from_files=False, exact_sizes=False)
    expected: dict[int, bytes] = {}
    readable: dict[int, int] = {}  # entry index: how many of its first pieces can be read
    for index, actual in sizes.items():
        e = entries[index]
        if not e.size:
            continue
        count = _pieces(e.size, piece_size)
        layer = roots[index] if count == 1 else layers.get(roots[index])
        if (
            not isinstance(layer, bytes)
            or len(layer) != 32 * count
            or _file_roots([layer], piece_size)[0] != roots[index]
        ):
            raise HashingError(
                f"The torrent's piece layer for {e.display} does not match its root.",
                code="bad_torrent",
            )
        expected[index] = layer
        available = min(actual or 0, e.size)
        readable[index] = count if available == e.size else available // piece_size
    total = sum(min(n * piece_size, entries[i].size) for i, n in readable.items())
    _execute(plan, _file_jobs(plan, list(readable.items())), total, progress, cancel)
    bad: list[int] = []
    files = []
    piece_count = missing_count = 0
    for index, actual in sizes.items():
        e = entries[index]
        count, checked = _pieces(e.size, piece_size), readable.get(index, 0)
        computed, layer = plan.v2_roots.get(index, b""), expected.get(index, b"")
        corrupt = [
            e.offset // piece_size + p
            for p in range(checked)
            if computed[32 * p : 32 * p + 32] != layer[32 * p : 32 * p + 32]
        ]
        bad += corrupt
        piece_count += count
        missing_count += count - checked
        files.append(FileCheck(e.display, e.size, actual, len(corrupt), count - checked))
    return VerifyReport(
        "v2",
        piece_count,
        piece_count - len(bad) - missing_count,
        tuple(sorted(bad)),
        missing_count,
        tuple(files),
    )


def _tree_files(node: dict, parts: tuple[bytes, ...], out: list[_Listed]) -> None:
    for key in sorted(node):
        child = node[key]
        if key == b"":
            if link_target(child) is None:  # a link has no length: see _listed_files
                out.append(_Listed(parts, int(child[b"length"]), False, child.get(b"pieces root")))
        else:
            _tree_files(child, (*parts, _component(key)), out)


def _actual_size(path: str) -> int | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return st.st_size if stat.S_ISREG(st.st_mode) else None


def _merge(ranges: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for first, end in sorted(ranges):
        if merged and first <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((first, end))
    return merged


def _complement(ranges: list[tuple[int, int]], count: int) -> list[tuple[int, int]]:
    result, at = [], 0
    for first, end in ranges:
        if first > at:
            result.append((at, first))
        at = max(at, end)
    if at < count:
        result.append((at, count))
    return result
