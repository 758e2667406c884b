"""Local mode (deprecated) and the unified endpoints that fall back to it."""

import os
from urllib.parse import quote_plus

import pytest

from browser.local import DEPRECATION
from tests.factories import InstanceFactory, instance_for
from tests.harness.content import write


def post(client, endpoint, **body):
    return client.post(f"/api/{endpoint}", body, content_type="application/json")


@pytest.fixture
def host_tree(tmp_path):
    """This server's folders: a mapped library, and a secret folder outside it."""
    library = tmp_path / "mnt" / "user" / "data"
    write(library, {"tv/Show/E01.mkv": b"x" * 100, "tv/.hidden": "h", "movies/M.mkv": "m"})
    secret = tmp_path / "secret"
    write(secret, {"passwords.txt": "hunter2"})
    os.symlink(secret, library / "tv" / "escape")
    os.symlink(library / "movies", library / "tv" / "movies-link")
    return library, secret


@pytest.fixture
def local_instance(db, host_tree):
    library, _ = host_tree
    return InstanceFactory(
        is_default=True,
        url="http://127.0.0.1:9",
        path_mappings=[{"host_path": str(library), "qbt_path": "/data"}],
    )


def test_local_browse_lists_this_servers_folder_with_qbittorrent_paths(
    user_client, local_instance, host_tree
):
    library, _ = host_tree
    response = post(user_client, "unified/browse", path=f"{library}/tv", mode="local")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["mode"] == "local"
    assert body["deprecation"] == DEPRECATION
    names = [e["name"] for e in body["entries"]]
    assert names == ["movies-link", "Show"]  # no hidden file, no link leading outside
    assert body["notes"] == ["1 link leading outside the allowed folders is not shown."]
    show = body["entries"][1]
    assert show["qbtPath"] == "/data/tv/Show"


def test_hidden_files_show_on_request(user_client, local_instance, host_tree):
    library, _ = host_tree
    body = post(
        user_client, "unified/browse", path=f"{library}/tv", mode="local", showHidden=True
    ).json()
    assert ".hidden" in [e["name"] for e in body["entries"]]
    # without showHidden, the saved preference decides
    user_client.put(
        "/api/navigation/preferences", {"showHidden": True}, content_type="application/json"
    )
    body = post(user_client, "unified/browse", path=f"{library}/tv", mode="local").json()
    assert ".hidden" in [e["name"] for e in body["entries"]]
    body = post(
        user_client, "unified/browse", path=f"{library}/tv", mode="local", showHidden=False
    ).json()
    assert ".hidden" not in [e["name"] for e in body["entries"]]


@pytest.mark.parametrize("suffix", ["/tv/escape", "/tv/escape/", "/../../secret", "/tv/../.."])
def test_nothing_outside_the_mapped_folders_can_be_reached(
    user_client, local_instance, host_tree, suffix
):
    library, _ = host_tree
    response = post(user_client, "unified/browse", path=f"{library}{suffix}", mode="local")
    assert response.status_code == 403
    assert "hunter2" not in response.content.decode()
    scan = post(user_client, "unified/scan", path=f"{library}{suffix}", mode="local")
    assert scan.status_code == 403


def test_a_link_inside_the_mapped_folders_is_followed(user_client, local_instance, host_tree):
    library, _ = host_tree
    body = post(
        user_client, "unified/browse", path=f"{library}/tv/movies-link", mode="local"
    ).json()
    assert [e["name"] for e in body["entries"]] == ["M.mkv"]


def test_legacy_scan_checks_a_path_on_this_server(user_client, local_instance, host_tree):
    library, _ = host_tree
    body = post(user_client, "scan", path=f"{library}/tv/Show").json()
    assert (body["usable"], body["type"], body["files"], body["size"]) == (True, "dir", 1, 100)
    assert body["deprecation"] == DEPRECATION
    missing = post(user_client, "scan", path=f"{library}/nope").json()
    assert missing["usable"] is False


def test_local_mode_without_a_mapping_says_what_to_do(user_client, db):
    InstanceFactory(is_default=True)
    response = post(user_client, "unified/browse", mode="local")
    assert response.status_code == 409
    assert "needs a path mapping" in response.json()["detail"]


