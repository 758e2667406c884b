"""A real job, end to end in Chromium: qBittorrent hashes, the worker advances, the page follows."""

import pytest
from django.test import Client
from playwright.sync_api import expect

from tests.factories import instance_for

pytestmark = [pytest.mark.browser, pytest.mark.qbittorrent, pytest.mark.slow]


def test_a_user_watches_their_job_reach_100_percent_and_another_user_sees_nothing(
    logged_in_page, app_server, worker, user, other_user, qbittorrent, content, chromium
):
    instance_for(qbittorrent)
    host, qbt = content
    (host / "Film").mkdir()
    with open(host / "Film" / "film.mkv", "wb") as handle:
        handle.truncate(768 * 1024 * 1024)
    api = Client()
    api.force_login(user)
    created = api.post(
        "/api/jobs", {"path": f"{qbt}/Film", "pieceSize": 65536}, content_type="application/json"
    )
    assert created.status_code == 201, created.content
    job_id = created.json()["id"]

    # The other user watches their own history page meanwhile.
    other = chromium.new_context()
    other_page = other.new_page()
    other_page.goto(f"{app_server.url}/login/")
    other_page.get_by_label("Username").fill(other_user.username)
    other_page.get_by_label("Password").fill("correct horse battery staple")
    other_page.get_by_role("button", name="Log in").click()
    seen_by_other, sockets = [], []

    def watch(ws):
        sockets.append(ws.url)
        ws.on("framereceived", lambda frame: seen_by_other.append(frame))

    other_page.on("websocket", watch)
    other_page.goto(f"{app_server.url}/jobs/")

    page = logged_in_page
    page.goto(f"{app_server.url}/jobs/{job_id}/")
    bar = page.get_by_role("progressbar", name="Progress")
    expect(bar).to_have_attribute("aria-valuenow", "100", timeout=90_000)
    expect(page.get_by_role("link", name="Download .torrent")).to_be_visible()
    expect(page.get_by_role("heading", name="Result")).to_be_visible()
    other_page.wait_for_timeout(500)
    assert sockets and sockets[0].endswith("/ws/torrent-progress")  # it was listening
    assert not [frame for frame in seen_by_other if f'"job": {job_id}' in str(frame)]
    assert "Film" not in other_page.content()
    other.close()
