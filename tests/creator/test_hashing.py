"""creator.hashing makes the torrents libtorrent makes, byte for byte, and verifies content."""

import errno
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import warnings
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from creator import hashing, metainfo
from creator.hashing import HashingError
from creator.metainfo import bdecode, bencode
from tests.harness.content import write
from tests.harness.hashing import requires_lanes
from tests.harness.oracle import files_of, hashes, make_torrent, tiers, torrent_info

pytestmark = pytest.mark.database_free  # the PostgreSQL stage leaves it out

KIB = 1024
FORMATS = ["v1", "v2", "hybrid"]
REPO = Path(__file__).resolve().parents[2]


def ours(source: Path, format: str, piece_size: int, **options) -> bytes:
    scanned = hashing.scan_source(source, include_hidden=True)
    options.setdefault("creation_date", None)
    return hashing.create(scanned, format=format, piece_size=piece_size, **options)


def info_of(data: bytes) -> bytes:
    return bencode(bdecode(data)[b"info"])


def loads_in_libtorrent(data: bytes) -> bool:
    try:
        torrent_info(data)
    except RuntimeError:
        return False
    return True


def assert_same_info(source: Path, format: str, piece_size: int) -> None:
    """Byte-identical to libtorrent's info dict; where libtorrent makes a hybrid torrent it
    cannot load itself (see creator.hashing), ours loads and holds the same files."""
    theirs = make_torrent(source, piece_size=piece_size, format=format)
    mine = ours(source, format, piece_size)
    if format == "hybrid" and not loads_in_libtorrent(theirs):
        assert files_of(torrent_info(mine)) == files_of(
            torrent_info(make_torrent(source, piece_size=piece_size, format="v2"))
        )
        return
    assert info_of(mine) == info_of(theirs)


