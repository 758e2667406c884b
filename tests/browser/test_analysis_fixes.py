"""Analyze and scan at their edges: names with backslashes, limits met exactly, hidden files
without sizes, empty files, content that moves or loops while it is walked."""

import os

import pytest

from tests.browser.test_analyze import post
from tests.factories import instance_for, mapped_instance_for
from tests.harness.content import write
from tests.harness.fake_qbittorrent import FakeQbittorrent


def codes(body) -> list[str]:
    return [w["code"] for w in body["warnings"]]


# --- against real qBittorrent 5.1 and 5.3 ----------------------------------------------------


@pytest.mark.qbittorrent
def test_a_backslash_in_a_name_is_flagged_for_trackers(user_client, db, qbittorrent, content):
    instance_for(qbittorrent)
    host, qbt = content
    write(host, {"X/a\\b.txt": "x", "X/q?.txt": "x"})
    body = post(user_client, "analyze", path=f"{qbt}/X").json()
    names = next(w for w in body["warnings"] if w["code"] == "names")
    assert names["message"].startswith("2 names may be refused")
    assert f"{qbt}/X/a\\b.txt has a character" in names["message"]
    assert f"{qbt}/X/q?.txt has a character" in names["message"]


@pytest.mark.qbittorrent
def test_a_walk_ending_exactly_at_the_limit_is_complete(
    user_client, db, qbittorrent, content, settings
):
    settings.ANALYZE_MAX_ENTRIES = 4
    instance_for(qbittorrent)
    host, qbt = content
    write(host, {"X/d/f1.txt": "x", "X/d/f2.txt": "x", "X/f3.txt": "x"})  # 3 files, 1 folder
    body = post(user_client, "analyze", path=f"{qbt}/X").json()
    assert (body["files"], body["folders"]) == (3, 1)
    assert body["truncated"] is False
    assert "truncated" not in codes(body)


@pytest.mark.qbittorrent
def test_hidden_files_are_named_without_sizes(user_client, db, qbittorrent, content):
    mapped_instance_for(qbittorrent)
    host, qbt = content
    write(host, {"S/a.txt": "a", "S/.hidden": "h"})
    body = post(user_client, "analyze", path=f"{qbt}/S", includeSize=False).json()
    assert body["totalSize"] is None
    assert body["hiddenKnown"] is True
    assert body["hiddenFiles"] == [f"{qbt}/S/.hidden"]
    assert body["hiddenNote"].startswith("1 hidden file or folder will be left out:")


@pytest.mark.qbittorrent
@pytest.mark.parametrize(
    ("files", "target"),
    [
        ({"Z/empty.txt": b"", "Z/also-empty.txt": b""}, "Z"),
        ({"Z/sub/empty.txt": b"", "Z/top.txt": b""}, "Z"),
        ({"Z/empty.txt": b""}, "Z/empty.txt"),
    ],
)
def test_scan_refuses_content_of_zero_bytes(user_client, db, qbittorrent, content, files, target):
    instance_for(qbittorrent)
    host, qbt = content
    write(host, files)
    body = post(user_client, "scan", path=f"{qbt}/{target}").json()
    if qbittorrent.version == "5.1":  # sizes are not known: given the benefit of the doubt
        assert body["usable"] is True
    else:
        assert body["usable"] is False
        assert "empty (0 bytes)" in body["reason"]


@pytest.mark.qbittorrent
def test_scan_accepts_a_folder_with_one_file_of_data(user_client, db, qbittorrent, content):
    instance_for(qbittorrent)
    host, qbt = content
    write(host, {"Z/empty.txt": b"", "Z/sub/data.bin": b"1"})
    body = post(user_client, "scan", path=f"{qbt}/Z").json()
    assert (body["usable"], body["reason"]) == (True, None)


@pytest.mark.qbittorrent
def test_analyze_warns_when_every_file_is_empty(user_client, db, qbittorrent, content):
    mapped_instance_for(qbittorrent)
    host, qbt = content
    write(host, {"Z/empty.txt": b"", "Z/sub/empty.bin": b""})
    body = post(user_client, "analyze", path=f"{qbt}/Z").json()
    assert body["totalSize"] == 0
    assert "zero_size" in codes(body)
    write(host, {"Z/data.bin": b"1"})
    assert "zero_size" not in codes(post(user_client, "analyze", path=f"{qbt}/Z").json())


