"""Torrents made elsewhere read and verify as libtorrent reads them: BitComet pad files,
symlinks, odd private flags, name.utf-8, path.utf-8 and comment.utf-8, and names no answer can
hold."""

import hashlib
import os
import warnings
from pathlib import Path

import libtorrent as lt
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from creator import hashing, metainfo
from creator.metainfo import MetainfoError, bdecode, bencode
from tests.harness.content import write
from tests.harness.oracle import FLAGS, files_of, hashes, torrent_info

KIB = 1024
FORMATS = ["v1", "v2", "hybrid"]
BITCOMET_PAD = (
    b"_____padding_file_0_if you see this file, please update to BitComet 0.85 or above____"
)


def storage_of(data: bytes):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        return torrent_info(data).files()


def v1_torrent(name: bytes, files: list[dict], stream: bytes, **info_fields) -> bytes:
    """A v1 torrent of `files` whose pieces hash `stream` (their bytes, pad files included)."""
    pieces = b"".join(
        hashlib.sha1(stream[at : at + 16 * KIB]).digest()  # noqa: S324
        for at in range(0, len(stream), 16 * KIB)
    )
    info = {b"name": name, b"piece length": 16 * KIB, b"files": files, b"pieces": pieces}
    info.update((key.encode(), value) for key, value in info_fields.items())
    return bencode({b"info": info})


# --- BitComet pad files ------------------------------------------------------------------


@pytest.fixture
def bitcomet(tmp_path):
    """A BitComet torrent: a pad file without attr "p" between a and b, and a and b on disk."""
    a, b = os.urandom(1000), os.urandom(2000)
    write(tmp_path / "Set", {"a": a, "b": b})
    files = [
        {b"length": 1000, b"path": [b"a"]},
        {b"length": 15384, b"path": [BITCOMET_PAD]},
        {b"length": 2000, b"path": [b"b"]},
    ]
    return v1_torrent(b"Set", files, a + bytes(15384) + b), tmp_path / "Set"


def test_libtorrent_takes_a_bitcomet_name_for_a_pad_file(bitcomet):
    data, _ = bitcomet
    storage = storage_of(data)
    flags = [bool(storage.file_flags(i) & lt.file_storage.flag_pad_file) for i in range(3)]
    assert flags == [False, True, False]


def test_inspect_leaves_bitcomet_pad_files_out(bitcomet):
    data, _ = bitcomet
    meta = metainfo.read(data)
    assert [(f.path, f.size) for f in meta.files] == files_of(torrent_info(data))
    assert (meta.file_count, meta.total_size) == (2, 3000)


def test_verify_takes_bitcomet_pad_files_for_zeros(bitcomet):
    data, content = bitcomet
    report = hashing.verify(data, content)
    assert report.ok
    assert [(f.path, f.status) for f in report.files] == [("Set/a", "ok"), ("Set/b", "ok")]
    assert report.good_pieces == report.piece_count == 2


def test_the_bitcomet_mark_counts_anywhere_in_a_files_path_as_libtorrent_counts_it():
    files = [
        {b"length": 1000, b"path": [b"a"]},
        {b"length": 15384, b"path": [b"sub", b"x_____padding_file_1"]},
        {b"length": 2000, b"path": [b"_____padding_file_dir", b"b"]},
    ]
    data = v1_torrent(b"Set", files, bytes(18384))
    assert [(f.path, f.size) for f in metainfo.read(data).files] == files_of(torrent_info(data))


# --- symlinks -----------------------------------------------------------------------------


