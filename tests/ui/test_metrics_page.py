"""The navigation metrics page draws its charts in Chromium."""

import pytest
from django.utils import timezone

from rollout.models import NavigationEvent
from tests.factories import StaffFactory

pytestmark = pytest.mark.browser


def test_staff_see_the_charts_of_the_last_week(page, app_server, transactional_db):
    staff = StaffFactory()
    for day in range(3):
        for outcome in ("ok", "ok", "not_found"):
            event = NavigationEvent.objects.create(
                mode="qbittorrent", instance_name="seedbox", outcome=outcome, duration_ms=120 + day
            )
            NavigationEvent.objects.filter(pk=event.pk).update(
                created_at=timezone.now() - timezone.timedelta(days=day)
            )
    NavigationEvent.objects.create(mode="local", outcome="ok", duration_ms=900)
    page.goto(f"{app_server.url}/login/")
    page.get_by_label("Username").fill(staff.username)
    page.get_by_label("Password").fill("correct horse battery staple")
    page.get_by_role("button", name="Log in").click()
    page.goto(f"{app_server.url}/metrics/navigation/?days=7")
    success = page.get_by_role("img", name="Browse success rate per day, by mode")
    load = page.get_by_role("img", name="Directory load time (p50, p95), by mode")
    assert success.is_visible() and load.is_visible()
    line = success.locator("polyline[data-mode=qbittorrent]")
    # A steady rate draws a flat line (no height, so not "visible" to Playwright): its width
    # and its points show it was drawn, one a day.
    assert line.bounding_box()["width"] > 100
    assert len(line.get_attribute("points").split()) == 3
    assert success.locator("circle").count() == 4  # 3 days of qBittorrent, 1 of local
    box = load.locator("rect.bar").first.bounding_box()
    assert box["height"] > 10  # drawn, not empty
    assert page.get_by_text("66.7 %").first.is_visible()
