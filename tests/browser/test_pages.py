"""The browse page, the picker partial, instance status, the admin form, ensure_instance."""

from io import StringIO
from urllib.parse import quote, quote_plus

import pytest
from django.core.management import call_command
from django.db import connection

from browser.models import Instance
from tests.factories import InstanceFactory, instance_for
from tests.harness.content import write


@pytest.mark.qbittorrent
def test_the_picker_lists_a_folder_and_offers_its_subfolders(user_client, db, qbittorrent, content):
    instance_for(qbittorrent)
    host, qbt = content
    write(host, {"Season 1/e.mkv": "x", "poster.jpg": "x"})
    response = user_client.get("/browse/picker", {"path": qbt})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Season 1" in html and "poster.jpg" in html
    assert f"path={quote_plus(qbt + '/Season 1')}" in html
    assert "Default save path" in html  # quick access


def test_the_picker_shows_a_qbittorrent_failure_in_words(user_client, db):
    InstanceFactory(is_default=True, url="http://127.0.0.1:9", allowed_roots=["/data"])
    html = user_client.get("/browse/picker", {"path": "/data"}).content.decode()
    assert 'role="alert"' in html and "cannot be reached at http://127.0.0.1:9" in html


@pytest.mark.qbittorrent
def test_the_analysis_partial(user_client, db, qbittorrent, content):
    instance_for(qbittorrent)
    host, qbt = content
    write(host, {"a.flac": b"x" * 2048})
    html = user_client.get("/browse/analysis", {"path": qbt}).content.decode()
    assert "1 file in 0 folders" in html
    assert "audio: 1 file" in html
    if qbittorrent.version == "5.3":  # 5.2+ lists sizes
        assert '2 KiB <span class="muted">from qBittorrent</span>' in html


@pytest.mark.qbittorrent
def test_the_browse_pages_analysis_leads_to_the_creator_with_the_path_chosen(
    user_client, db, qbittorrent, content
):
    instance = instance_for(qbittorrent)
    host, qbt = content
    write(host, {"Film (2024)/film.mkv": b"x" * 2048})
    chosen = f"{qbt}/Film (2024)"
    browse = user_client.get("/browse/").content.decode()
    assert "create_link: 1" in browse  # the browse page asks its analysis for the link
    html = user_client.get("/browse/analysis", {"path": chosen, "create_link": "1"}).content
    link = f"/create/?path={quote(chosen)}&amp;instance={instance.pk}"
    assert (
        f'<a class="button primary" href="{link}">Create a torrent from this</a>' in html.decode()
    )
    creator = user_client.get(link.replace("&amp;", "&")).content.decode()
    assert f'name="path" value="{chosen}"' in creator
    # The creator form shows the same analysis beside itself: no link there.
    html = user_client.get("/browse/analysis", {"path": chosen}).content.decode()
    assert "Create a torrent from this" not in html
    (host / "Empty").mkdir()
    empty = {"path": f"{qbt}/Empty", "create_link": "1"}
    html = user_client.get("/browse/analysis", empty).content.decode()
    assert "There are no files here" in html and "Create a torrent from this" not in html


@pytest.mark.qbittorrent
def test_instance_status_shows_capabilities_and_no_password(user_client, db, qbittorrent):
    instance = instance_for(qbittorrent)
    html = user_client.get(f"/instances/{instance.pk}/").content.decode()
    assert f"v{qbittorrent.version}" in html
    assert qbittorrent.password not in html
    health = user_client.get("/api/health").json()
    assert health["instances"][0]["status"] == "ok"
    assert health["instances"][0]["capabilities"]["creator"] is True
    assert qbittorrent.password not in str(health)