def linked_torrent(folder: Path, format: str) -> bytes:
    """libtorrent's torrent of `folder`, its symlinks stored as links (BEP 47 attr "l")."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        storage = lt.file_storage()
        lt.add_files(storage, str(folder), flags=lt.create_torrent.symlinks)
        creator = lt.create_torrent(storage, 16 * KIB, FLAGS[format] | lt.create_torrent.symlinks)
    lt.set_piece_hashes(creator, str(folder.parent))
    return lt.bencode(creator.generate())


@pytest.fixture
def linked(tmp_path):
    folder = tmp_path / "Folder"
    write(folder, {"real.bin": os.urandom(30_000), "z.txt": b"z" * 300})
    (folder / "link.bin").symlink_to("real.bin")
    return folder


@pytest.mark.parametrize("format", FORMATS)
def test_inspect_lists_a_link_apart_from_the_content(linked, format):
    data = linked_torrent(linked, format)
    assert b"symlink path" in data  # libtorrent did store a link
    meta = metainfo.read(data)
    theirs = torrent_info(data)
    assert (meta.info_hash_v1, meta.info_hash_v2) == hashes(theirs)
    assert sorted((f.path, f.size) for f in meta.files) == [
        f for f in files_of(theirs) if f[0] != "Folder/link.bin"
    ]
    storage = storage_of(data)
    link = next(i for i in range(storage.num_files()) if storage.symlink(i))
    assert meta.links == (metainfo.TorrentLink(storage.file_path(link), storage.symlink(link)),)
    assert meta.links == (metainfo.TorrentLink("Folder/link.bin", "Folder/real.bin"),)
    assert (meta.file_count, meta.total_size) == (2, 30_300)
    if format != "v1":
        assert meta.piece_count == 3  # real.bin's two pieces and z.txt's one


def test_the_inspect_answer_and_page_show_the_link(user_client, linked):
    data = linked_torrent(linked, "hybrid")

    def upload():
        return SimpleUploadedFile("x.torrent", data, content_type="application/x-bittorrent")

    body = user_client.post("/api/torrents/inspect", {"torrent": upload()}).json()
    assert body["links"] == [{"path": "Folder/link.bin", "target": "Folder/real.bin"}]
    assert body["fileCount"] == 2
    page = user_client.post("/torrents/inspect", {"torrent": upload()}).content.decode()
    assert 'Folder/link.bin <span class="muted">→ Folder/real.bin</span>' in page


@pytest.mark.parametrize("format", FORMATS)
def test_verify_finds_content_with_a_link_good(linked, format):
    data = linked_torrent(linked, format)
    report = hashing.verify(data, linked)
    assert report.ok, report
    assert {f.path: f.status for f in report.files} == {
        "Folder/real.bin": "ok",
        "Folder/z.txt": "ok",
    }
    assert report.missing_pieces == 0 and report.good_pieces == report.piece_count


@pytest.mark.parametrize("format", FORMATS)
def test_verify_does_not_count_a_link_missing_on_disk_against_the_content(linked, format):
    data = linked_torrent(linked, format)
    (linked / "link.bin").unlink()  # a link is no content: its target's bytes are checked
    assert hashing.verify(data, linked).ok


@pytest.mark.parametrize("format", FORMATS)
def test_verify_still_finds_the_links_target_corrupt(linked, format):
    data = linked_torrent(linked, format)
    with (linked / "real.bin").open("r+b") as f:
        f.write(b"\xff" * 10)
    report = hashing.verify(data, linked)
    assert not report.ok
    assert {f.path: f.status for f in report.files}["Folder/real.bin"] == "corrupt"


# --- private ------------------------------------------------------------------------------


def single(**info_fields) -> bytes:
    return v1_torrent(b"t", [{b"length": 5, b"path": [b"a"]}], b"hello", **info_fields)


@pytest.mark.parametrize("value", [1, 2, -1, 0, b"1", b"0", b""])
def test_private_is_read_as_libtorrent_reads_it(value):
    data = single(private=value)
    assert metainfo.read(data).private is torrent_info(data).priv()
    assert metainfo.read(data).private is (value in (1, 2, -1))


def test_edited_clears_a_private_flag_of_2():
    data = single(private=2)
    cleared = metainfo.edited(data, private=False)
    assert not torrent_info(cleared).priv()
    assert metainfo.read(cleared).private is False


def test_edited_keeps_the_info_hash_when_a_nonzero_flag_is_already_private():
    data = single(private=2)
    kept = metainfo.edited(data, private=True)
    assert hashes(torrent_info(kept)) == hashes(torrent_info(data))


def test_edited_makes_a_string_flag_private_as_libtorrent_sees_it():
    made = metainfo.edited(single(private=b"1"), private=True)
    assert torrent_info(made).priv()
    assert bdecode(made)[b"info"][b"private"] == 1


# --- name.utf-8 and comment.utf-8 -----------------------------------------------------------


def test_the_name_is_name_utf8_when_there_is_one():
    data = v1_torrent(
        b"caf\xe9",  # Latin-1, as old Windows clients wrote names
        [{b"length": 5, b"path": [b"a"]}],
        b"hello",
        **{"name.utf-8": "café".encode()},
    )
    meta = metainfo.read(data)
    assert meta.name == torrent_info(data).name() == "café"
    assert [f.path for f in meta.files] == ["café/a"]


@pytest.fixture
def latin1_paths(tmp_path):
    """A torrent whose "path" entries are Latin-1 with their UTF-8 spelling in "path.utf-8",
    and its content on disk under the UTF-8 names."""
    a, b = os.urandom(3000), os.urandom(2000)
    write(tmp_path / "Set", {"déjà/vu.bin": a, "plain.bin": b})
    files = [
        {
            b"length": 3000,
            b"path": [b"d\xe9j\xe0", b"vu.bin"],
            b"path.utf-8": ["déjà".encode(), b"vu.bin"],
        },
        {b"length": 2000, b"path": [b"plain.bin"]},
    ]
    return v1_torrent(b"Set", files, a + b), tmp_path / "Set"


def test_inspect_shows_path_utf8_as_libtorrent_does(latin1_paths):
    data, _ = latin1_paths
    meta = metainfo.read(data)
    assert [(f.path, f.size) for f in meta.files] == files_of(torrent_info(data))
    assert meta.files[0].path == "Set/déjà/vu.bin"


def test_verify_finds_the_files_named_by_path_utf8(latin1_paths):
    data, content = latin1_paths
    report = hashing.verify(data, content)
    assert [(f.path, f.status) for f in report.files] == [
        ("Set/déjà/vu.bin", "ok"),
        ("Set/plain.bin", "ok"),
    ]
    assert report.ok


@pytest.mark.parametrize(
    ("fields", "shown"),
    [
        ({b"comment": b"plain", b"comment.utf-8": "ütf".encode()}, "ütf"),
        ({b"comment": b"plain", b"comment.utf-8": b""}, "plain"),
        ({b"comment.utf-8": b"only"}, "only"),
    ],
)
def test_the_comment_is_comment_utf8_when_there_is_one(fields, shown):
    data = bencode({**bdecode(single()), **fields})
    assert metainfo.read(data).comment == torrent_info(data).comment() == shown


@pytest.mark.parametrize("comment", ["new words", ""])
def test_an_edited_comment_is_what_clients_show(comment):
    data = bencode({**bdecode(single()), b"comment": b"old", b"comment.utf-8": b"old too"})
    edited = metainfo.edited(data, comment=comment)
    assert torrent_info(edited).comment() == metainfo.read(edited).comment == comment
    assert hashes(torrent_info(edited)) == hashes(torrent_info(data))


# --- NUL ----------------------------------------------------------------------------------


def with_nul_in_v2_tree() -> bytes:
    leaf = {b"length": 5, b"pieces root": hashlib.sha256(b"x").digest()}
    info = {
        b"name": b"t",
        b"piece length": 16 * KIB,
        b"meta version": 2,
        b"file tree": {b"a\x00b": {b"": leaf}, b"c": {b"": leaf}},
    }
    return bencode({b"info": info, b"piece layers": {}})


@pytest.mark.parametrize(
    "data",
    [
        bencode(
            {
                b"info": {
                    b"name": b"a\x00b",
                    b"piece length": 16384,
                    b"length": 5,
                    b"pieces": bytes(20),
                }
            }
        ),
        v1_torrent(b"t", [{b"length": 5, b"path": [b"sub", b"a\x00b"]}], b"hello"),
        v1_torrent(b"a\x00b", [{b"length": 5, b"path": [b"a"]}], b"hello"),
        with_nul_in_v2_tree(),
    ],
    ids=["single-file name", "v1 path", "folder name", "v2 path"],
)
def test_a_nul_in_the_name_or_a_path_is_refused(data):
    with pytest.raises(MetainfoError, match="NUL"):
        metainfo.read(data)


@pytest.mark.parametrize(
    "extra",
    [
        {b"comment": b"a\x00b"},
        {b"created by": b"x\x00"},
        {b"announce": b"http://127.0.0.1:9/\x00/announce"},
        {b"url-list": [b"http://127.0.0.1:9/\x00"]},
    ],
    ids=["comment", "created by", "tracker", "web seed"],
)
def test_a_nul_in_any_other_text_is_refused(extra):
    data = metainfo.bdecode(v1_torrent(b"t", [{b"length": 5, b"path": [b"a"]}], b"hello"))
    data.update(extra)
    with pytest.raises(MetainfoError, match="NUL"):
        metainfo.read(bencode(data))


def test_the_api_refuses_a_nul_in_a_name_at_the_torrent_field(user_client):
    data = v1_torrent(b"a\x00b", [{b"length": 5, b"path": [b"a"]}], b"hello")
    upload = SimpleUploadedFile("x.torrent", data, content_type="application/x-bittorrent")
    response = user_client.post("/api/torrents/inspect", {"torrent": upload})
    assert response.status_code == 422
    [error] = response.json()["errors"]
    assert error["field"] == "torrent" and "NUL" in error["message"]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "This file is empty: it is not a .torrent."),
        (b"\r\n<!DOCTYPE html><html>login</html>", "This is not a .torrent file but a web page"),
        (b"magnet:?xt=urn:btih:" + b"a" * 40, "This is a magnet link, not a .torrent file."),
        (b"\r\nd4:info", "This is not a .torrent file: byte 0 (0x0d) is not bencoded data."),
        (b"d4:infod4:name", "This is not a .torrent file: it ends early (at byte 14)."),
        (b"d3:foo3:bare", "This is not a .torrent file: it has no info dictionary."),
    ],
)
def test_a_file_that_is_no_torrent_is_refused_saying_what_it_is(user_client, data, message):
    upload = SimpleUploadedFile("x.torrent", data, content_type="application/x-bittorrent")
    response = user_client.post("/api/torrents/inspect", {"torrent": upload})
    assert response.status_code == 422, response.content
    [error] = response.json()["errors"]
    assert error["field"] == "torrent" and error["message"].startswith(message), error
