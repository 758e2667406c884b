"""The app as the run command serves it: daphne, DEBUG off, static files, WebSockets."""

import asyncio
import threading
import time

import requests
import websockets
from django.contrib.auth import get_user_model

from tests.factories import instance_for
from tests.harness.fake_qbittorrent import FakeQbittorrent, slow


def test_static_files_are_served_without_debug(app_server):
    response = requests.get(f"{app_server.url}/static/vendor/htmx-2.0.11.min.js", timeout=10)
    assert response.status_code == 200
    assert "javascript" in response.headers["Content-Type"]
    assert response.text.startswith("var htmx=")
    css = requests.get(f"{app_server.url}/static/css/app.css", timeout=10)
    assert "prefers-color-scheme: dark" in css.text


def test_unknown_page_is_the_apps_404_not_a_debug_page(app_server, user_client):
    session = requests.Session()
    session.cookies.set("sessionid", user_client.cookies["sessionid"].value)
    for path in ("/no-such-page/", "/jobs/abc/"):
        response = session.get(f"{app_server.url}{path}", timeout=10)
        assert response.status_code == 404
        assert "Traceback" not in response.text and "URLconf" not in response.text
        assert "<title>Not found · Torrentsmith</title>" in response.text
        assert f"There is no page at <code>{path}</code>." in response.text
        assert '<nav aria-label="Main">' in response.text  # the app's page, for a logged-in user


def test_pages_name_a_favicon_that_is_served(app_server, user_client):
    session = requests.Session()
    session.cookies.set("sessionid", user_client.cookies["sessionid"].value)
    anonymous = requests.Session()
    for client, path in ((session, "/"), (session, "/no-such-page/"), (anonymous, "/login/")):
        page = client.get(f"{app_server.url}{path}", timeout=10).text
        assert '<link rel="icon" href="/static/img/favicon.svg" type="image/svg+xml">' in page
    icon = requests.get(f"{app_server.url}/static/img/favicon.svg", timeout=10)
    assert icon.status_code == 200
    assert icon.headers["Content-Type"] == "image/svg+xml"
    assert icon.text.startswith("<svg")


def test_progress_socket_accepts_a_logged_in_browser_and_refuses_others(app_server, user):
    session = requests.Session()
    page = session.get(f"{app_server.url}/login/", timeout=10)
    assert page.status_code == 200
    session.post(
        f"{app_server.url}/login/",
        timeout=10,
        data={
            "username": user.username,
            "password": "correct horse battery staple",
            "csrfmiddlewaretoken": session.cookies["csrftoken"],
        },
        headers={"Referer": f"{app_server.url}/login/"},
    )
    assert get_user_model().objects.get(pk=user.pk).last_login is not None
    ws_url = app_server.url.replace("http://", "ws://") + "/ws/torrent-progress"
    cookie = "; ".join(f"{k}={v}" for k, v in session.cookies.items())

    async def attempt(headers: dict) -> str:
        try:
            async with websockets.connect(ws_url, additional_headers=headers, open_timeout=10):
                return "open"
        except websockets.InvalidStatus as exc:
            return f"refused {exc.response.status_code}"

    origin = app_server.url.replace("127.0.0.1", "localhost")
    assert asyncio.run(attempt({"Cookie": cookie, "Origin": app_server.url})) == "open"
    assert asyncio.run(attempt({"Origin": origin})).startswith("refused")
    foreign = {"Cookie": cookie, "Origin": "http://evil.example"}
    assert asyncio.run(attempt(foreign)).startswith("refused")


def test_a_slow_qbittorrent_holds_up_no_other_request(app_server, user_client):
    """Views run in a thread per request: one user's browse waiting on qBittorrent does not
    keep the next request (another user's page, an API call) waiting behind it."""
    fake = FakeQbittorrent()
    try:
        session = requests.Session()
        session.cookies.set("sessionid", user_client.cookies["sessionid"].value)
        session.get(f"{app_server.url}/", timeout=10)
        session.headers["X-CSRFToken"] = session.cookies["csrftoken"]
        fake.routes["/api/v2/app/version"] = slow(5, (200, "v5.1.0"))
        instance_for(fake)
        answers = {}

        def browse():
            answers["browse"] = session.post(
                f"{app_server.url}/api/qbittorrent/browse", json={"path": "/data"}, timeout=30
            )

        waiting = threading.Thread(target=browse)
        waiting.start()
        deadline = time.monotonic() + 10
        while not fake.calls("/api/v2/app/version") and time.monotonic() < deadline:
            time.sleep(0.02)
        assert fake.calls("/api/v2/app/version"), "the browse never reached qBittorrent"
        other = session.get(f"{app_server.url}/api/navigation/preferences", timeout=10)
        assert other.status_code == 200
        assert waiting.is_alive(), "the browse answered before qBittorrent did"
        waiting.join(30)
        assert answers["browse"].status_code in (200, 404)
    finally:
        fake.stop()
