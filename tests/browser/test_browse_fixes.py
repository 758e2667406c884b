"""Browsing bugs from the review: a removed last folder, a too-old qBittorrent's fallback, local
mode inside the allowed roots, credentials in an instance's address, resetting the mode."""

import threading
import time
import uuid
import weakref

import pytest
from django.core.exceptions import ValidationError

from browser.browse import listing_cache
from browser.instances import _default_roots
from browser.models import NavigationPreference
from tests.factories import InstanceFactory, instance_for
from tests.harness.content import write
from tests.harness.fake_qbittorrent import FakeQbittorrent


def post(client, endpoint, **body):
    return client.post(f"/api/{endpoint}", body, content_type="application/json")


# --- a remembered folder that was removed ----------------------------------------------------


@pytest.mark.qbittorrent
def test_browsing_without_a_path_opens_the_first_root_when_the_last_folder_is_gone(
    user_client, instance, content, qbittorrent
):
    host, qbt = content
    (host / "gone").mkdir()
    assert post(user_client, "qbittorrent/browse", path=f"{qbt}/gone").status_code == 200
    (host / "gone").rmdir()
    listing_cache.clear()  # as after a few seconds
    response = post(user_client, "qbittorrent/browse")
    assert response.status_code == 200, response.content
    assert response.json()["path"] == qbittorrent.qbt_data_dir
    # the removed folder is forgotten: browsing starts at the root from now on
    assert NavigationPreference.objects.get().last_path == qbittorrent.qbt_data_dir
    page = user_client.get("/browse/").content.decode()
    assert "Directory does not exist" not in page
    assert "Default save path" in page  # the quick paths are there
    assert f"{content[1].rsplit('/', 1)[1]}" in page  # and the root's listing


@pytest.mark.qbittorrent
def test_a_folder_asked_for_by_name_that_is_gone_is_still_a_404(user_client, instance, content):
    response = post(user_client, "qbittorrent/browse", path=f"{content[1]}/nope")
    assert response.status_code == 404
    assert response.json()["errors"][0]["field"] == "path"


@pytest.mark.qbittorrent
def test_the_picker_offers_a_way_out_of_a_missing_folder(
    user_client, instance, content, qbittorrent
):
    html = user_client.get("/browse/picker", {"path": f"{content[1]}/nope"}).content.decode()
    assert 'role="alert"' in html and "Directory does not exist" in html
    assert "Default save path" in html  # the quick paths
    assert f'hx-get="/browse/picker?instance={instance.pk}"' in html  # the starting folder


# --- a too-old qBittorrent falls back as an unreachable one does ------------------------------


@pytest.fixture
def old_instance(db, qbittorrent_45):
    return instance_for(
        qbittorrent_45,
        path_mappings=[
            {
                "host_path": str(qbittorrent_45.host_data_dir),
                "qbt_path": qbittorrent_45.qbt_data_dir,
            }
        ],
    )


@pytest.mark.qbittorrent
@pytest.mark.parametrize("mode", [None, "qbittorrent"])
def test_a_too_old_qbittorrent_keeps_browsing_this_servers_folders(
    user_client, old_instance, qbittorrent_45, mode
):
    name = f"Album-{uuid.uuid4().hex[:8]}"
    write(qbittorrent_45.host_data_dir, {f"{name}/01.flac": "x"})
    first = post(
        user_client, "unified/browse", path=qbittorrent_45.qbt_data_dir, mode="qbittorrent"
    ).json()
    album = next(e for e in first["entries"] if e["name"] == name)
    on_host = album["path"]
    assert on_host == f"{qbittorrent_45.host_data_dir}/{name}"
    body = {"path": on_host} | ({"mode": mode} if mode else {})
    response = post(user_client, "unified/browse", **body)
    assert response.status_code == 200, response.content
    deeper = response.json()
    assert (deeper["mode"], deeper["path"]) == ("local", on_host)
    assert [e["name"] for e in deeper["entries"]] == ["01.flac"]
    assert "too old" in deeper["fallbackReason"]
    scan = post(user_client, "unified/scan", **body)
    assert scan.status_code == 200, scan.content
    assert (scan.json()["mode"], scan.json()["usable"]) == ("local", True)
    picker = user_client.get("/browse/picker", {"path": on_host}).content.decode()
    assert "01.flac" in picker and 'role="alert"' not in picker


@pytest.mark.qbittorrent
def test_a_too_old_qbittorrent_says_so_whatever_the_path(user_client, old_instance):
    response = post(user_client, "qbittorrent/browse", path="/elsewhere")
    assert response.status_code == 502
    assert response.json()["code"] == "qbittorrent_too_old"


# --- local mode stays inside the allowed roots ----------------------------------------------


@pytest.fixture
def split_tree(tmp_path):
    data = tmp_path / "data"
    write(data, {"public/Set/a.bin": "a", "private/Set/b.bin": "b"})
    return data