def test_admin_form_keeps_the_password_when_left_empty(staff_client, db):
    instance = InstanceFactory(password="s3cret-pass", url="http://qbt:8080")
    page = staff_client.get(f"/admin/browser/instance/{instance.pk}/change/")
    assert "s3cret-pass" not in page.content.decode()
    edit = {
        "name": instance.name,
        "url": "http://qbt:8080/",
        "username": "admin",
        "password": "",
        "timeout_s": "10",
        "allowed_roots": "/data/\n//media/tv",
        "enabled": "on",
        "path_mappings": "/mnt/user/data => /data/",
        "is_default": "on",
    }
    # another server: the password must be typed again, or whoever points the instance there
    # would receive it at the first connection test
    moved = staff_client.post(
        f"/admin/browser/instance/{instance.pk}/change/", {**edit, "url": "http://evil:8080"}
    )
    assert moved.status_code == 200
    assert "Type the password again: the address changed" in moved.content.decode()
    response = staff_client.post(f"/admin/browser/instance/{instance.pk}/change/", edit)
    assert response.status_code == 302, response.content.decode()[:3000]
    instance.refresh_from_db()
    assert instance.password == "s3cret-pass"
    assert instance.allowed_roots == ["/data", "/media/tv"]
    assert instance.path_mappings == [{"host_path": "/mnt/user/data", "qbt_path": "/data"}]

    form = {
        "name": instance.name,
        "url": "http://qbt:8080",
        "username": "",
        "timeout_s": "10",
        "enabled": "on",
        "clear_password": "on",
    }
    both = staff_client.post(
        f"/admin/browser/instance/{instance.pk}/change/", {**form, "password": "new"}
    )
    assert both.status_code == 200 and "Either type a new password or remove it." in (
        both.content.decode()
    )
    cleared = staff_client.post(f"/admin/browser/instance/{instance.pk}/change/", form)
    assert cleared.status_code == 302
    instance.refresh_from_db()
    assert instance.password == ""


def test_admin_form_refuses_relative_folders_at_their_field(staff_client, db):
    response = staff_client.post(
        "/admin/browser/instance/add/",
        {
            "name": "x",
            "url": "http://qbt:8080",
            "timeout_s": "10",
            "allowed_roots": "data",
            "path_mappings": "only-one-side",
            "enabled": "on",
        },
    )
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert "is not an absolute path" in errors["allowed_roots"][0]
    assert "write 'folder on this server => folder in qBittorrent'" in errors["path_mappings"][0]


def test_one_default_instance_at_a_time(staff_client, db):
    first = InstanceFactory(is_default=True)
    staff_client.post(
        "/admin/browser/instance/add/",
        {
            "name": "second",
            "url": "http://qbt2:8080",
            "timeout_s": "10",
            "enabled": "on",
            "is_default": "on",
            "allowed_roots": "",
            "path_mappings": "",
        },
    )
    first.refresh_from_db()
    assert not first.is_default
    assert Instance.objects.get(name="second").is_default


def test_ensure_instance_creates_then_updates_the_default_from_the_environment(db, settings):
    settings.QBITTORRENT_URL = "http://qbittorrent:8080"
    settings.QBITTORRENT_USERNAME = "admin"
    settings.QBITTORRENT_PASSWORD = "from-env-1"
    out = StringIO()
    call_command("ensure_instance", stdout=out)
    assert "the default" in out.getvalue() and "from-env-1" not in out.getvalue()
    settings.QBITTORRENT_URL = "http://qbittorrent:9090"
    call_command("ensure_instance", stdout=StringIO())
    instance = Instance.objects.get()
    assert (instance.url, instance.password, instance.is_default) == (
        "http://qbittorrent:9090",
        "from-env-1",
        True,
    )
    with connection.cursor() as cursor:
        cursor.execute("SELECT password FROM browser_instance")
        stored = cursor.fetchone()[0]
    assert stored.startswith("fernet:") and "from-env-1" not in stored  # encrypted at rest


@pytest.mark.parametrize(
    ("url", "valid"),
    [
        ("http://qbittorrent:8080", True),
        ("https://seedbox.example.org/qbt", True),
        ("http://10.0.0.2:8080", True),
        ("ftp://host", False),
        ("qbittorrent:8080", False),
        ("http://:8080", False),
        ("http://host:99999", False),
        ("http://host/?x=1", False),
    ],
)
def test_webui_urls_docker_service_names_included(url, valid):
    from django.core.exceptions import ValidationError

    from browser.models import validate_webui_url

    if valid:
        validate_webui_url(url)
    else:
        with pytest.raises(ValidationError):
            validate_webui_url(url)