def data(size: int, seed: int = 0) -> bytes:
    """Deterministic bytes that differ from block to block (so misplaced blocks are caught)."""
    pattern = bytes((i * 7 + seed) % 251 for i in range(4093))  # a prime length: no alignment
    return (pattern * (size // len(pattern) + 1))[:size]


# --- the corpus ---------------------------------------------------------------------------

CORPUS = {
    "one byte": {"a.bin": b"x"},
    "piece multiples": {"two.bin": data(2 * 64 * KIB), "four.bin": data(4 * 64 * KIB, 1)},
    "many small files": {f"small/{i:03d}.txt": data(i * 37 % 3000, i) for i in range(80)},
    "nested unicode names": {
        "Müsik/日本語/ファイル.txt": data(5000),
        "Müsik/Ωmega/ñ.bin": data(70_000, 2),
        "Müsik/émoji 🎵.flac": data(33_333, 3),
    },
    "empty files": {"empty1": b"", "sub/empty2": b"", "content.bin": data(20_000)},
    "exactly one block": {"block.bin": data(16 * KIB)},
    "sizes around piece boundaries": {
        f"{size:07d}.bin": data(size, size % 13)
        for piece in (16 * KIB, 32 * KIB, 64 * KIB)
        for size in (piece - 1, piece, piece + 1)
    },
    "names that sort around the separator": {
        "cover.jpg": data(3),
        "cover/x.jpg": data(40_000),
        "cover-2.jpg": data(17_000),
        "cover 3.jpg": data(1),
    },
}


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("corpus")
    folders = {}
    for name, files in CORPUS.items():
        write(root / name, files)
        folders[name] = root / name
    # libtorrent cannot load its own hybrid torrent of the last case (see creator.hashing), so
    # "everything" leaves it out: the whole-torrent comparisons need libtorrent to read theirs
    everything = root / "everything"
    for name, files in CORPUS.items():
        if name != "names that sort around the separator":
            write(everything / name, files)
    (everything / "run.sh").write_bytes(b"#!/bin/sh\n")
    (everything / "run.sh").chmod(0o755)
    folders["everything"] = everything
    return folders


@pytest.fixture(params=["lanes", "hashlib"])
def hashing_way(request, monkeypatch):
    """Hashing messages side by side (creator/_multihash), then with hashlib alone, as where
    the CPU has neither SHA instructions nor AVX-512 or the module was not built."""
    if request.param == "lanes":
        requires_lanes()
    monkeypatch.setattr(hashing, "LANES", request.param == "lanes")


@pytest.mark.parametrize("format", FORMATS)
@pytest.mark.parametrize("case", [*CORPUS, "everything"])
@pytest.mark.parametrize("piece_size", [16 * KIB, 32 * KIB, 64 * KIB, 1024 * KIB])
def test_the_info_dict_is_byte_identical_to_libtorrents(
    corpus, case, format, piece_size, hashing_way
):
    assert_same_info(corpus[case], format, piece_size)


@pytest.mark.parametrize("format", FORMATS)
@pytest.mark.parametrize("size", [1, 16 * KIB, 16 * KIB + 1, 100_000, 3 * 64 * KIB])
def test_a_single_file_torrent_is_byte_identical_to_libtorrents(
    tmp_path, format, size, hashing_way
):
    write(tmp_path, {"movie.mkv": data(size)})
    for piece_size in (16 * KIB, 64 * KIB):
        assert_same_info(tmp_path / "movie.mkv", format, piece_size)


@pytest.mark.parametrize("piece_size", [48 * KIB, 8 * KIB, 80 * KIB])
def test_v1_takes_any_piece_size_libtorrent_takes(corpus, piece_size):
    assert_same_info(corpus["everything"], "v1", piece_size)


@pytest.mark.parametrize("format", FORMATS)
def test_an_executable_file_is_marked_x_as_libtorrent_marks_it(tmp_path, format):
    write(tmp_path / "tool", {"bin/run": b"#!/bin/sh\n", "README": b"hi"})
    (tmp_path / "tool/bin/run").chmod(0o755)
    assert_same_info(tmp_path / "tool", format, 16 * KIB)
    assert_same_info(tmp_path / "tool/bin/run", format, 16 * KIB)
    assert b"1:x" in info_of(ours(tmp_path / "tool", format, 16 * KIB))


def test_hybrid_pads_every_unaligned_file_in_file_tree_order(corpus):
    made = ours(corpus["names that sort around the separator"], "hybrid", 16 * KIB)
    paths = [b"/".join(f[b"path"]) for f in bdecode(made)[b"info"][b"files"]]
    # the folder "cover" before "cover 3.jpg", as in the v2 file tree; the last file padded too
    assert paths == [
        b"cover/x.jpg",
        b".pad/9152",
        b"cover 3.jpg",
        b".pad/16383",
        b"cover-2.jpg",
        b".pad/15768",
        b"cover.jpg",
        b".pad/16381",
    ]
    assert loads_in_libtorrent(made)


def test_libtorrent_cannot_load_its_own_hybrid_of_names_sorting_around_the_separator(corpus):
    """Why our hybrid order differs from libtorrent's here: if this starts failing, libtorrent
    fixed its order, and ours should follow it byte for byte again."""
    source = corpus["names that sort around the separator"]
    assert not loads_in_libtorrent(make_torrent(source, piece_size=16 * KIB, format="hybrid"))
    mine = ours(source, "hybrid", 16 * KIB)
    theirs_v2 = make_torrent(source, piece_size=16 * KIB, format="v2")
    assert bdecode(mine)[b"info"][b"file tree"] == bdecode(theirs_v2)[b"info"][b"file tree"]


# --- random trees -------------------------------------------------------------------------

NAMES = st.sampled_from(["a", "b", "a.b", "a-b", "a b", "é", "Z", "日本", "x" * 40, "ab"])
SIZES = st.one_of(
    st.integers(0, 70_000),
    st.sampled_from([0, 1, 16 * KIB - 1, 16 * KIB, 16 * KIB + 1, 32 * KIB, 64 * KIB + 1]),
)
TREES = st.dictionaries(st.lists(NAMES, min_size=1, max_size=3).map(tuple), SIZES, max_size=12)


def consistent(tree: dict[tuple[str, ...], int]) -> dict[str, int]:
    """Drops paths that would need a name to be both a file and a folder."""
    kept: dict[tuple[str, ...], int] = {}
    for path, size in sorted(tree.items()):
        clash = any(path[:n] in kept for n in range(1, len(path))) or any(
            other[: len(path)] == path for other in kept
        )
        if not clash:
            kept[path] = size
    return {"/".join(path): size for path, size in kept.items()}


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    tree=TREES.map(consistent).filter(lambda t: sum(t.values()) > 0),
    piece_size=st.sampled_from([16 * KIB, 32 * KIB, 64 * KIB]),
    format=st.sampled_from(FORMATS),
)
def test_any_small_tree_matches_libtorrent(tree, piece_size, format):
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "random tree"
        write(root, {path: data(size, len(path)) for path, size in tree.items()})
        assert_same_info(root, format, piece_size)


@pytest.mark.parametrize("format", FORMATS)
def test_names_that_are_not_utf8_are_kept_as_their_bytes(tmp_path, format):
    root = tmp_path / "raw names"
    os.makedirs(os.fsencode(root) + b"/d\xff")
    Path(os.fsdecode(os.fsencode(root) + b"/d\xff/f\xfe.bin")).write_bytes(data(20_000))
    (root / "ok.txt").write_bytes(data(100))
    assert_same_info(root, format, 16 * KIB)
    assert hashing.verify(ours(root, format, 16 * KIB), root).ok


# --- what goes in -------------------------------------------------------------------------


@pytest.fixture
def release(tmp_path) -> Path:
    root = tmp_path / "Release"
    write(
        root,
        {
            "movie.mkv": data(50_000),
            "movie.nfo": b"nfo",
            "Sample/sample.mkv": data(9_000),
            "extras/making.of.NFO": b"NFO",
            "extras/poster.jpg": data(4_000),
            ".DS_Store": b"junk",
            ".git/config": b"[core]",
            "subs/.hidden.srt": b"1",
        },
    )
    return root


def scanned_paths(source: hashing.Source) -> set[str]:
    return {"/".join(f.parts) for f in source.files}


def test_excludes_match_the_relative_path_or_the_name_regardless_of_case(release):
    source = hashing.scan_source(release, exclude=["*.nfo", "Sample", "extras/poster.*"])
    assert scanned_paths(source) == {"movie.mkv"}


def test_hidden_files_and_folders_are_left_out_unless_asked(release):
    assert scanned_paths(hashing.scan_source(release)) == {
        "movie.mkv",
        "movie.nfo",
        "Sample/sample.mkv",
        "extras/making.of.NFO",
        "extras/poster.jpg",
    }
    with_hidden = scanned_paths(hashing.scan_source(release, include_hidden=True))
    assert {".DS_Store", ".git/config", "subs/.hidden.srt"} <= with_hidden


def test_a_scan_ticks_once_per_folder_and_a_tick_can_stop_it(tmp_path):
    write(tmp_path / "tree", {f"d{n}/e{m}/f.bin": b"x" for n in range(3) for m in range(4)})
    ticks = []
    source = hashing.scan_source(tmp_path / "tree", tick=lambda: ticks.append(1))
    assert len(source.files) == 12 and len(ticks) == 1 + 3 + 3 * 4

    class Stop(Exception):
        pass

    def stop_at_the_fifth() -> None:
        ticks.append(1)
        if len(ticks) == 5:
            raise Stop

    ticks.clear()
    with pytest.raises(Stop):
        hashing.scan_source(tmp_path / "tree", tick=stop_at_the_fifth)
    assert len(ticks) == 5


@pytest.mark.parametrize("format", ["v2", "hybrid"])
def test_an_excluded_file_leaves_the_torrent_as_if_it_were_absent(release, tmp_path, format):
    made = hashing.create(
        hashing.scan_source(release, exclude=["*.nfo"]),
        format=format,
        piece_size=16 * KIB,
        creation_date=None,
    )
    for path in ("movie.nfo", "extras/making.of.NFO", ".DS_Store", ".git/config"):
        (release / path).unlink()
    (release / "subs/.hidden.srt").unlink()
    assert info_of(made) == info_of(make_torrent(release, piece_size=16 * KIB, format=format))


def test_symlinks_are_followed_to_files_inside_the_source_only(tmp_path):
    outside = tmp_path / "outside"
    write(outside, {"secret.txt": b"secret", "dir/other.txt": b"other"})
    root = tmp_path / "content"
    write(root, {"real/data.bin": data(30_000), "notes.txt": b"notes"})
    (root / "inner-link.bin").symlink_to("real/data.bin")
    (root / "absolute-inner.txt").symlink_to(root / "notes.txt")
    (root / "escape.txt").symlink_to(outside / "secret.txt")
    (root / "escape-relative.txt").symlink_to("../outside/secret.txt")
    (root / "escape-dir").symlink_to(outside / "dir")
    (root / "inner-dir").symlink_to("real")
    (root / "loop").symlink_to(".")
    (root / "dangling").symlink_to("nowhere")

    source = hashing.scan_source(root)
    assert scanned_paths(source) == {
        "real/data.bin",
        "notes.txt",
        "inner-link.bin",
        "absolute-inner.txt",
    }
    made = hashing.create(source, format="hybrid", piece_size=16 * KIB, creation_date=None)
    # libtorrent follows every link; without the escaping ones the torrents are the same
    for link in (
        "escape.txt",
        "escape-relative.txt",
        "escape-dir",
        "inner-dir",
        "loop",
        "dangling",
    ):
        (root / link).unlink()
    assert info_of(made) == info_of(make_torrent(root, piece_size=16 * KIB, format="hybrid"))


@pytest.mark.parametrize("format", FORMATS)
def test_a_name_override_names_the_torrent_as_a_renamed_folder_would(corpus, tmp_path, format):
    copy = tmp_path / "Other Name ✓"
    shutil.copytree(corpus["nested unicode names"], copy)
    renamed = hashing.scan_source(corpus["nested unicode names"], name="Other Name ✓")
    made = hashing.create(renamed, format=format, piece_size=16 * KIB, creation_date=None)
    assert info_of(made) == info_of(make_torrent(copy, piece_size=16 * KIB, format=format))


def test_a_single_file_can_be_renamed(tmp_path):
    write(tmp_path, {"x.bin": data(1000)})
    made = hashing.create(
        hashing.scan_source(tmp_path / "x.bin", name="y.bin"),
        format="hybrid",
        piece_size=16 * KIB,
        creation_date=None,
    )
    info = torrent_info(made)
    assert info.name() == "y.bin"
    assert files_of(info) == [("y.bin", 1000)]


@pytest.mark.parametrize("name", ["", ".", "..", "a/b"])
def test_a_bad_name_is_refused(tmp_path, name):
    with pytest.raises(HashingError) as error:
        hashing.scan_source(tmp_path, name=name)
    assert error.value.code == "bad_option"


# --- what comes out -----------------------------------------------------------------------

TRACKERS = [
    ["https://a.example.org/announce", "udp://b.example.org:6969/announce"],
    ["https://c.example.org/announce"],
]


@pytest.mark.parametrize("format", FORMATS)
def test_the_whole_torrent_matches_libtorrents_but_for_its_date_and_creator(corpus, format):
    source = corpus["everything"]
    theirs = bdecode(
        make_torrent(
            source,
            piece_size=32 * KIB,
            format=format,
            trackers=TRACKERS,
            private=True,
            comment="a comment ✓",
            web_seeds=["https://seed.example.org/"],
        )
    )
    mine = bdecode(
        ours(
            source,
            format,
            32 * KIB,
            trackers=TRACKERS,
            private=True,
            comment="a comment ✓",
            web_seeds=["https://seed.example.org/"],
            created_by="Torrentsmith 1.0",
            creation_date=1_700_000_000,
        )
    )
    assert mine.pop(b"created by") == b"Torrentsmith 1.0"
    assert mine.pop(b"creation date") == 1_700_000_000
    theirs.pop(b"created by")
    theirs.pop(b"creation date")
    assert mine == theirs


def test_trackers_web_seeds_and_tags_read_back_in_libtorrent(corpus):
    made = ours(
        corpus["piece multiples"],
        "hybrid",
        64 * KIB,
        trackers=[*TRACKERS, ["https://a.example.org/announce"], []],
        web_seeds=["https://s1.example.org/", "https://s2.example.org/"],
        source_tag="TS",
        comment="hello",
        creation_date=1_700_000_000,
    )
    info = torrent_info(made)
    assert tiers(info) == TRACKERS  # the repeated URL and the empty tier are dropped
    read = metainfo.read(made)
    assert read.web_seeds == ("https://s1.example.org/", "https://s2.example.org/")
    assert (read.source, read.comment, read.creation_date) == ("TS", "hello", 1_700_000_000)
    assert read.created_by == "Torrentsmith"
    assert (read.info_hash_v1, read.info_hash_v2) == hashes(info)


def test_one_tracker_is_written_as_announce_alone(corpus):
    top = bdecode(ours(corpus["one byte"], "v1", 16 * KIB, trackers=[["https://t.example/a"]]))
    assert top[b"announce"] == b"https://t.example/a"
    assert b"announce-list" not in top


def test_no_creation_date_means_none_is_written(corpus):
    top = bdecode(ours(corpus["one byte"], "v1", 16 * KIB, creation_date=None, created_by=""))
    assert b"creation date" not in top and b"created by" not in top


def test_entropy_changes_the_info_hash_but_not_the_pieces(corpus):
    plain = ours(corpus["everything"], "hybrid", 16 * KIB)
    entropy = hashing.new_entropy()
    salted = ours(corpus["everything"], "hybrid", 16 * KIB, entropy=entropy)
    info = bdecode(salted)[b"info"]
    assert info.pop(b"entropy") == entropy
    assert bencode(info) == info_of(plain)
    assert hashes(torrent_info(salted)) != hashes(torrent_info(plain))
    assert len(entropy) == 32 and int(entropy, 16) >= 0


@pytest.mark.parametrize(
    ("format", "piece_size"),
    [
        ("v2", 48 * KIB),
        ("v2", 8 * KIB),
        ("hybrid", 0),
        ("v1", 0),
        ("v1", 24 * KIB + 1),
        ("v1", 256 * 1024 * KIB),
        ("hybrid", 256 * 1024 * KIB),
    ],
)
def test_a_piece_size_libtorrent_refuses_is_refused(corpus, format, piece_size):
    with pytest.raises(HashingError) as error:
        ours(corpus["one byte"], format, piece_size)
    assert error.value.code == "bad_option"
    assert error.value.field == "piece_size"


def test_an_unknown_format_is_refused(corpus):
    with pytest.raises(HashingError, match="format"):
        ours(corpus["one byte"], "v3", 16 * KIB)


def test_a_source_of_empty_files_is_refused(tmp_path):
    write(tmp_path / "empty", {"a": b"", "b/c": b""})
    with pytest.raises(HashingError, match="at least one byte") as error:
        ours(tmp_path / "empty", "v1", 16 * KIB)
    assert error.value.code == "source_empty"


def test_a_source_with_every_file_excluded_is_refused(release):
    source = hashing.scan_source(release, exclude=["*"])
    assert source.files == ()
    with pytest.raises(HashingError, match="no files"):
        hashing.create(source, format="v1", piece_size=16 * KIB, creation_date=None)


def test_a_missing_source_is_refused(tmp_path):
    with pytest.raises(HashingError, match="does not exist") as error:
        hashing.scan_source(tmp_path / "nope")
    assert error.value.code == "source_missing"


def test_trackers_must_be_tiers(corpus):
    with pytest.raises(HashingError, match="tiers"):
        ours(corpus["one byte"], "v1", 16 * KIB, trackers=["https://t.example/a"])


@pytest.mark.parametrize("format", FORMATS)
def test_a_file_written_in_place_while_hashed_fails_the_torrent(tmp_path, format):
    write(tmp_path / "c", {"a.bin": data(40_000), "b.bin": data(10)})
    os.utime(tmp_path / "c/b.bin", ns=(10**18, 10**18))  # any write from now on changes it
    source = hashing.scan_source(tmp_path / "c")
    rewritten = []

    def progress(done, total, current):
        if not rewritten:  # the same size, other bytes: as an editor saving over it would
            with open(tmp_path / "c/b.bin", "r+b") as f:
                f.write(b"X" * 10)
            rewritten.append(True)

    with pytest.raises(HashingError, match=r"c/b\.bin changed while") as error:
        hashing.create(
            source, format=format, piece_size=16 * KIB, creation_date=None, progress=progress
        )
    assert error.value.code == "content_changed"


@pytest.mark.parametrize("format", FORMATS)
def test_a_file_that_changed_after_the_scan_fails_the_torrent(tmp_path, format):
    write(tmp_path / "c", {"a.bin": data(40_000), "b.bin": data(10)})
    source = hashing.scan_source(tmp_path / "c")
    (tmp_path / "c/a.bin").write_bytes(data(39_999))
    with pytest.raises(HashingError, match=r"a\.bin changed") as error:
        hashing.create(source, format=format, piece_size=16 * KIB, creation_date=None)
    assert error.value.code == "content_changed"
    (tmp_path / "c/a.bin").unlink()
    with pytest.raises(HashingError, match=r"Cannot open c/a\.bin") as error:
        hashing.create(source, format=format, piece_size=16 * KIB, creation_date=None)
    assert error.value.code == "read_failed"


def test_the_module_imports_nothing_from_django():
    probe = (
        "import sys; import creator.hashing; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'django'))"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, env={}, cwd=REPO
    )
    assert result.stdout.strip() == "[]"


# --- progress and cancel ------------------------------------------------------------------


def sparse(path: Path, size: int, marks: dict[int, bytes] | None = None) -> Path:
    """A file of `size` bytes that takes no disk space but the `marks` written at offsets."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as f:
        f.truncate(size)
        for offset, mark in (marks or {}).items():
            f.seek(offset)
            f.write(mark)
    return path


def test_cancel_stops_hashing_within_a_second(tmp_path):
    source = hashing.scan_source(sparse(tmp_path / "huge.bin", 20 * 1024**3))
    cancel = threading.Event()
    seen: list[int] = []
    outcome: dict[str, object] = {}

    def make():
        try:
            hashing.create(
                source,
                format="hybrid",
                piece_size=4 * 1024 * KIB,
                creation_date=None,
                progress=lambda done, total, current: seen.append(done),
                cancel=cancel,
            )
        except HashingError as exc:
            outcome["error"] = exc
            outcome["at"] = time.monotonic()

    maker = threading.Thread(target=make)
    maker.start()
    deadline = time.monotonic() + 30
    while (not seen or seen[-1] == 0) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert seen and seen[-1] > 0, "hashing never started"
    cancelled_at = time.monotonic()
    cancel.set()
    maker.join(timeout=5)
    assert not maker.is_alive()
    assert outcome["error"].code == "cancelled"
    assert outcome["at"] - cancelled_at < 1.0


def test_a_file_truncated_while_it_is_hashed_fails_the_torrent_and_the_next_one_works(tmp_path):
    # Hashing processes map the file: truncating it under them may end one with SIGBUS
    # rather than fail a read; either way the job says what happened and nothing hangs.
    huge = sparse(tmp_path / "huge.bin", 20 * 1024**3)
    seen: list[int] = []
    outcome: dict[str, object] = {}

    def make():
        try:
            hashing.create(
                hashing.scan_source(huge),
                format="v2",
                piece_size=4 * 1024 * KIB,
                creation_date=None,
                progress=lambda done, total, current: seen.append(done),
            )
        except HashingError as exc:
            outcome["error"] = exc

    maker = threading.Thread(target=make)
    maker.start()
    deadline = time.monotonic() + 30
    while (not seen or seen[-1] == 0) and time.monotonic() < deadline:
        time.sleep(0.01)
    os.truncate(huge, 4096)
    maker.join(timeout=30)
    assert not maker.is_alive()
    error = outcome["error"]
    assert error.code in {"content_changed", "read_failed"}
    assert "huge.bin" in error.message
    write(tmp_path / "next", {"a.bin": data(40_000)})
    assert_same_info(tmp_path / "next", "v2", 16 * KIB)


def test_a_hashing_process_killed_mid_run_costs_the_torrent_nothing(tmp_path, monkeypatch):
    # The kernel's OOM killer, or a file of a failed run that shrank under a mapping (SIGBUS)
    # as the next run began: the batches in flight go once more to a new pool.
    huge = sparse(tmp_path / "c" / "huge.bin", 256 * 1024**2)
    expected = ours(huge.parent, "v2", 1024 * KIB)
    monkeypatch.setattr(hashing, "PROGRESS_EVERY_S", 0)
    killed = []

    def kill_one(done, total, current):
        if done and not killed:
            killed.append(next(iter(hashing._pool._processes)))
            os.kill(killed[0], signal.SIGKILL)

    assert ours(huge.parent, "v2", 1024 * KIB, progress=kill_one) == expected
    assert killed


def test_a_file_system_that_cannot_map_files_is_read_instead(tmp_path, monkeypatch):
    # FUSE mounts with direct I/O (some mergerfs setups) refuse mmap with ENODEV
    content = data(3 * hashing.CHUNK_SIZE + 12_345)
    write(tmp_path, {"a.bin": content})
    monkeypatch.setattr(hashing.mmap, "mmap", refuse_to_map)
    segment = hashing._Segment(str(tmp_path / "a.bin"), 5, len(content) - 5, len(content), "a")
    assert b"".join(bytes(v) for v in hashing._windows(segment, True)) == content[5:]


@pytest.mark.parametrize("format", FORMATS)
def test_content_read_instead_of_mapped_hashes_the_same(tmp_path, monkeypatch, format, hashing_way):
    # A batch's windows are all hashed once all are read: each read needs its own buffer.
    write(tmp_path / "c", {"a.bin": data(hashing.CHUNK_SIZE + 5_000), "b.bin": data(70_000, 1)})
    piece_size = 64 * KIB
    scanned = hashing.scan_source(tmp_path / "c")
    entries = hashing._layout(scanned, format, piece_size)

    def batch_results() -> list:
        stream = entries[-1].offset + entries[-1].size
        plan = hashing._Plan(
            piece_size,
            entries,
            v1_pieces=hashing._pieces(stream, piece_size),
            v1_from_files=format == "hybrid",
            exact_sizes=True,
        )
        if format == "v1":
            jobs = hashing._stream_jobs(plan, [(0, len(plan.v1_hashes) // 20)])
        else:
            everything = [(i, hashing._pieces(e.size, piece_size)) for i, e in enumerate(entries)]
            jobs = hashing._file_jobs(plan, everything)
        return hashing._run_batch(list(jobs), piece_size, True, hashing.LANES)

    mapped = batch_results()
    monkeypatch.setattr(hashing.mmap, "mmap", refuse_to_map)
    assert batch_results() == mapped


def refuse_to_map(*args, **kwargs):
    raise OSError(errno.ENODEV, "No such device")


def test_the_hashing_processes_end_when_the_process_that_started_them_is_killed(tmp_path):
    write(tmp_path / "c", {"a.bin": data(40_000)})
    probe = (
        "import os, sys, time\n"
        "from creator import hashing\n"
        "from tests.harness.proctree import descendants\n"
        f"hashing.create(hashing.scan_source({str(tmp_path / 'c')!r}), format='v1',\n"
        "    piece_size=16 * 1024, creation_date=None)\n"
        "print(*descendants(os.getpid()), flush=True)\n"
        "time.sleep(60)\n"
    )
    owner = subprocess.Popen(
        [sys.executable, "-c", probe], stdout=subprocess.PIPE, text=True, cwd=REPO
    )
    try:
        started = [int(pid) for pid in owner.stdout.readline().split()]
        assert len(started) >= hashing.HASHING_PROCESSES
    finally:
        owner.kill()
        owner.wait()
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        left = [pid for pid in started if Path(f"/proc/{pid}").exists()]
        if not left:
            break
        time.sleep(0.2)
    assert not left, f"hashing processes {left} outlived the process that started them"


def test_progress_is_reported_often_and_reaches_the_total(tmp_path):
    root = tmp_path / "progress"
    sparse(root / "big.bin", 3 * 1024**3, {0: b"start", 3 * 1024**3 - 3: b"end"})
    write(root, {"small.txt": data(1234)})
    calls: list[tuple[float, int, int, str]] = []
    hashing.create(
        hashing.scan_source(root),
        format="v1",
        piece_size=1024 * KIB,
        creation_date=None,
        progress=lambda done, total, current: calls.append(
            (time.monotonic(), done, total, current)
        ),
    )
    total = 3 * 1024**3 + 1234
    assert calls[0][1:3] == (0, total)
    assert calls[-1][1:3] == (total, total)
    assert [c[1] for c in calls] == sorted(c[1] for c in calls)
    assert {c[3] for c in calls} >= {"progress/big.bin"}
    # reported along the way, not only at the start and the end (how often is a matter of
    # time, which a shared machine stretches: bench/, not a test)
    assert len([c for c in calls if 0 < c[1] < total]) >= 2


@pytest.mark.slow
def test_memory_stays_bounded_however_large_the_content(tmp_path):
    huge = sparse(tmp_path / "huge.bin", 8 * 1024**3)
    probe = (
        "import os\n"
        "from creator import hashing\n"
        "from tests.harness.proctree import descendants, peak_rss\n"
        "before = peak_rss(os.getpid())\n"
        f"hashing.create(hashing.scan_source({str(huge)!r}), format='hybrid',\n"
        "    piece_size=16 * 1024 * 1024, creation_date=None)\n"
        "print(peak_rss(os.getpid()) - before, *map(peak_rss, descendants(os.getpid())))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, cwd=REPO
    )
    grown, *hashing_processes = map(int, result.stdout.split())
    assert len(hashing_processes) >= hashing.HASHING_PROCESSES
    # the jobs in flight, a piece's digests
    assert grown < 32 * 1024 * KIB
    # an interpreter, and the batch it hashes mapped (two 16 MiB pieces here)
    assert max(hashing_processes) < 64 * 1024 * KIB, [p // 1024**2 for p in hashing_processes]


# --- verifying ----------------------------------------------------------------------------


@pytest.fixture
def album(tmp_path) -> Path:
    root = tmp_path / "Album"
    write(
        root,
        {
            "01.flac": data(100_000, 1),
            "02.flac": data(70_001, 2),
            "cover/front.jpg": data(3, 3),
            "empty.txt": b"",
            "zz.log": data(40_000, 4),
        },
    )
    return root


def piece_at(torrent: bytes, path: str, offset: int) -> int:
    """libtorrent's index of the piece holding byte `offset` of the file at `path`."""
    info = torrent_info(torrent)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        storage = info.files()
    index = next(i for i in range(storage.num_files()) if storage.file_path(i) == path)
    return info.map_file(index, offset, 1).piece


def piece_span(torrent: bytes, path: str, start: int, end: int) -> int:
    """How many of libtorrent's pieces hold bytes [start, end) of the file at `path`."""
    return piece_at(torrent, path, end - 1) - piece_at(torrent, path, start) + 1


def checks_by_path(report: hashing.VerifyReport) -> dict[str, tuple]:
    return {
        f.path: (f.status, f.corrupt_pieces, f.missing_pieces, f.actual_size) for f in report.files
    }


@pytest.mark.parametrize("format", FORMATS)
def test_verify_finds_intact_content_good(album, format):
    report = hashing.verify(ours(album, format, 16 * KIB), album)
    assert report.ok
    assert report.format == format
    assert report.good_pieces == report.piece_count > 0
    assert report.bad_pieces == () and report.missing_pieces == 0
    assert {f.path for f in report.files} == {
        "Album/01.flac",
        "Album/02.flac",
        "Album/cover/front.jpg",
        "Album/empty.txt",
        "Album/zz.log",
    }


@pytest.mark.parametrize("format", FORMATS)
def test_verify_finds_a_corrupt_byte_in_its_file(album, format):
    torrent = ours(album, format, 16 * KIB)
    with (album / "02.flac").open("r+b") as f:
        f.seek(50_000)  # in the file's fourth piece
        byte = f.read(1)
        f.seek(50_000)
        f.write(bytes([byte[0] ^ 0xFF]))
    report = hashing.verify(torrent, album)
    assert not report.ok
    assert len(report.bad_pieces) == 1
    assert report.good_pieces == report.piece_count - 1
    checks = checks_by_path(report)
    assert checks["Album/02.flac"] == ("corrupt", 1, 0, 70_001)
    assert all(checks[p][0] == "ok" for p in checks if p != "Album/02.flac")
    assert report.bad_pieces == (piece_at(torrent, "Album/02.flac", 50_000),)


@pytest.mark.parametrize("format", FORMATS)
def test_verify_finds_missing_and_wrong_size_files(album, format):
    torrent = ours(album, format, 16 * KIB)
    (album / "01.flac").unlink()
    with (album / "zz.log").open("r+b") as f:
        f.truncate(20_000)  # keeps its first piece (16 KiB) whole
    (album / "empty.txt").write_bytes(b"now there is something")
    report = hashing.verify(torrent, album)
    checks = checks_by_path(report)
    lost_01 = piece_span(torrent, "Album/01.flac", 0, 100_000)
    assert checks["Album/01.flac"] == ("missing", 0, lost_01, None)
    # the pieces holding its bytes past 20,000 cannot be checked; the ones before can
    lost_zz = piece_span(torrent, "Album/zz.log", 20_000, 40_000)
    assert checks["Album/zz.log"] == ("wrong size", 0, lost_zz, 20_000)
    if format != "v1":
        assert (lost_01, lost_zz) == (7, 2)  # v2 aligns files on pieces
    assert checks["Album/empty.txt"][0] == "wrong size"
    assert checks["Album/cover/front.jpg"][0] == "ok"
    assert checks["Album/02.flac"][0] == "ok"
    assert report.missing_pieces >= lost_01 + lost_zz - 1 and not report.ok
    assert report.good_pieces + len(report.bad_pieces) + report.missing_pieces == (
        report.piece_count
    )


def test_verify_checks_a_single_file_torrent_against_the_file(tmp_path):
    write(tmp_path, {"movie.mkv": data(200_000)})
    torrent = make_torrent(tmp_path / "movie.mkv", piece_size=32 * KIB, format="v2")
    moved = tmp_path / "renamed.mkv"
    (tmp_path / "movie.mkv").rename(moved)
    report = hashing.verify(torrent, moved)
    assert report.ok and report.piece_count == 7
    assert [f.path for f in report.files] == ["movie.mkv"]


@pytest.mark.parametrize("format", FORMATS)
def test_verify_checks_a_one_file_folder_against_the_folder_or_the_file(tmp_path, format):
    # v2 writes a folder holding one file as it writes that file alone: what is on disk decides
    write(tmp_path / "Folder", {"only.bin": data(50_000)})
    torrent = ours(tmp_path / "Folder", format, 16 * KIB)
    assert hashing.verify(torrent, tmp_path / "Folder").ok
    if format == "v2":
        assert hashing.verify(torrent, tmp_path / "Folder/only.bin").ok


@pytest.mark.parametrize("format", FORMATS)
def test_verify_reads_torrents_made_by_libtorrent(corpus, format):
    torrent = make_torrent(corpus["everything"], piece_size=32 * KIB, format=format)
    report = hashing.verify(torrent, corpus["everything"])
    assert report.ok
    assert report.piece_count == torrent_info(torrent).num_pieces()


def test_verify_reports_progress_up_to_what_it_reads(album):
    torrent = ours(album, "v1", 16 * KIB)
    (album / "01.flac").unlink()
    calls = []
    hashing.verify(torrent, album, progress=lambda *call: calls.append(call))
    done, total, _current = calls[-1]
    assert done == total > 0


@pytest.mark.parametrize(
    "path", [[b"..", b"etc", b"passwd"], [b"a", b"/abs"], [b""], [b"."], [b"a\x00b"]]
)
def test_verify_refuses_a_torrent_with_an_unsafe_path(album, path):
    top = bdecode(ours(album, "v1", 16 * KIB))
    top[b"info"][b"files"][0][b"path"] = path
    with pytest.raises(HashingError, match="unsafe") as error:
        hashing.verify(bencode(top), album)
    assert error.value.code == "bad_torrent"


@pytest.mark.parametrize("garbage", [b"", b"not a torrent", b"d4:infoi1ee", b"d4:infodee"])
def test_verify_refuses_what_is_not_a_torrent(album, garbage):
    with pytest.raises(HashingError) as error:
        hashing.verify(garbage, album)
    assert error.value.code == "bad_torrent"


def test_verify_refuses_a_piece_layer_that_does_not_match_its_root(album):
    top = bdecode(ours(album, "v2", 16 * KIB))
    root = next(iter(top[b"piece layers"]))
    top[b"piece layers"][root] = bytes(len(top[b"piece layers"][root]))
    with pytest.raises(HashingError, match="piece layer") as error:
        hashing.verify(bencode(top), album)
    assert error.value.code == "bad_torrent"


# --- big files ----------------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize("format", FORMATS)
def test_a_sparse_file_over_4_gib_matches_libtorrent(tmp_path, format):
    size = 4 * 1024**3 + 1024 * KIB + 1
    marks = {0: b"first", 2**32 - 2: b"across 4 GiB", size - 1: b"!"}
    root = tmp_path / "big"
    sparse(root / "disk.img", size, marks)
    write(root, {"after.txt": data(12_345)})
    assert_same_info(root, format, 4 * 1024 * KIB)
    if format == "hybrid":
        assert hashing.verify(ours(root, format, 4 * 1024 * KIB), root).ok