@pytest.fixture
def public_only(db, split_tree):
    return InstanceFactory(
        is_default=True,
        url="http://127.0.0.1:9",
        allowed_roots=["/data/public"],
        path_mappings=[{"host_path": str(split_tree), "qbt_path": "/data"}],
    )


def test_local_browsing_is_confined_to_the_allowed_roots(user_client, public_only, split_tree):
    for path in (f"{split_tree}/private", f"{split_tree}/private/Set", str(split_tree)):
        response = post(user_client, "unified/browse", mode="local", path=path)
        assert response.status_code == 403, (path, response.content)
        assert response.json()["code"] == "outside_roots"
        scan = post(user_client, "unified/scan", mode="local", path=path)
        assert scan.status_code == 403, (path, scan.content)
    public = post(user_client, "unified/browse", mode="local", path=f"{split_tree}/public").json()
    assert [e["name"] for e in public["entries"]] == ["Set"]
    assert public["roots"] == [f"{split_tree}/public"]
    assert public["parent"] is None
    start = post(user_client, "unified/browse", mode="local").json()
    assert start["path"] == f"{split_tree}/public"


def test_an_unreachable_qbittorrent_falls_back_inside_the_allowed_roots(
    user_client, public_only, split_tree
):
    response = post(user_client, "unified/browse", mode="qbittorrent", path="/data/private")
    assert response.status_code == 403, response.content
    body = post(user_client, "unified/browse", mode="qbittorrent", path="/data/public").json()
    assert (body["mode"], body["path"]) == ("local", f"{split_tree}/public")


def test_the_local_engine_refuses_a_source_outside_the_allowed_roots(user_client, public_only):
    refused = post(user_client, "jobs", path="/data/private/Set", engine="local")
    assert refused.status_code == 403, refused.content
    assert refused.json()["code"] == "outside_roots"


def test_without_allowed_roots_and_without_qbittorrent_local_mode_uses_the_mappings(
    user_client, db, split_tree
):
    InstanceFactory(
        is_default=True,
        url="http://127.0.0.1:9",
        allowed_roots=[],
        path_mappings=[{"host_path": str(split_tree), "qbt_path": "/data"}],
    )
    body = post(user_client, "unified/browse", mode="local", path=f"{split_tree}/private").json()
    assert [e["name"] for e in body["entries"]] == ["Set"]


@pytest.fixture
def fake():
    server = FakeQbittorrent()
    yield server
    server.stop()


def test_a_qbittorrent_gone_down_leaves_local_mode_inside_the_default_it_last_gave(
    user_client, db, fake, tmp_path
):
    write(tmp_path / "data", {"Set/a.bin": "a"})
    write(tmp_path / "other", {"x.bin": "x"})
    InstanceFactory(
        is_default=True,
        url=fake.url,  # default save path /data/downloads: everything under /data
        allowed_roots=[],
        path_mappings=[
            {"host_path": str(tmp_path / "data"), "qbt_path": "/data"},
            {"host_path": str(tmp_path / "other"), "qbt_path": "/other"},
        ],
    )
    other = str(tmp_path / "other")
    # Never read from qBittorrent yet (local mode does not ask it): the mappings decide.
    assert post(user_client, "unified/browse", mode="local", path=other).status_code == 200
    post(user_client, "unified/browse", mode="qbittorrent", path="/data")  # reads the default
    assert post(user_client, "unified/browse", mode="local", path=other).status_code == 403
    fake.stop()
    _default_roots.clear()  # another process, or after a restart: the stored default holds
    assert post(user_client, "unified/browse", mode="local", path=other).status_code == 403
    fallback = post(user_client, "unified/browse", mode="qbittorrent", path="/other")
    assert fallback.status_code == 403, fallback.content
    body = post(user_client, "unified/browse", mode="qbittorrent", path="/data").json()
    assert (body["mode"], [e["name"] for e in body["entries"]]) == ("local", ["Set"])


@pytest.mark.qbittorrent
def test_without_allowed_roots_local_mode_keeps_to_the_default_save_paths_top_folder(
    user_client, db, qbittorrent, tmp_path
):
    write(tmp_path / "elsewhere", {"x.bin": "x"})
    instance_for(
        qbittorrent,
        allowed_roots=[],  # everything under /srv, the top of the default save path
        path_mappings=[
            {"host_path": str(qbittorrent.host_data_dir), "qbt_path": qbittorrent.qbt_data_dir},
            {"host_path": str(tmp_path / "elsewhere"), "qbt_path": "/elsewhere"},
        ],
    )
    post(user_client, "qbittorrent/browse", path=qbittorrent.qbt_data_dir)  # reads the default
    _default_roots.clear()  # another process: the stored default holds
    outside = post(user_client, "unified/browse", mode="local", path=str(tmp_path / "elsewhere"))
    assert outside.status_code == 403, outside.content
    inside = post(user_client, "unified/browse", mode="local", path=str(qbittorrent.host_data_dir))
    assert inside.status_code == 200, inside.content
    assert inside.json()["roots"] == [str(qbittorrent.host_data_dir)]


