"""The job page and the history in Chromium, against daphne: progress arrives live.

The jobs are rows written by the test; the progress socket's database polling carries each change
to the page, as it carries a worker's in another process.
"""

import re

import pytest
from django.conf import settings
from django.utils import timezone
from playwright.sync_api import expect

from creator.models import Job, JobState
from tests.factories import InstanceFactory, JobFactory, completed_job, torrent_result
from tests.harness.content import write

pytestmark = pytest.mark.browser


def advance(job: Job, **fields) -> None:
    """Changes the job's row as an engine would (the socket notices updated_at)."""
    Job.objects.filter(pk=job.pk).update(updated_at=timezone.now(), **fields)


def test_the_job_page_follows_progress_live_and_shows_the_result(
    logged_in_page, app_server, user, tmp_path
):
    source = tmp_path / "Album"
    write(source, {"01.flac": b"a" * 40_000, "02.flac": b"b" * 30_000})
    job = JobFactory(owner=user, instance=InstanceFactory(), name="Album")
    page = logged_in_page
    page.goto(f"{app_server.url}/jobs/{job.pk}/")
    detail = page.locator("#job-detail")
    expect(detail).to_have_attribute("data-connection", "live")
    bar = page.get_by_role("progressbar", name="Progress")
    expect(bar).to_have_attribute("aria-valuenow", "0")
    leave_note = page.get_by_text("You may leave this page")
    expect(leave_note).to_be_visible()

    advance(job, state=JobState.HASHING, progress=40, eta_s=90)
    expect(bar).to_have_attribute("aria-valuenow", "41")
    badge = detail.locator("[data-live=state]")
    expect(badge).to_have_text("Hashing")
    expect(badge).to_have_class("state-badge state-hashing")
    expect(detail.get_by_text("about 1 min 30 s left")).to_be_visible()
    hashing = bar.locator("[data-phase=hashing] .phase-fill")
    expect(hashing).to_have_attribute("style", re.compile(r"width: 40%"))

    advance(job, **torrent_result(source, job_id=job.pk))
    expect(bar).to_have_attribute("aria-valuenow", "100")
    expect(page.get_by_role("heading", name="Result")).to_be_visible()
    expect(page.get_by_role("button", name="Cancel")).to_have_count(0)
    expect(leave_note).to_have_count(0)  # the finished job no longer runs without the page
    expect(page.get_by_role("button", name="Create again with these settings")).to_be_visible()

    with page.expect_download() as download:
        page.get_by_role("link", name="Download .torrent").click()
    assert download.value.suggested_filename == "Album.torrent"
    stored = settings.TORRENTS_DIR / Job.objects.get(pk=job.pk).torrent_file
    assert download.value.path().read_bytes() == stored.read_bytes()


def test_the_job_page_stops_saying_it_may_be_left_as_soon_as_the_job_ends(
    logged_in_page, app_server, user
):
    job = JobFactory(owner=user, state=JobState.HASHING, progress=10)
    page = logged_in_page
    # The finished job's page part never arrives: the live state change alone must do it.
    page.route(re.compile(rf".*/jobs/{job.pk}/detail.*"), lambda route: None)
    page.goto(f"{app_server.url}/jobs/{job.pk}/")
    expect(page.locator("#job-detail")).to_have_attribute("data-connection", "live")
    leave_note = page.get_by_text("You may leave this page")
    expect(leave_note).to_be_visible()
    advance(job, state=JobState.FAILED, error="It broke.", finished_at=timezone.now())
    expect(page.locator("#job-detail [data-live=state]")).to_have_text("Failed")
    expect(leave_note).to_be_hidden()


def test_copy_magnet_link_says_copied(logged_in_page, app_server, user, tmp_path):
    source = tmp_path / "Album"
    write(source, {"01.flac": b"a" * 1000})
    job = completed_job(source, owner=user)
    page = logged_in_page
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=app_server.url)
    page.goto(f"{app_server.url}/jobs/{job.pk}/")
    page.get_by_label("Magnet link").focus()
    page.keyboard.press("Tab")  # the copy button is next, and Enter presses it
    page.keyboard.press("Enter")
    expect(page.get_by_role("button", name="Copied")).to_be_visible()
    assert page.evaluate("navigator.clipboard.readText()") == job.magnet


def test_without_the_socket_the_job_page_polls(logged_in_page, app_server, user):
    job = JobFactory(owner=user, state=JobState.HASHING, progress=10)
    page = logged_in_page
    # Every socket to the progress route is closed at once: the page must fall back to polling.
    page.route_web_socket(re.compile(r".*/ws/torrent-progress$"), lambda ws: ws.close())
    page.goto(f"{app_server.url}/jobs/{job.pk}/")
    detail = page.locator("#job-detail")
    expect(detail).to_have_attribute("data-connection", "reconnecting")
    expect(detail.get_by_text("Reconnecting")).to_be_visible()
    advance(job, progress=60)
    expect(page.get_by_role("progressbar")).to_have_attribute("aria-valuenow", "59")


def test_history_rows_update_live_and_new_jobs_are_announced(logged_in_page, app_server, user):
    running = JobFactory(owner=user, name="Running")
    JobFactory(owner=user, name="Older", state=JobState.FAILED)
    page = logged_in_page
    page.goto(f"{app_server.url}/jobs/")
    expect(page.locator("#jobs-connection")).to_have_attribute("data-connection", "live")
    row = page.locator(f"#job-row-{running.pk}")

    advance(running, state=JobState.HASHING, progress=50)
    expect(row.locator("[data-live=state]")).to_have_text("Hashing")
    expect(row.locator("[data-live=percentage]")).to_have_text("50%")

    JobFactory(owner=user, name="Brand new")
    notice = page.get_by_role("status").filter(has_text="New jobs")
    expect(notice).to_be_visible()
    page.evaluate("window.stillTheSamePage = true")
    notice.get_by_role("button", name="refresh").click()
    expect(page.get_by_role("link", name="Brand new")).to_be_visible()
    expect(notice).to_be_hidden()

    # Filters swap the table in place and leave a shareable address.
    page.get_by_label("State").select_option("failed")
    expect(page.get_by_role("link", name="Running")).to_have_count(0)
    expect(page.get_by_role("link", name="Older")).to_be_visible()
    expect(page).to_have_url(re.compile(r"/jobs/\?state=failed"))
    page.get_by_role("link", name="Name").focus()
    page.keyboard.press("Enter")
    expect(page.locator("th[aria-sort=ascending]")).to_have_text(re.compile("Name"))
    expect(page.get_by_role("link", name="Name")).to_be_focused()  # still there for the keyboard
    expect(page).to_have_url(re.compile(r"state=failed.*ordering=name"))
    # The sort order stays when a filter changes again.
    page.get_by_label("State").select_option("")
    expect(page.get_by_role("link", name="Running")).to_be_visible()
    expect(page).to_have_url(re.compile(r"/jobs/\?ordering=name$"))
    names = page.locator("tbody th a").all_inner_texts()
    assert names == sorted(names)
    assert page.evaluate("window.stillTheSamePage") is True