@pytest.mark.qbittorrent
def test_a_too_old_qbittorrent_falls_back_to_local_mode_and_says_so(
    user_client, db, qbittorrent_45
):
    write(qbittorrent_45.host_data_dir, {"Album/01.flac": "x"})
    instance = instance_for(
        qbittorrent_45,
        path_mappings=[
            {
                "host_path": str(qbittorrent_45.host_data_dir),
                "qbt_path": qbittorrent_45.qbt_data_dir,
            }
        ],
    )
    response = post(
        user_client, "unified/browse", path=qbittorrent_45.qbt_data_dir, mode="qbittorrent"
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["mode"] == "local"
    assert body["fallbackReason"].startswith(f"qBittorrent '{instance.name}' v4.5.2")
    assert "Showing this server's folders" in body["fallbackReason"]
    assert body["path"] == str(qbittorrent_45.host_data_dir)
    album = next(e for e in body["entries"] if e["name"] == "Album")
    assert album["qbtPath"] == f"{qbittorrent_45.qbt_data_dir}/Album"
    scan = post(user_client, "unified/scan", path=f"{qbittorrent_45.qbt_data_dir}/Album").json()
    assert (scan["mode"], scan["usable"]) == ("local", True)


def test_an_unreachable_qbittorrent_falls_back_and_browsing_stays_on_this_server(
    user_client, local_instance, host_tree
):
    library, _ = host_tree
    local_instance.allowed_roots = ["/data"]
    local_instance.save()
    body = post(user_client, "unified/browse", path="/data/tv", mode="qbittorrent").json()
    assert body["mode"] == "local" and "cannot be reached" in body["fallbackReason"]
    assert body["path"] == f"{library}/tv"
    show = next(e for e in body["entries"] if e["name"] == "Show")
    # following an entry of that answer, without naming a mode, opens that folder
    deeper = post(user_client, "unified/browse", path=show["path"]).json()
    assert (deeper["mode"], deeper["path"]) == ("local", show["path"])
    assert [e["name"] for e in deeper["entries"]] == ["E01.mkv"]
    # the picker's links stay in local mode, so a click opens the folder clicked
    picker = user_client.get("/browse/picker", {"path": "/data/tv"}).content.decode()
    link = f"/browse/picker?path={quote_plus(show['path'])}&amp;instance={local_instance.pk}"
    assert f'hx-get="{link}&amp;mode=local"' in picker
    inner = user_client.get(
        "/browse/picker", {"path": show["path"], "instance": local_instance.pk, "mode": "local"}
    ).content.decode()
    assert '<span aria-current="location">Show</span>' in inner
    assert "E01.mkv" in inner


def test_a_link_leading_outside_is_not_content_to_scan(user_client, local_instance, host_tree):
    library, secret = host_tree
    (library / "only-a-link").mkdir()
    os.symlink(secret / "passwords.txt", library / "only-a-link" / "passwords.txt")
    (library / "deeper" / "inside").mkdir(parents=True)
    os.symlink(secret / "passwords.txt", library / "deeper" / "inside" / "passwords.txt")
    # Links to elsewhere in the mapped folders: the local engine leaves out what a link leads
    # to outside the source, so these are no source either.
    (library / "links-within").mkdir()
    os.symlink(library / "movies" / "M.mkv", library / "links-within" / "M.mkv")
    os.symlink(library / "movies", library / "links-within" / "movies")
    (library / "links-deeper" / "inside").mkdir(parents=True)
    os.symlink(library / "movies" / "M.mkv", library / "links-deeper" / "inside" / "M.mkv")
    for folder in ("only-a-link", "deeper", "links-within", "links-deeper"):
        body = post(user_client, "unified/scan", path=f"{library}/{folder}", mode="local").json()
        assert (body["usable"], body["files"], body["size"]) == (False, 0, None), body
        assert body["folders"] == (1 if folder in ("deeper", "links-deeper") else 0), body
        assert body["reason"] == "This folder holds no files: a torrent needs at least one."
    # a link to a file inside the source is that file, for the scan as for the engine
    os.symlink(library / "links-within" / "M.mkv", library / "links-within" / "again.mkv")
    (library / "links-within" / "real.mkv").write_bytes(b"r" * 7)
    os.symlink(library / "links-within" / "real.mkv", library / "links-within" / "alias.mkv")
    body = post(user_client, "unified/scan", path=f"{library}/links-within", mode="local").json()
    assert (body["usable"], body["files"], body["size"]) == (True, 2, 14), body


def test_content_of_0_bytes_is_no_source(user_client, local_instance, host_tree):
    library, _ = host_tree
    write(library / "empty", {"a.txt": b"", "sub/b.txt": b""})
    (library / "lone.txt").write_bytes(b"")
    for path, words in (
        (library / "empty", "Every file here is"),
        (library / "lone.txt", "This file is"),
    ):
        body = post(user_client, "unified/scan", path=str(path), mode="local").json()
        assert body["usable"] is False, body
        assert body["reason"] == f"{words} empty (0 bytes): a torrent cannot be made of no data."
    (library / "empty" / "sub" / "c.txt").write_bytes(b"c")
    body = post(user_client, "unified/scan", path=f"{library}/empty", mode="local").json()
    assert (body["usable"], body["reason"]) == (True, None)


def test_a_folder_this_server_cannot_read_is_a_403_in_words(
    user_client, local_instance, host_tree, monkeypatch
):
    library, _ = host_tree
    real_scandir = os.scandir

    def scandir(path="."):
        if os.fspath(path) == f"{library}/tv":
            raise PermissionError(13, "Permission denied", os.fspath(path))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    for endpoint in ("unified/browse", "unified/scan"):
        response = post(user_client, endpoint, path=f"{library}/tv", mode="local")
        assert response.status_code == 403, response.content
        assert response.json()["detail"] == f"Cannot read {library}/tv: Permission denied."


def test_an_unreachable_qbittorrent_without_mappings_is_an_error(user_client, db):
    InstanceFactory(is_default=True, url="http://127.0.0.1:9", allowed_roots=["/data"])
    response = post(user_client, "unified/browse", path="/data", mode="qbittorrent")
    assert response.status_code == 503


def test_preferences_choose_the_mode_when_none_is_given(user_client, local_instance, host_tree):
    assert user_client.get("/api/navigation/preferences").json() == {
        "mode": None,  # never chosen: the rollout decides (everyone browses qBittorrent)
        "effectiveMode": "qbittorrent",
        "showHidden": False,
        "rememberLastPath": True,
    }
    updated = user_client.put(
        "/api/navigation/preferences", {"mode": "local"}, content_type="application/json"
    )
    assert (updated.json()["mode"], updated.json()["effectiveMode"]) == ("local", "local")
    body = post(user_client, "unified/browse").json()
    assert body["mode"] == "local"
    assert body["path"] == str(host_tree[0])
    bad = user_client.put(
        "/api/navigation/preferences", {"mode": "ftp"}, content_type="application/json"
    )
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["field"] == "mode"


def test_the_preferences_page_sets_mode_hidden_files_and_last_folder(
    user_client, local_instance, host_tree
):
    library, _ = host_tree
    page = user_client.get("/browse/preferences").content.decode()
    assert "Mode (now: qBittorrent&#x27;s view)" in page
    saved = user_client.post(
        "/browse/preferences", {"mode": "local", "show_hidden": "on"}, follow=True
    )
    assert "Your browsing preferences are saved." in saved.content.decode()
    assert user_client.get("/api/navigation/preferences").json() == {
        "mode": "local",
        "effectiveMode": "local",
        "showHidden": True,
        "rememberLastPath": False,
    }
    # the picker now opens this server's folders, hidden files included
    picker = user_client.get("/browse/picker", {"path": f"{library}/tv"}).content.decode()
    assert ".hidden" in picker and "Browsing preferences" in picker
    user_client.post("/browse/preferences", {"mode": "", "remember_last_path": "on"})
    assert user_client.get("/api/navigation/preferences").json()["mode"] is None
    refused = user_client.post("/browse/preferences", {"mode": "ftp"})
    assert refused.status_code == 400
    assert "There is no browsing mode called &#x27;ftp&#x27;." in refused.content.decode()


def test_a_picker_error_keeps_its_instance_chosen_and_offers_to_try_again(user_client, db):
    InstanceFactory(is_default=True, url="http://127.0.0.1:9", allowed_roots=["/data"])
    down = InstanceFactory(url="http://127.0.0.1:9", allowed_roots=["/data"])
    html = user_client.get("/browse/picker", {"instance": down.pk}).content.decode()
    assert "cannot be reached" in html
    assert f'<option value="{down.pk}" selected>' in html
    assert f'hx-get="/browse/picker?instance={down.pk}&amp;refresh=1"' in html


def test_a_name_that_is_not_utf8_is_left_out_of_a_listing_and_said(
    user_client, local_instance, host_tree
):
    library, _ = host_tree
    odd = os.fsencode(library / "tv" / "Show") + b"/caf\xe9.mkv"
    with open(odd, "wb") as handle:
        handle.write(b"x")
    response = post(user_client, "unified/browse", path=f"{library}/tv/Show", mode="local")
    assert response.status_code == 200, response.content
    body = response.json()
    assert [e["name"] for e in body["entries"]] == ["E01.mkv"]
    assert body["notes"] == ["1 name that is not UTF-8 text is not shown (rename it to use it)."]
    scan = post(user_client, "unified/scan", path=f"{library}/tv/Show", mode="local").json()
    assert (scan["usable"], scan["files"]) == (True, 2)
