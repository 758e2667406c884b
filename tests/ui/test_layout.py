"""Pages fit the window in Chromium: on a phone, and with long unbroken values."""

import pytest

from tests.factories import JobFactory, completed_job, instance_for
from tests.harness.content import write

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
# What sticks out past the window's right edge, to say which part made the page too wide.
STICKING_OUT = """() => [...document.querySelectorAll("body *")]
  .filter((e) => e.getBoundingClientRect().right > window.innerWidth + 1)
  .slice(0, 5).map((e) => `${e.tagName.toLowerCase()}.${e.className}`)"""


def fits_the_window(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


@pytest.fixture
def phone_pages(logged_in_page, app_server, qbittorrent_pool, user, tmp_path):
    """The main pages, for a staff user (the longest nav), with a qBittorrent to browse and a
    completed job to look at."""
    qbittorrent = qbittorrent_pool.get("5.3")
    instance = instance_for(qbittorrent)
    write(tmp_path / "Album", {"01.flac": b"a" * 1000})
    job = completed_job(tmp_path / "Album", owner=user, instance=instance, name="Album")
    user.is_staff = True
    user.save()
    return {
        "home": "/",
        "browse": f"/browse/?path={qbittorrent.qbt_data_dir}",
        "create": "/create/",
        "jobs": "/jobs/",
        "job": f"/jobs/{job.pk}/",
        "presets": "/presets/",
        "inspect": "/torrents/inspect",
        "verify": "/torrents/verify",
    }


@pytest.mark.qbittorrent
def test_main_pages_fit_a_phone_without_scrolling_sideways(logged_in_page, app_server, phone_pages):
    page = logged_in_page
    page.set_viewport_size(PHONE)
    too_wide = {}
    for name, url in phone_pages.items():
        page.goto(f"{app_server.url}{url}")
        page.wait_for_load_state("networkidle")
        if not fits_the_window(page):
            too_wide[name] = page.evaluate(STICKING_OUT)
    assert too_wide == {}
    # Every nav link is on screen, none pushed off to the right.
    page.goto(f"{app_server.url}/")
    for link in page.get_by_role("navigation", name="Main").get_by_role("link").all():
        box = link.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], link.inner_text()


@pytest.mark.qbittorrent
def test_tracker_buttons_are_whole_and_finger_sized_on_a_phone(
    logged_in_page, app_server, phone_pages
):
    page = logged_in_page
    page.set_viewport_size(PHONE)
    page.goto(f"{app_server.url}/create/")
    buttons = [
        page.get_by_role("button", name="Move tier 1 URL 1 up"),
        page.get_by_role("button", name="Move tier 1 URL 1 down"),
        page.get_by_role("button", name="Remove tier 1 URL 1"),
    ]
    for button in buttons:
        box = button.bounding_box()
        assert box["height"] >= 40 and box["width"] >= 40, box
        assert box["x"] + box["width"] <= PHONE["width"], box


def test_long_unbroken_options_wrap_on_the_job_page(logged_in_page, app_server, user):
    long = "x" * 200
    job = JobFactory(
        owner=user,
        options={
            "trackers": [[f"https://tracker.example.org/{long}/announce"]],
            "source": long,
            "tags": [long],
            "category": long,
            "comment": long,
            "format": "v1",
            "piece_size": 0,
        },
    )
    page = logged_in_page
    page.goto(f"{app_server.url}/jobs/{job.pk}/")
    page.get_by_role("heading", name="Options").wait_for()
    assert fits_the_window(page), page.evaluate(STICKING_OUT)
