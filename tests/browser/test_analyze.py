"""POST /api/qbittorrent/analyze and /scan against real qBittorrent 5.1 and 5.3."""

import libtorrent as lt
import pytest

from tests.factories import instance_for, mapped_instance_for
from tests.harness.content import write

pytestmark = pytest.mark.qbittorrent

TREE = {
    "Show/S01/E01.mkv": b"v" * 3000,
    "Show/S01/E02.mkv": b"v" * 2000,
    "Show/S01/E01.srt": b"s" * 10,
    "Show/cover.jpg": b"j" * 500,
    "Show/notes.nfo": b"n" * 20,
}


def post(client, endpoint, **body):
    return client.post(f"/api/qbittorrent/{endpoint}", body, content_type="application/json")


def test_totals_largest_files_and_kinds(user_client, db, qbittorrent, content):
    mapped_instance_for(qbittorrent)
    host, qbt = content
    write(host, TREE)
    response = post(user_client, "analyze", path=f"{qbt}/Show", includeSize=True, recursive=True)
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["files"], body["folders"], body["totalSize"]) == (5, 1, 5530)
    assert body["sizeSource"] == ("qbittorrent" if qbittorrent.version == "5.3" else "local")
    assert [f["name"] for f in body["largest"][:2]] == ["E01.mkv", "E02.mkv"]
    assert body["largest"][0]["size"] == 3000
    kinds = {k["kind"]: (k["files"], k["size"]) for k in body["kinds"]}
    assert kinds == {
        "video": (2, 5000),
        "subtitle": (1, 10),
        "image": (1, 500),
        "document": (1, 20),
    }
    assert body["truncated"] is False
    assert body["qbittorrentRequests"] >= 2


def test_hidden_files_are_named_when_a_mapping_shows_them(user_client, db, qbittorrent, content):
    mapped_instance_for(qbittorrent)
    host, qbt = content
    write(host, {"a.txt": "a", ".DS_Store": "x", ".git/config": "x"})
    body = post(user_client, "analyze", path=qbt).json()
    assert body["files"] == 1
    assert body["hiddenKnown"] is True
    assert sorted(body["hiddenFiles"]) == [f"{qbt}/.DS_Store", f"{qbt}/.git"]
    assert body["hiddenNote"].startswith("2 hidden files or folders will be left out")


def test_without_sizes_from_anywhere_it_says_why(user_client, db, qbittorrent, content):
    instance_for(qbittorrent)
    host, qbt = content
    write(host, {"a.bin": b"12345"})
    body = post(user_client, "analyze", path=qbt).json()
    if qbittorrent.version == "5.3":
        assert body["totalSize"] == 5
    else:
        assert body["totalSize"] is None and body["sizeSource"] is None
        assert body["sizeUnknownReason"].startswith("qBittorrent v5.1.0 does not give file sizes")
        assert "size_unknown" in [w["code"] for w in body["warnings"]]
    assert body["hiddenKnown"] is False


def test_sizes_come_from_a_torrent_qbittorrent_already_has(user_client, db, qbittorrent, content):
    instance_for(qbittorrent)
    host, qbt = content
    write(host, {"Album/01.flac": b"f" * 40000, "Album/02.flac": b"f" * 20000})
    storage = lt.file_storage()
    lt.add_files(storage, str(host / "Album"))
    creator = lt.create_torrent(storage, 16384)
    lt.set_piece_hashes(creator, str(host))
    data = lt.bencode(creator.generate())
    info_hash = str(lt.torrent_info(lt.bdecode(data)).info_hash())
    added = qbittorrent.api(
        "POST",
        "torrents/add",
        files={"torrents": ("a.torrent", data)},
        data={
            "savepath": qbt,
            "skip_checking": "true",
            "seedMode": "true",
            "paused": "true",
            "stopped": "true",
        },
    )
    assert added.status_code in (200, 202), added.text
    try:
        body = post(user_client, "analyze", path=f"{qbt}/Album").json()
        assert body["totalSize"] == 60000
        expected = "qbittorrent" if qbittorrent.version == "5.3" else "torrent"
        assert body["sizeSource"] == expected
    finally:
        qbittorrent.api(
            "POST", "torrents/delete", data={"hashes": info_hash, "deleteFiles": "false"}
        )


def test_warnings_for_an_empty_folder_and_names_trackers_refuse(
    user_client, db, qbittorrent, content
):
    instance_for(qbittorrent)
    host, qbt = content
    (host / "empty").mkdir()
    write(host, {"odd/what?.txt": "x", "odd/trailing dot.": "x"})
    empty = post(user_client, "analyze", path=f"{qbt}/empty").json()
    assert [w["code"] for w in empty["warnings"]] == ["empty"]
    odd = post(user_client, "analyze", path=f"{qbt}/odd").json()
    names = next(w for w in odd["warnings"] if w["code"] == "names")
    assert names["message"].startswith("2 names may be refused")
    assert "what?.txt has a character" in names["message"]
    # the folder's own name becomes the torrent's name: it is checked too
    write(host, {"What?/a.txt": "x"})
    named = post(user_client, "analyze", path=f"{qbt}/What?").json()
    names = next(w for w in named["warnings"] if w["code"] == "names")
    assert names["message"] == (
        f"1 name may be refused: {qbt}/What? has a character Windows and many trackers "
        'refuse (<>:"\\|?*)'
    )