@pytest.mark.qbittorrent
def test_a_link_loop_without_a_mapping_ends_partial_and_says_so(
    user_client, db, qbittorrent, content
):
    instance_for(qbittorrent)
    host, qbt = content
    write(host, {"A/f.txt": "x"})
    os.symlink(".", host / "A" / "loop")
    body = post(user_client, "analyze", path=f"{qbt}/A").json()
    assert body["truncated"] is True
    assert "too_deep" in codes(body)
    assert body["files"] <= 33  # MAX_DEPTH folders down, never further


@pytest.mark.qbittorrent
def test_a_link_to_a_folder_is_not_followed_when_a_mapping_shows_it(
    user_client, db, qbittorrent, content
):
    mapped_instance_for(qbittorrent)
    host, qbt = content
    write(host, {"A/f.txt": "x"})
    os.symlink(".", host / "A" / "loop")
    body = post(user_client, "analyze", path=f"{qbt}/A").json()
    # partial: what the link leads to is not counted, and a creator may take it in
    assert (body["files"], body["folders"], body["truncated"]) == (1, 1, True)
    links = next(w for w in body["warnings"] if w["code"] == "links")
    assert links["message"] == (
        "1 folder is a link to another folder and was not looked into (a link can lead back "
        f"to the folder holding it): {qbt}/A/loop"
    )


# --- faults, through the fake qBittorrent (5.1: no sizes in listings) -------------------------


@pytest.fixture
def fake():
    server = FakeQbittorrent()
    yield server
    server.stop()


def serve_tree(fake, tree: dict[str, list[str]]):
    """getDirectoryContent from {folder: [names, a folder's ending in "/"]}; 404 for the rest."""

    def listing(request):
        folder, mode = request["form"]["dirPath"], request["form"].get("mode", "all")
        if folder not in tree:
            return 404, "Directory does not exist"
        names = tree[folder]
        wanted = [n for n in names if n.endswith("/") == (mode == "dirs")]
        return 200, [f"{folder}/{n.rstrip('/')}" for n in wanted]

    fake.routes["/api/v2/app/getDirectoryContent"] = listing


def test_a_subfolder_gone_mid_walk_is_left_out(user_client, db, fake):
    instance_for(fake)
    # qBittorrent listed "gone" as a folder, then moved it before it was listed
    serve_tree(fake, {"/data/X": ["gone/", "keep/", "a.txt"], "/data/X/keep": ["b.txt"]})
    serve_torrents(fake, [], {})
    response = post(user_client, "analyze", path="/data/X")
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["files"], body["folders"], body["truncated"]) == (2, 2, False)
    vanished = next(w for w in body["warnings"] if w["code"] == "vanished")
    assert vanished["message"] == (
        "1 folder was gone when listed (qBittorrent may have moved it) and is left out: "
        "/data/X/gone"
    )


def test_scan_of_a_folder_whose_only_subfolder_is_gone(user_client, db, fake):
    instance_for(fake)
    serve_tree(fake, {"/data/Y": ["gone/"]})
    response = post(user_client, "scan", path="/data/Y")
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["usable"], body["type"]) == (False, "dir")
    assert body["reason"].startswith("This folder holds no files")


def serve_torrents(fake, torrents: list[dict], files: dict[str, list[dict]]):
    fake.routes["/api/v2/torrents/info"] = (200, torrents)

    def torrent_files(request):
        info_hash = request["form"].get("hash")
        return (200, files[info_hash]) if info_hash in files else (404, "Not Found")

    fake.routes["/api/v2/torrents/files"] = torrent_files


def torrent(info_hash: str, content_path: str) -> dict:
    return {"hash": info_hash, "content_path": content_path, "save_path": "/data"}


def test_a_torrent_removed_while_sizes_are_read_is_skipped(user_client, db, fake):
    instance_for(fake)
    serve_tree(fake, {"/data/X": ["a.txt"]})
    serve_torrents(
        fake,
        [torrent("a" * 40, "/data/X"), torrent("b" * 40, "/data/X")],
        {"b" * 40: [{"name": "X/a.txt", "size": 5}]},  # the first one is gone
    )
    response = post(user_client, "analyze", path="/data/X")
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["totalSize"], body["sizeSource"]) == (5, "torrent")


def test_a_torrent_with_a_control_character_in_its_path_is_skipped(user_client, db, fake):
    instance_for(fake)
    serve_tree(fake, {"/data/X": ["a.txt"]})
    serve_torrents(
        fake,
        [torrent("a" * 40, "/data/odd\x01name"), torrent("b" * 40, "/data/X")],
        {"a" * 40: [], "b" * 40: [{"name": "X/a.txt", "size": 5}]},
    )
    response = post(user_client, "analyze", path="/data/X")
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["totalSize"], body["sizeSource"]) == (5, "torrent")
