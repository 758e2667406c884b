"""POST /api/qbittorrent/browse against real qBittorrent 5.1 and 5.3."""

import pytest

from browser.api import BrowseOut
from tests.harness.content import write

pytestmark = pytest.mark.qbittorrent


def browse(client, **body):
    response = client.post("/api/qbittorrent/browse", body, content_type="application/json")
    if response.status_code == 200:
        BrowseOut.model_validate(response.json())  # the answer keeps its documented shape
    return response


def test_folders_come_first_in_natural_order(user_client, instance, content, qbittorrent):
    host, qbt = content
    write(
        host,
        {
            "Episode 10.mkv": "x" * 10,
            "episode 2.mkv": "x",
            "b/readme.txt": "x",
            "A dir/x": "",
            "Season 10/x": "",
            "Season 9/x": "",
        },
    )
    response = browse(user_client, path=qbt)
    assert response.status_code == 200, response.content
    body = response.json()
    assert [(e["name"], e["type"]) for e in body["entries"]] == [
        ("A dir", "dir"),
        ("b", "dir"),
        ("Season 9", "dir"),
        ("Season 10", "dir"),
        ("episode 2.mkv", "file"),
        ("Episode 10.mkv", "file"),
    ]
    assert body["entries"][0]["path"] == f"{qbt}/A dir"
    assert body["path"] == qbt
    assert body["parent"] == qbittorrent.qbt_data_dir
    assert body["instance"] == {"id": instance.pk, "name": instance.name}


def test_sizes_and_times_come_with_metadata_from_5_2(user_client, instance, content, qbittorrent):
    host, qbt = content
    write(host, {"ten.bin": b"0123456789"})
    body = browse(user_client, path=qbt).json()
    entry = body["entries"][0]
    if qbittorrent.version == "5.1":
        assert body["sizesKnown"] is False
        assert entry["size"] is None and entry["modified"] is None
    else:
        assert body["sizesKnown"] is True
        assert entry["size"] == 10
        assert entry["modified"].startswith("20")


def test_a_deep_tree_has_breadcrumbs_from_the_root(user_client, instance, content, qbittorrent):
    host, qbt = content
    write(host, {"a/b/c/d/e/f/leaf.txt": "leaf"})
    body = browse(user_client, path=f"{qbt}/a/b/c/d/e/f").json()
    assert [e["name"] for e in body["entries"]] == ["leaf.txt"]
    names = [c["name"] for c in body["breadcrumbs"]]
    assert names[0] == qbittorrent.qbt_data_dir
    assert names[1:] == [qbt.rsplit("/", 1)[1], "a", "b", "c", "d", "e", "f"]
    assert body["parent"] == f"{qbt}/a/b/c/d/e"


def test_unicode_and_spaces_in_names(user_client, instance, content):
    host, qbt = content
    names = ["Ünïcödé — 日本語 (2024)", "  two  spaces ", "emoji 🎬.mkv"]
    for name in names:
        (host / name).mkdir()
    body = browse(user_client, path=qbt).json()
    assert sorted(e["name"] for e in body["entries"]) == sorted(names)
    inner = browse(user_client, path=f"{qbt}/{names[0]}")
    assert inner.status_code == 200
    assert inner.json()["path"] == f"{qbt}/{names[0]}"


def test_an_empty_folder_lists_nothing(user_client, instance, content):
    assert browse(user_client, path=content[1]).json()["entries"] == []


@pytest.mark.slow
def test_a_folder_of_ten_thousand_entries(user_client, instance, content):
    host, qbt = content
    for n in range(10_000):
        (host / f"file {n}.txt").touch()
    body = browse(user_client, path=qbt).json()
    assert len(body["entries"]) == 10_000
    assert body["entries"][0]["name"] == "file 0.txt"
    assert body["entries"][-1]["name"] == "file 9999.txt"


def test_a_missing_folder_is_a_404_at_the_path_field(user_client, instance, content):
    response = browse(user_client, path=f"{content[1]}/nope")
    assert response.status_code == 404
    body = response.json()
    assert body["detail"] == f"Directory does not exist: {content[1]}/nope"
    assert body["errors"] == [{"field": "path", "message": body["detail"]}]


@pytest.mark.parametrize("suffix", ["/../../etc", "/../..", "/..//..//..//etc/", "/%2e%2e/%2e%2e"])
def test_traversal_outside_the_roots_is_refused(user_client, instance, content, suffix):
    response = browse(user_client, path=content[1] + suffix)
    if "%2e" in suffix:  # percent-encoding is not decoded: a folder of that name, not found
        assert response.status_code == 404
    else:
        assert response.status_code == 403
        assert response.json()["code"] == "outside_roots"
        assert response.json()["errors"][0]["field"] == "path"


@pytest.mark.parametrize(
    ("path", "status"),
    [("relative/path", 400), (" ", 400), ("/data/\x00", 400), ("/data/\udce9", 400)],
)
def test_malformed_paths_are_refused_at_the_path_field(user_client, instance, path, status):
    response = browse(user_client, path=path)
    assert response.status_code == status
    assert response.json()["errors"][0]["field"] == "path"


def test_without_a_path_browsing_starts_at_the_last_folder(
    user_client, instance, content, qbittorrent
):
    assert browse(user_client).json()["path"] == qbittorrent.qbt_data_dir
    browse(user_client, path=content[1])
    assert browse(user_client).json()["path"] == content[1]


def test_listings_are_cached_briefly_and_refresh_on_request(user_client, instance, content):
    host, qbt = content
    assert browse(user_client, path=qbt).json()["cached"] is False
    (host / "new.txt").touch()
    again = browse(user_client, path=qbt).json()
    assert again["cached"] is True and again["entries"] == []
    fresh = browse(user_client, path=qbt, refresh=True).json()
    assert fresh["cached"] is False
    assert [e["name"] for e in fresh["entries"]] == ["new.txt"]


def test_default_roots_are_the_top_folder_of_the_default_save_path(user_client, db, qbittorrent):
    from tests.factories import instance_for

    instance_for(qbittorrent, allowed_roots=[])
    body = browse(user_client).json()
    assert body["roots"] == ["/srv"]
    assert browse(user_client, path="/etc").status_code == 403