def test_many_small_files_are_flagged(user_client, db, qbittorrent, content):
    mapped_instance_for(qbittorrent)
    host, qbt = content
    write(host, {f"tiny/{n}.txt": "x" for n in range(120)})
    body = post(user_client, "analyze", path=f"{qbt}/tiny").json()
    assert "small_files" in [w["code"] for w in body["warnings"]]


def test_the_walk_stops_at_its_limit_and_says_so(user_client, db, qbittorrent, content, settings):
    settings.ANALYZE_MAX_ENTRIES = 10
    instance_for(qbittorrent)
    host, qbt = content
    write(host, {f"d{n}/f{m}.txt": "x" for n in range(10) for m in range(5)})
    body = post(user_client, "analyze", path=qbt).json()
    assert body["truncated"] is True
    assert "truncated" in [w["code"] for w in body["warnings"]]
    assert body["files"] + body["folders"] < 60


def test_not_recursive_stays_at_the_top(user_client, db, qbittorrent, content):
    instance_for(qbittorrent)
    host, qbt = content
    write(host, TREE)
    body = post(user_client, "analyze", path=f"{qbt}/Show", recursive=False).json()
    assert (body["files"], body["folders"]) == (2, 1)
    unsized = post(user_client, "analyze", path=f"{qbt}/Show", includeSize=False).json()
    assert (unsized["totalSize"], unsized["warnings"]) == (None, [])  # not asked: no warning


def test_a_single_file_can_be_analyzed(user_client, db, qbittorrent, content):
    mapped_instance_for(qbittorrent)
    host, qbt = content
    write(host, {"movie.mkv": b"m" * 1234})
    body = post(user_client, "analyze", path=f"{qbt}/movie.mkv").json()
    assert (body["type"], body["files"], body["totalSize"]) == ("file", 1, 1234)


def test_missing_and_forbidden_paths(user_client, db, qbittorrent, content):
    instance_for(qbittorrent)
    missing = post(user_client, "analyze", path=f"{content[1]}/nothing")
    assert missing.status_code == 404
    assert missing.json()["errors"][0]["field"] == "path"
    assert post(user_client, "analyze", path="/etc").status_code == 403


@pytest.mark.parametrize(
    ("files", "target", "usable", "kind"),
    [
        ({"a/x.bin": "x"}, "a", True, "dir"),
        ({"a/b/c/x.bin": "x"}, "a", True, "dir"),
        ({"a/x.bin": "x"}, "a/x.bin", True, "file"),
        ({"a/.hidden": "x"}, "a", False, "dir"),
        ({}, "nothing", False, None),
    ],
)
def test_scan_says_whether_a_path_can_be_a_source(
    user_client, db, qbittorrent, content, files, target, usable, kind
):
    instance_for(qbittorrent)
    host, qbt = content
    write(host, files)
    response = post(user_client, "scan", path=f"{qbt}/{target}")
    assert response.status_code == 200
    body = response.json()
    assert (body["usable"], body["type"]) == (usable, kind)
    if not usable:
        assert body["reason"]


def test_default_paths_say_what_exists_and_what_is_allowed(user_client, db, qbittorrent, content):
    instance_for(qbittorrent)
    host, qbt = content
    (host / "tv").mkdir()
    for name, save_path in (
        ("tv-cat", f"{qbt}/tv"),
        ("gone", f"{qbt}/gone"),
        ("elsewhere", "/elsewhere"),
    ):
        created = qbittorrent.api(
            "POST", "torrents/createCategory", data={"category": name, "savePath": save_path}
        )
        assert created.status_code in (200, 204), created.text
    try:
        body = user_client.get("/api/qbittorrent/default-paths").json()
        found = {p["label"]: (p["path"], p["allowed"], p["exists"]) for p in body["paths"]}
        default_save = f"{qbittorrent.qbt_data_dir}/downloads"
        assert found["Default save path"] == (default_save, True, True)
        assert found["Category: tv-cat"] == (f"{qbt}/tv", True, True)
        assert found["Category: gone"] == (f"{qbt}/gone", True, False)
        assert found["Category: elsewhere"] == ("/elsewhere", False, None)
        assert found["Allowed folder"] == (qbittorrent.qbt_data_dir, True, True)
    finally:
        qbittorrent.api(
            "POST", "torrents/removeCategories", data={"categories": "tv-cat\ngone\nelsewhere"}
        )


def test_a_link_out_of_the_mapped_folders_tells_nothing_of_its_target(
    user_client, db, qbittorrent_pool, tmp_path
):
    """5.1 gives no sizes: they are read through the mapping, but not through a link leading
    elsewhere on this server (its size would tell of a file the user may not browse)."""
    qbittorrent = qbittorrent_pool.get("5.1")
    mapped_instance_for(qbittorrent)
    host = qbittorrent.host_data_dir / f"linked-{tmp_path.name}"
    write(host, {"a.bin": b"a" * 100})
    # qBittorrent (in its root) sees a file there too, so it lists the link
    (host / "b.bin").symlink_to("/etc/passwd")
    qbt = qbittorrent.qbt_path(host)
    body = post(user_client, "analyze", path=qbt, includeSize=True, recursive=True).json()
    assert body["files"] == 2, body
    assert body["totalSize"] is None, body
