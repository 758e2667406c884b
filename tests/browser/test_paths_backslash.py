"""A backslash is a separator only in a Windows drive path; on a POSIX host it is part of a name."""

import pytest

from browser import paths
from tests.factories import InstanceFactory, instance_for
from tests.harness.content import write


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("/data/back\\slash", "/data/back\\slash"),
        ("/data/back\\slash/", "/data/back\\slash"),
        ("/data/a\\..\\b", "/data/a\\..\\b"),  # names, not a way up
        ("/data/C:\\x", "/data/C:\\x"),
        ("D:\\Media\\TV\\", "D:/Media/TV"),
        ("D:/Media\\TV", "D:/Media/TV"),
        ("c:\\", "C:/"),
        ("D:", "D:/"),
    ],
)
def test_normalize_keeps_a_backslash_in_a_posix_name(raw, expected):
    assert paths.normalize(raw) == expected


def test_basename_and_parent_keep_a_backslash_in_a_posix_name():
    assert paths.basename("/data/back\\slash") == "back\\slash"
    assert paths.basename("/data/x/a\\b.txt") == "a\\b.txt"
    assert paths.parent("/data/back\\slash") == "/data"
    assert paths.parent("/data/back\\slash/x") == "/data/back\\slash"
    assert paths.basename("D:\\Media\\TV") == "TV"
    assert paths.parent("D:\\Media\\TV") == "D:/Media"


def test_breadcrumbs_of_a_name_with_a_backslash():
    crumbs = paths.breadcrumbs("/data/back\\slash", ["/data"])
    assert [(c.name, c.path) for c in crumbs] == [
        ("/data", "/data"),
        ("back\\slash", "/data/back\\slash"),
    ]


def test_a_folder_with_a_backslash_stays_within_its_root():
    assert paths.confine("/data/back\\slash", ["/data"]) == "/data/back\\slash"
    assert paths.top_directory("/data\\x/y") == "/data\\x"


def post(client, endpoint, **body):
    return client.post(f"/api/{endpoint}", body, content_type="application/json")


@pytest.mark.qbittorrent
def test_a_folder_named_with_a_backslash_can_be_opened(user_client, db, qbittorrent, content):
    instance_for(qbittorrent)
    host, qbt = content
    write(host, {"back\\slash/inside.txt": "x"})
    listed = post(user_client, "qbittorrent/browse", path=qbt).json()
    assert [(e["name"], e["path"]) for e in listed["entries"]] == [
        ("back\\slash", f"{qbt}/back\\slash")
    ]
    opened = post(user_client, "qbittorrent/browse", path=f"{qbt}/back\\slash")
    assert opened.status_code == 200, opened.content
    assert [e["name"] for e in opened.json()["entries"]] == ["inside.txt"]
    assert opened.json()["parent"] == qbt
    scanned = post(user_client, "qbittorrent/scan", path=f"{qbt}/back\\slash").json()
    assert (scanned["usable"], scanned["type"], scanned["files"]) == (True, "dir", 1)
    picker = user_client.get("/browse/picker", {"path": f"{qbt}/back\\slash"})
    assert picker.status_code == 200
    assert "inside.txt" in picker.content.decode()


def test_local_mode_opens_a_folder_named_with_a_backslash(user_client, db, tmp_path):
    library = tmp_path / "library"
    write(library, {"back\\slash/inside.txt": "x"})
    InstanceFactory(
        is_default=True,
        url="http://127.0.0.1:9",
        path_mappings=[{"host_path": str(library), "qbt_path": "/data"}],
    )
    response = post(user_client, "unified/browse", path=f"{library}/back\\slash", mode="local")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["path"] == f"{library}/back\\slash"
    assert [(e["name"], e["qbtPath"]) for e in body["entries"]] == [
        ("inside.txt", "/data/back\\slash/inside.txt")
    ]
