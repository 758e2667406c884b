"""Navigation metrics from real browse calls, the metrics page, and the Prometheus endpoint."""

import pytest
from django.test import Client

from rollout.models import Feedback, NavigationEvent
from tests.factories import instance_for
from tests.harness.content import write

pytestmark = pytest.mark.qbittorrent


def browse(client, path):
    return client.post("/api/qbittorrent/browse", {"path": path}, content_type="application/json")


def test_real_browse_calls_are_recorded_and_summed(
    user_client, staff_client, user, db, qbittorrent, content
):
    instance = instance_for(qbittorrent)
    host, qbt = content
    write(host, {"a/b.txt": "x"})
    for _ in range(3):
        assert browse(user_client, qbt).status_code == 200
    assert browse(user_client, f"{qbt}/missing").status_code == 404
    assert browse(user_client, "/etc").status_code == 403
    events = NavigationEvent.objects.order_by("pk")
    assert [e.outcome for e in events] == ["ok", "ok", "ok", "not_found", "refused"]
    assert events[0].instance_name == instance.name and events[0].mode == "qbittorrent"
    assert all(e.duration_ms > 0 for e in events)
    Feedback.objects.create(user=user, rating=5, mode="qbittorrent")
    page = staff_client.get("/metrics/navigation/?days=7").content.decode()
    assert "60.0 %" in page  # 3 of 5 listings succeeded
    assert "20.0 %" in page  # 1 of 5 was not found
    assert "not met" in page and "5.0 / 5" in page
    assert "<svg" in page and 'class="series"' in page


def test_only_staff_see_the_metrics_page(user_client):
    assert user_client.get("/metrics/navigation/").status_code == 302


def test_prometheus_answers_staff_and_the_token_only(db, staff_client, settings):
    settings.METRICS_TOKEN = "scrape-token-123456"
    NavigationEvent.objects.create(
        mode="qbittorrent", instance_name="x", outcome="ok", duration_ms=5
    )
    assert Client().get("/metrics").status_code == 401
    assert Client().get("/metrics", HTTP_AUTHORIZATION="Bearer wrong").status_code == 401
    scraped = Client().get("/metrics", HTTP_AUTHORIZATION="Bearer scrape-token-123456")
    assert scraped.status_code == 200
    text = scraped.content.decode()
    assert (
        'torrentsmith_navigation_listings_total{instance="x",mode="qbittorrent",outcome="ok"} 1.0'
    ) in text
    assert "torrentsmith_jobs" in text
    assert staff_client.get("/metrics").status_code == 200