# --- credentials in an instance's address ---------------------------------------------------


@pytest.mark.parametrize(
    "url",
    ["http://admin:s3cretpw@qbt.local:8080", "http://admin@qbt.local:8080", "https://:pw@host/"],
)
def test_an_address_with_a_username_or_password_is_refused(url):
    from browser.models import validate_webui_url

    with pytest.raises(ValidationError, match="username and password fields"):
        validate_webui_url(url)


def test_the_admin_form_refuses_credentials_in_the_address(staff_client, db):
    from browser.models import Instance

    page = staff_client.post(
        "/admin/browser/instance/add/",
        {
            "name": "leaky",
            "url": "http://admin:s3cretpw@qbt.local:8080",
            "timeout_s": "10",
            "enabled": "on",
            "allowed_roots": "",
            "path_mappings": "",
        },
    )
    assert page.status_code == 200  # the form again, with the error
    assert "username and password fields" in page.content.decode()
    assert not Instance.objects.filter(name="leaky").exists()


# --- resetting the mode through the API -----------------------------------------------------


def test_an_empty_mode_forgets_the_users_choice(user, db):
    from browser.preferences import preference_mode, preference_update

    preference_update(user=user, mode="local")
    assert preference_update(user=user, show_hidden=True).mode == "local"  # None: left as is
    preference = preference_update(user=user, mode="")
    assert preference.mode == ""
    assert preference_mode(user=user, preference=preference) == "qbittorrent"


def test_an_explicit_null_mode_resets_it_and_an_absent_one_leaves_it(user_client, db):
    InstanceFactory(is_default=True)
    put = lambda body: user_client.put(  # noqa: E731
        "/api/navigation/preferences", body, content_type="application/json"
    )
    assert put({"mode": "local"}).json()["mode"] == "local"
    assert put({"showHidden": True}).json()["mode"] == "local"  # absent: left as it is
    reset = put({"mode": None}).json()
    assert (reset["mode"], reset["effectiveMode"], reset["showHidden"]) == (
        None,
        "qbittorrent",
        True,
    )


def test_ensure_instance_refuses_credentials_in_qbittorrent_url(db, settings):
    from io import StringIO

    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import call_command

    from browser.models import Instance

    settings.QBITTORRENT_URL = "http://admin:s3cretpw@qbittorrent:8080"
    out = StringIO()
    with pytest.raises(ImproperlyConfigured, match="username and password fields") as raised:
        call_command("ensure_instance", stdout=out)
    assert "s3cretpw" not in str(raised.value) + out.getvalue()
    assert not Instance.objects.exists()


def test_an_address_saved_with_a_password_is_shown_without_it(user_client, db):
    # saved before such addresses were refused: kept working, never shown
    instance = InstanceFactory(is_default=True, url="http://admin:s3cretpw@127.0.0.1:9")
    assert instance.address == "http://127.0.0.1:9"
    page = user_client.get(f"/instances/{instance.pk}/").content.decode()
    browse = post(user_client, "qbittorrent/browse", path="/data")
    assert "s3cretpw" not in page + browse.content.decode()
    assert "http://127.0.0.1:9" in page


def test_ensure_instance_takes_the_address_it_took_before(db, settings):
    from django.core.management import call_command

    from browser.models import Instance

    settings.QBITTORRENT_URL = "qbittorrent:8080"  # no scheme: qbittorrent-api adds one
    call_command("ensure_instance", stdout=None)
    assert Instance.objects.get().url == "qbittorrent:8080"


# --- the listing cache ------------------------------------------------------------------------


def test_a_listing_asked_for_again_is_dropped_and_freed_in_another_thread(settings):
    settings.BROWSE_CACHE_S = 60

    class Listed(list):  # a list that can say when it is freed, and where
        pass

    freed_in = []
    old = Listed()
    weakref.finalize(old, lambda: freed_in.append(threading.current_thread().name))
    listing_cache.put(("instance", "/data"), old)
    assert listing_cache.get(("instance", "/data")) is old
    del old
    listing_cache.drop(("instance", "/data"))
    assert listing_cache.get(("instance", "/data")) is None
    deadline = time.monotonic() + 10
    while not freed_in and time.monotonic() < deadline:
        time.sleep(0.01)
    assert freed_in == ["listings-freed"]


@pytest.mark.qbittorrent
def test_a_refresh_lists_what_changed_within_the_cache_time(
    user_client, instance, content, settings
):
    settings.BROWSE_CACHE_S = 60
    host, qbt = content
    first = post(user_client, "qbittorrent/browse", path=qbt).json()["entries"]
    write(host, {"new.bin": b"x"})
    assert post(user_client, "qbittorrent/browse", path=qbt).json()["entries"] == first
    fresh = post(user_client, "qbittorrent/browse", path=qbt, refresh=True).json()["entries"]
    assert "new.bin" in [e["name"] for e in fresh]
    again = post(user_client, "qbittorrent/browse", path=qbt).json()
    assert again["cached"] and again["entries"] == fresh
