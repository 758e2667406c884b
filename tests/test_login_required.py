"""Every URL the app serves refuses an anonymous caller: pages redirect to the login page, the
API answers 401 in its error shape, the progress socket is closed."""

import re

import pytest
from channels.testing import WebsocketCommunicator
from django.urls import URLPattern, URLResolver, get_resolver

from config.asgi import application
from config.routing import websocket_urlpatterns

OPEN = {"/login/", "/admin/login/"}  # the only pages an anonymous visitor may see
ADMIN_OPEN = {"/admin/logout/"}  # Django's admin logout only answers POST; covered as a POST


def concrete(pattern: str) -> str:
    """A URL for a pattern: every converter filled with a plausible value."""
    pattern = re.sub(r"<path:\w+>", "x/y", pattern)
    pattern = re.sub(r"<(?:\w+:)?\w+>", "1", pattern)
    pattern = pattern.replace("^", "").replace("$", "").replace("\\Z", "")
    pattern = re.sub(r"\(\?P<\w+>[^)]*\)", "1", pattern)
    return "/" + pattern.replace("\\", "")


def all_urls(resolver=None, prefix="") -> list[str]:
    resolver = resolver or get_resolver()
    urls = []
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            urls += all_urls(entry, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            urls.append(concrete(prefix + str(entry.pattern)))
    return sorted(set(urls))


URLS = all_urls()


def test_the_walk_finds_pages_admin_and_api():
    assert "/" in URLS
    assert "/api/health" in URLS
    assert "/api/docs" in URLS
    assert any(url.startswith("/admin/auth/user/") for url in URLS)


@pytest.mark.parametrize("url", [u for u in URLS if u not in OPEN | ADMIN_OPEN])
@pytest.mark.parametrize("method", ["get", "post"])
def test_anonymous_request_is_refused(client, db, url, method):
    response = getattr(client, method)(url)
    if url == "/metrics":  # Prometheus' endpoint: a scraper gets a 401, not a login page
        assert response.status_code == 401
        return
    if url.startswith("/api/") and not url.startswith(("/api/docs", "/api/openapi")):
        # 404/405 (no such route or method) are answered before authentication and reveal nothing.
        assert response.status_code in (401, 404, 405), (url, response.status_code)
        if response.status_code == 401:
            assert response.json()["code"] == "not_authenticated"
    else:
        assert response.status_code in (301, 302, 404, 405), (url, response.status_code)
        if response.status_code in (301, 302):
            assert "login" in response["Location"]


def test_admin_logout_without_session_leads_to_login(client, db):
    response = client.post("/admin/logout/")
    assert response.status_code in (200, 302)
    assert client.get("/admin/").status_code == 302


@pytest.mark.parametrize("route", [str(p.pattern) for p in websocket_urlpatterns])
async def test_anonymous_socket_is_closed(route):
    communicator = WebsocketCommunicator(
        application,
        "/" + route,
        headers=[(b"origin", b"http://localhost"), (b"host", b"localhost")],
    )
    connected, code = await communicator.connect()
    assert not connected
    assert code == 4401


def test_nul_characters_are_a_422_at_their_field_not_a_500(user_client):
    response = user_client.post(
        "/api/tokens", {"name": "bad\x00name"}, content_type="application/json"
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "name"


@pytest.mark.parametrize(
    ("url", "body", "field"),
    [
        ("/api/tokens", {"name": "bad\ud800name"}, "name"),
        ("/api/presets", {"name": "bad\udce9"}, "name"),
        ("/api/jobs", {"path": "/data/x", "comment": "\ud800"}, "comment"),
        ("/api/jobs/1/edit", {"trackers": [["http://127.0.0.1:9/\ud800"]]}, "trackers"),
    ],
)
def test_unpaired_surrogates_are_a_422_at_their_field_not_a_500(user_client, url, body, field):
    """JSON can spell a lone surrogate ("\\ud800"); no UTF-8 text can hold one."""
    response = user_client.post(url, body, content_type="application/json")
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == field


@pytest.mark.parametrize("endpoint", ["qbittorrent/browse", "unified/scan", "scan", "tokens"])
def test_a_form_posted_to_a_json_endpoint_is_a_400_not_a_500(user_client, endpoint):
    for body in ({"path": "/data", "name": "x"}, {"path": "/da\x00ta"}):
        response = user_client.post(f"/api/{endpoint}", body)  # multipart, as a form sends it
        assert response.status_code == 400, response.content
        assert "request body" in response.json()["detail"]
    urlencoded = user_client.post(
        f"/api/{endpoint}", "path=/da%00ta", content_type="application/x-www-form-urlencoded"
    )
    assert urlencoded.status_code == 400


def test_nul_characters_in_a_pages_multipart_form_are_a_400(user_client):
    response = user_client.post("/feedback/", {"rating": "4", "mode": "local", "comment": "a\x00"})
    assert response.status_code == 400


def test_nul_characters_in_a_query_are_a_400(user_client):
    response = user_client.get("/api/jobs", {"q": "a\x00b"})
    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
