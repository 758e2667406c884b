"""Every URL and socket refuses a logged-in user without the right group; roles grant exactly
what they say; denials are recorded."""

import re

import pytest
from channels.testing import WebsocketCommunicator
from django.test import Client

from accounts.models import AuditEvent
from config.routing import websocket_urlpatterns
from creator.consumers import ProgressConsumer
from presets.models import PresetSecret, TrackerPreset
from tests.factories import InstanceFactory, PresetFactory, UserFactory
from tests.test_login_required import URLS

# Pages any logged-in user may open: the home page (saying what to ask for), their account
# (tokens), logging out, the API's docs.
FOR_EVERY_USER = {
    "/",
    "/account/",
    "/account/tokens/1/revoke",
    "/logout/",
    "/api/docs",
    "/api/openapi.json",
    "/api/tokens",
    "/api/tokens/1",
    "/login/",
    "/api/",
    "/admin/login/",
    "/admin/logout/",
}


@pytest.fixture
def norole_client(db):
    client = Client()
    client.force_login(UserFactory(role=""))
    return client


@pytest.mark.parametrize("url", [u for u in URLS if u not in FOR_EVERY_USER])
@pytest.mark.parametrize("method", ["get", "post"])
def test_a_user_without_a_group_is_refused_everywhere(norole_client, url, method):
    response = getattr(norole_client, method)(url)
    if url.startswith("/admin/"):
        assert response.status_code in (302, 200, 405), (url, response.status_code)
        if response.status_code == 302:
            assert "/admin/login/" in response["Location"]
        elif response.status_code == 200:  # the admin's own login form, asking for staff
            assert "login" in response.content.decode().lower()
        return
    if url == "/metrics":  # staff or the scraper's token only
        assert response.status_code == 401
        return
    # 405: the route takes the other method; it is refused before anything runs. 302: a
    # staff-only page sends to the staff login.
    assert response.status_code in (403, 405, 302), (url, method, response.status_code)
    if response.status_code == 302:
        assert response["Location"].startswith("/admin/login/")
    if response.status_code == 403 and url.startswith("/api/"):
        assert response.json()["code"] == "permission_denied"


@pytest.mark.parametrize("route", [str(p.pattern) for p in websocket_urlpatterns])
@pytest.mark.django_db(transaction=True)
async def test_a_user_without_a_group_cannot_open_a_socket(route):
    from asgiref.sync import sync_to_async

    socket = WebsocketCommunicator(ProgressConsumer.as_asgi(), "/" + route)
    socket.scope["user"] = await sync_to_async(UserFactory)(role="")
    connected, code = await socket.connect()
    assert (connected, code) == (False, 4403)


def test_a_viewer_sees_history_but_cannot_create_or_browse(db):
    client = Client()
    client.force_login(UserFactory(role="Viewers"))
    InstanceFactory(is_default=True, allowed_roots=["/data"])
    assert client.get("/jobs/").status_code == 200
    assert client.get("/api/jobs").status_code == 200
    refused = client.post("/api/jobs", {"path": "/data/x"}, content_type="application/json")
    assert refused.status_code == 403
    assert "Creators group" in refused.json()["detail"]
    assert (
        client.post(
            "/api/qbittorrent/browse", {"path": "/data"}, content_type="application/json"
        ).status_code
        == 403
    )
    assert client.get("/browse/").status_code == 403


def nav_links(page: str) -> list[str]:
    nav = page[page.index('<nav aria-label="Main">') : page.index("</nav>")]
    return re.findall(r"<a [^>]*>([^<]+)</a>", nav)


def test_a_user_without_a_group_lands_on_what_to_ask_for_and_is_offered_nothing_refused(
    norole_client,
):
    response = norole_client.get("/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "Your account has no role yet." in page and "Creators" in page
    assert nav_links(page) == ["Home", "API"]
    assert "Create a torrent" not in page and "System status" not in page


def test_a_viewer_is_offered_neither_creating_nor_qbittorrent(db):
    client = Client()
    client.force_login(UserFactory(role="Viewers"))
    InstanceFactory(is_default=True)
    page = client.get("/").content.decode()
    assert "Create a torrent" not in page and "qBittorrent" not in page.split("System status")[1]
    assert nav_links(page) == ["Home", "Jobs", "Presets", "Inspect", "API"]


def test_a_viewer_reads_presets_but_cannot_write_them_or_their_secrets(db):
    client = Client()
    client.force_login(UserFactory(role="Viewers"))
    preset = PresetFactory()  # a global preset with a {passkey} tracker
    assert client.get("/api/torrentcreator/presets").status_code == 200
    writes = [
        client.post("/api/presets", {"name": "Mine"}, content_type="application/json"),
        client.post("/api/presets/import", [{"name": "Mine"}], content_type="application/json"),
        client.put(
            f"/api/presets/{preset.pk}/secrets/passkey",
            {"value": "abc123"},
            content_type="application/json",
        ),
        client.delete(f"/api/presets/{preset.pk}/secrets/passkey"),
    ]
    for response in writes:
        assert response.status_code == 403, response.content
        assert "Creators group" in response.json()["detail"]
    page = client.get("/presets/").content.decode()
    assert preset.name in page and f"secret-{preset.pk}-passkey" not in page
    client.post(f"/presets/{preset.pk}/secrets/passkey/", {"value": "abc123"})
    assert not PresetSecret.objects.exists() and not TrackerPreset.objects.filter(name="Mine")


def test_a_denial_is_recorded_in_the_audit_log(norole_client):
    norole_client.get("/api/jobs")
    event = AuditEvent.objects.get(action="permission.denied")
    assert event.detail == {"permission": "creator.view_job"}


def test_denials_repeated_by_a_script_are_recorded_once_a_minute(norole_client, monkeypatch):
    for _ in range(50):
        norole_client.get("/api/jobs")
    assert AuditEvent.objects.filter(action="permission.denied").count() == 1
    # a minute later, the next one is recorded, saying how many were not
    monkeypatch.setattr("accounts.audit.REPEATS_WINDOW_S", 0)
    norole_client.get("/api/jobs")
    last = AuditEvent.objects.filter(action="permission.denied").order_by("-pk").first()
    assert last.detail == {"permission": "creator.view_job", "repeats_not_recorded": 49}


def test_failed_logins_as_no_account_are_recorded_once_a_minute(client, db):
    for number in range(30):
        client.post("/login/", {"username": f"nobody{number}", "password": "x"})
    assert AuditEvent.objects.filter(action="login.failed").count() == 1


def test_instances_can_be_limited_to_some_users_and_groups(db):
    from django.contrib.auth.models import Group

    alice, bob, carol = UserFactory(), UserFactory(), UserFactory()
    team = Group.objects.create(name="team")
    carol.groups.add(team)
    hers = InstanceFactory(name="hers", is_default=True, allowed_roots=["/data"])
    hers.users.add(alice)
    hers.groups.add(team)
    everyone = InstanceFactory(name="everyone", allowed_roots=["/data"])
    for user, allowed in ((alice, {hers, everyone}), (bob, {everyone}), (carol, {hers, everyone})):
        client = Client()
        client.force_login(user)
        for instance in (hers, everyone):
            expected = 200 if instance in allowed else 404
            assert client.get(f"/instances/{instance.pk}/").status_code == expected
    bob_client = Client()
    bob_client.force_login(bob)
    refused = bob_client.post(
        "/api/qbittorrent/browse",
        {"path": "/data", "instance": hers.pk},
        content_type="application/json",
    )
    assert refused.status_code == 404
    assert refused.json()["errors"][0]["field"] == "instance"
