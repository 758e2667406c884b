"""The job page and the jobs history, through the Django test client: what a user sees."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import AuditEvent
from creator.models import Job, JobState
from tests.factories import (
    InstanceFactory,
    JobFactory,
    PresetFactory,
    UserFactory,
    completed_job,
)
from tests.harness.content import write
from tests.harness.oracle import torrent_info

pytestmark = pytest.mark.django_db


def row_names(html: str) -> list[str]:
    """The job names of the history table's rows, top to bottom."""
    return re.findall(r'<th scope="row"><a href="/jobs/\d+/">([^<]*)</a>', html)


@pytest.fixture
def content(tmp_path):
    source = tmp_path / "Album"
    write(source, {"01.flac": b"a" * 40_000, "02.flac": b"b" * 30_000})
    return source


# --- the history ---------------------------------------------------------------------------


def test_history_shows_only_the_users_own_jobs(user_client, user, other_user):
    JobFactory(owner=user, name="mine")
    JobFactory(owner=other_user, name="theirs")
    html = user_client.get("/jobs/").content.decode()
    assert row_names(html) == ["mine"]
    assert ">Owner</th>" not in html
    assert 'id="id_user"' not in html  # no user filter for a non-staff user


def test_staff_see_every_job_with_its_owner(staff_client, user, other_user):
    JobFactory(owner=user, name="first")
    JobFactory(owner=other_user, name="second")
    html = staff_client.get("/jobs/").content.decode()
    assert sorted(row_names(html)) == ["first", "second"]
    assert ">Owner</th>" in html
    assert f"<td>{user.username}</td>" in html and f"<td>{other_user.username}</td>" in html


def test_staff_can_narrow_the_history_to_one_user(staff_client, user, other_user):
    JobFactory(owner=user, name="first")
    JobFactory(owner=other_user, name="second")
    html = staff_client.get("/jobs/", {"user": other_user.pk}).content.decode()
    assert row_names(html) == ["second"]


def test_a_user_filter_from_a_non_staff_user_is_ignored(user_client, user, other_user):
    JobFactory(owner=user, name="mine")
    JobFactory(owner=other_user, name="theirs")
    html = user_client.get("/jobs/", {"user": other_user.pk}).content.decode()
    assert row_names(html) == ["mine"]


def test_history_filters_by_state_preset_and_instance(user_client, user):
    preset, instance = PresetFactory(name="Private tracker"), InstanceFactory(name="seedbox")
    JobFactory(owner=user, name="failed one", state=JobState.FAILED)
    JobFactory(owner=user, name="with preset", preset=preset)
    JobFactory(owner=user, name="on seedbox", instance=instance, instance_name="seedbox")
    html = user_client.get("/jobs/", {"state": "failed"}).content.decode()
    assert row_names(html) == ["failed one"]
    assert '<option value="failed" selected>Failed</option>' in html  # the form says what it did
    html = user_client.get("/jobs/", {"preset": preset.pk}).content.decode()
    assert row_names(html) == ["with preset"]
    html = user_client.get("/jobs/", {"instance": instance.pk}).content.decode()
    assert row_names(html) == ["on seedbox"]
    assert f'<option value="{instance.pk}" selected>seedbox</option>' in html


def test_history_offers_only_instances_the_user_knows(user_client, user):
    InstanceFactory(name="open-to-all")
    restricted = InstanceFactory(name="staff-only")
    restricted.users.add(UserFactory(role="Creators"))
    used_before = InstanceFactory(name="used-before", enabled=False)
    JobFactory(owner=user, instance=used_before)
    html = user_client.get("/jobs/").content.decode()
    assert "open-to-all" in html and "used-before" in html
    assert "staff-only" not in html


def test_history_filters_by_creation_dates_including_the_last_day(user_client, user):
    now = timezone.now()
    for name, days_ago in (("old", 10), ("middle", 5), ("new", 0)):
        job = JobFactory(owner=user, name=name)
        Job.objects.filter(pk=job.pk).update(created_at=now - timedelta(days=days_ago))
    day = (now - timedelta(days=5)).date().isoformat()
    html = user_client.get("/jobs/", {"since": day, "until": day}).content.decode()
    assert row_names(html) == ["middle"]
    html = user_client.get("/jobs/", {"since": day}).content.decode()
    assert row_names(html) == ["new", "middle"]


def test_a_to_day_before_the_from_day_is_explained_not_shown_as_no_jobs(user_client, user):
    JobFactory(owner=user, name="mine")
    today = timezone.now().date()
    html = user_client.get(
        "/jobs/", {"since": (today - timedelta(days=1)).isoformat(), "until": "2020-01-01"}
    ).content.decode()
    assert "This day is before the &#x27;from&#x27; day: no job can fall between." in html
    assert row_names(html) == ["mine"]  # filtered by what holds: created from yesterday


def test_a_malformed_date_is_explained_beside_its_field_and_filters_nothing(user_client, user):
    JobFactory(owner=user, name="mine")
    html = user_client.get("/jobs/", {"since": "yesterday"}).content.decode()
    assert row_names(html) == ["mine"]
    assert "Enter a valid date." in html


def test_search_matches_name_path_and_info_hash(user_client, user):
    JobFactory(owner=user, name="Holiday photos", source_path="/data/pictures/2024")
    JobFactory(owner=user, name="Album", info_hash_v1="ab" * 20)
    JobFactory(owner=user, name="Other")
    assert row_names(user_client.get("/jobs/", {"q": "holiday"}).content.decode()) == [
        "Holiday photos"
    ]
    assert row_names(user_client.get("/jobs/", {"q": "pictures/20"}).content.decode()) == [
        "Holiday photos"
    ]
    assert row_names(user_client.get("/jobs/", {"q": "AB" * 20}).content.decode()) == ["Album"]


def test_column_headers_sort_both_ways_and_keep_the_filters(user_client, user):
    for name in ("beta", "alpha", "gamma"):
        JobFactory(owner=user, name=name, state=JobState.FAILED)
    html = user_client.get("/jobs/", {"state": "failed", "ordering": "name"}).content.decode()
    assert row_names(html) == ["alpha", "beta", "gamma"]
    header = re.search(r'<th scope="col" aria-sort="ascending"><a href="([^"]+)"', html)
    assert header is not None
    link = header.group(1).replace("&amp;", "&")
    assert "ordering=-name" in link and "state=failed" in link
    assert row_names(user_client.get(link).content.decode()) == ["gamma", "beta", "alpha"]


def test_newest_jobs_come_first_by_default(user_client, user):
    for name in ("first", "second", "third"):
        JobFactory(owner=user, name=name)
    html = user_client.get("/jobs/").content.decode()
    assert row_names(html) == ["third", "second", "first"]
    assert 'aria-sort="descending"><a href="/jobs/?ordering=created_at"' in html


def test_an_unknown_ordering_is_explained_not_a_server_error(user_client, user):
    JobFactory(owner=user, name="mine")
    response = user_client.get("/jobs/", {"ordering": "owner__password"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "Sort by one of:" in html and row_names(html) == ["mine"]


def test_history_shows_25_jobs_a_page_with_page_links(user_client, user):
    for number in range(30):
        JobFactory(owner=user, name=f"job {number:02}")
    first = user_client.get("/jobs/").content.decode()
    assert len(row_names(first)) == 25
    assert "Jobs 1 to 25 of 30" in first
    assert 'href="/jobs/?page=2"' in first and 'aria-current="page">1</a>' in first
    second = user_client.get("/jobs/", {"page": 2}).content.decode()
    assert row_names(second) == [f"job {n:02}" for n in range(4, -1, -1)]
    assert "Jobs 26 to 30 of 30" in second


def test_the_table_partial_answers_htmx_and_puts_the_shareable_url_in_the_address_bar(
    user_client, user
):
    JobFactory(owner=user, name="failed one", state=JobState.FAILED)
    JobFactory(owner=user, name="queued one")
    response = user_client.get(
        "/jobs/table",
        {"q": "", "state": "failed", "ordering": "name"},
        headers={"HX-Request": "true"},
    )
    html = response.content.decode()
    assert "<html" not in html and 'id="job-table"' in html
    assert row_names(html) == ["failed one"]
    assert response["HX-Push-Url"] == "/jobs/?state=failed&ordering=name"


def test_the_history_has_no_jobs_message(user_client):
    assert "No jobs to show." in user_client.get("/jobs/").content.decode()


# --- one job -------------------------------------------------------------------------------


def progressbar(html: str) -> str:
    match = re.search(r'<div class="phases[^"]*"\s+role="progressbar"[^>]*>', html)
    assert match is not None
    return match.group(0)


def test_a_queued_job_offers_cancel_and_no_result(user_client, user):
    job = JobFactory(owner=user, name="Film")
    html = user_client.get(f"/jobs/{job.pk}/").content.decode()
    assert "<h1" in html and "Film</h1>" in html and ">Queued</span>" in html
    assert 'aria-valuenow="0"' in progressbar(html)
    assert ">Cancel</button>" in html
    assert "Download .torrent" not in html and "Retry" not in html and ">Result<" not in html


def test_a_hashing_job_shows_its_three_phases_eta_and_why_it_waits(user_client, user):
    job = JobFactory(
        owner=user,
        state=JobState.HASHING,
        progress=40,
        eta_s=125,
        waiting_reason="qBittorrent 'seedbox' cannot be reached; trying again.",
    )
    html = user_client.get(f"/jobs/{job.pk}/").content.decode()
    bar = progressbar(html)
    assert 'aria-valuenow="41"' in bar and 'aria-valuetext="Hashing, 41%"' in bar
    for label in ("Scanning", "Hashing", "Finalizing"):
        assert f'<span class="phase-label">{label}</span>' in html
    assert re.search(
        r'data-phase="hashing">\s*<div class="phase-track"><div class="phase-fill" '
        r'style="width: 40.0%"',
        html,
    )
    assert "about 2 min 5 s left" in html
    assert "cannot be reached; trying again." in html
    assert ">Cancel</button>" in html


def test_a_failed_job_explains_its_error_and_offers_retry(user_client, user):
    job = JobFactory(
        owner=user,
        instance=InstanceFactory(),
        state=JobState.FAILED,
        progress=12,
        error="qBittorrent 'seedbox' says the folder /data/x does not exist.",
    )
    html = user_client.get(f"/jobs/{job.pk}/").content.decode()
    error = re.search(r'<section class="job-error" role="alert".*?</section>', html, re.S)
    assert error is not None
    assert "Why it failed" in error.group(0)
    assert "says the folder /data/x does not exist." in error.group(0)
    assert ">Retry</button>" in html
    assert ">Cancel</button>" not in html and "Download .torrent" not in html
    # Where it stopped shows in the bar; no misleading percentage.
    assert 'data-live="percentage">Stopped</span>' in html
    assert 'aria-valuetext="Failed"' in progressbar(html)


def test_a_cancelled_job_offers_retry_and_no_cancel(user_client, user):
    job = JobFactory(owner=user, instance=InstanceFactory(), state=JobState.CANCELLED)
    html = user_client.get(f"/jobs/{job.pk}/").content.decode()
    assert ">Cancelled</span>" in html and ">Retry</button>" in html
    assert ">Cancel</button>" not in html


def test_a_completed_job_shows_its_result(user_client, user, content):
    job = completed_job(content, owner=user, instance=InstanceFactory(), info_hash_v2="cd" * 32)
    html = user_client.get(f"/jobs/{job.pk}/").content.decode()
    assert 'aria-valuenow="100"' in progressbar(html)
    assert ">Result</h2>" in html
    assert f"<code>{job.info_hash_v1}</code>" in html and f"<code>{'cd' * 32}</code>" in html
    assert "68.4 KiB" in html and "(70000 bytes)" in html  # total size
    assert "<dt>Files</dt><dd>2</dd>" in html
    assert f"<dt>Pieces</dt><dd>{job.piece_count} of 16 KiB</dd>" in html
    assert "<code>https://tracker.example.org/announce</code>" in html
    assert "Not added: seeding was not asked for." in html
    assert f'value="{job.magnet.replace("&", "&amp;")}"' in html
    assert ">Copy magnet link</button>" in html
    assert f'href="/jobs/{job.pk}/torrent"' in html
    assert ">Create again with these settings</button>" in html
    assert ">Cancel</button>" not in html and ">Retry</button>" not in html


def test_the_job_page_shows_the_frozen_options_as_stored(user_client, user):
    preset = PresetFactory(name="Private tracker")
    job = JobFactory(
        owner=user,
        preset=preset,
        instance_name="seedbox",
        source_path="/data/Films/Film (2024)",
        options={
            "trackers": [
                ["https://t.example.org/{passkey}/announce"],
                ["udp://backup.example.org:6969"],
            ],
            "private": True,
            "source": "EXAMPLE",
            "comment": "Made for friends",
            "web_seeds": ["https://mirror.example.org/films/"],
            "format": "hybrid",
            "piece_size": 0,
            "start_seeding": True,
            "category": "films",
            "tags": ["hd", "2024"],
        },
        notes=["Piece size 4 MiB chosen by the planner: 1,000 to 2,000 pieces."],
    )
    html = user_client.get(f"/jobs/{job.pk}/").content.decode()
    assert "<code>https://t.example.org/{passkey}/announce</code>" in html
    assert "Tier 2</span><br><code>udp://backup.example.org:6969</code>" in html
    assert "<dt>Private</dt><dd>Yes</dd>" in html
    assert "<dd>EXAMPLE</dd>" in html and "Made for friends" in html
    assert "<code>https://mirror.example.org/films/</code>" in html
    assert "Hybrid (v1 and v2)" in html
    assert "<dt>Piece size</dt><dd>Automatic</dd>" in html
    assert "Add to qBittorrent and seed" in html
    assert "<dd>films</dd>" in html and "<dd>hd, 2024</dd>" in html
    assert "<code>/data/Films/Film (2024)</code>" in html
    assert 'seedbox <span class="muted">(removed)</span>' in html
    assert "<dd>Private tracker</dd>" in html
    assert "Piece size 4 MiB chosen by the planner" in html


def test_a_fixed_piece_size_reads_in_binary_units(user_client, user):
    job = JobFactory(owner=user, options={"piece_size": 4 * 1024 * 1024})
    html = user_client.get(f"/jobs/{job.pk}/").content.decode()
    assert "<dt>Piece size</dt><dd>4 MiB</dd>" in html


@pytest.mark.parametrize(
    "url",
    ["/jobs/{}/", "/jobs/{}/detail", "/jobs/{}/row", "/jobs/{}/torrent"],
)
def test_another_users_job_is_not_found(user_client, other_user, url):
    job = JobFactory(owner=other_user)
    response = user_client.get(url.format(job.pk))
    assert response.status_code == 404
    html = response.content.decode()
    assert f"There is no job {job.pk}." in html and job.name not in html


@pytest.mark.parametrize("action", ["cancel", "retry"])
def test_another_users_job_cannot_be_cancelled_or_retried(user_client, other_user, action):
    job = JobFactory(owner=other_user, state=JobState.FAILED if action == "retry" else "queued")
    response = user_client.post(f"/jobs/{job.pk}/{action}")
    assert response.status_code == 404
    assert f"There is no job {job.pk}." in response.content.decode()
    assert Job.objects.count() == 1
    assert Job.objects.get(pk=job.pk).state == job.state


def test_staff_may_open_any_job_and_see_its_owner(staff_client, user):
    job = JobFactory(owner=user, name="Film")
    html = staff_client.get(f"/jobs/{job.pk}/").content.decode()
    assert f"<dt>Owner</dt><dd>{user.username}</dd>" in html


def test_the_detail_partial_is_the_pages_main_part(user_client, user):
    job = JobFactory(owner=user, name="Film")
    html = user_client.get(f"/jobs/{job.pk}/detail").content.decode()
    assert "<html" not in html
    assert html.lstrip().startswith('<div id="job-detail"') and "Film</h1>" in html


def test_a_stopped_job_row_says_stopped_instead_of_a_percentage(user_client, user):
    job = JobFactory(owner=user, state=JobState.CANCELLED, progress=60)
    html = user_client.get(f"/jobs/{job.pk}/row").content.decode()
    assert 'data-live="percentage">Stopped</span>' in html and "%</span>" not in html


def test_the_row_partial_shows_one_row(user_client, user):
    job = JobFactory(owner=user, name="Film", state=JobState.HASHING, progress=50)
    html = user_client.get(f"/jobs/{job.pk}/row").content.decode()
    assert html.lstrip().startswith(f'<tr id="job-row-{job.pk}"')
    assert ">Hashing</span>" in html and "50%</span>" in html


# --- downloading, cancelling, retrying ----------------------------------------------------


def test_download_sends_the_torrent_as_an_attachment_and_records_it(user_client, user, content):
    job = completed_job(content, owner=user)
    response = user_client.get(f"/jobs/{job.pk}/torrent")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/x-bittorrent"
    assert response["Content-Disposition"] == 'attachment; filename="Album.torrent"'
    info = torrent_info(response.content)
    assert info.name() == "Album" and info.total_size() == 70_000
    event = AuditEvent.objects.get(action="job.downloaded")
    assert event.actor == user and event.target_id == str(job.pk)


def test_download_of_an_unfinished_job_is_refused_in_words(user_client, user):
    job = JobFactory(owner=user, state=JobState.HASHING)
    response = user_client.get(f"/jobs/{job.pk}/torrent")
    assert response.status_code == 409
    assert "This job has no .torrent yet." in response.content.decode()
    assert not AuditEvent.objects.filter(action="job.downloaded").exists()


def test_download_of_a_lost_torrent_file_is_explained(user_client, user, content, settings):
    job = completed_job(content, owner=user)
    (settings.TORRENTS_DIR / job.torrent_file).unlink()
    response = user_client.get(f"/jobs/{job.pk}/torrent")
    assert response.status_code == 410
    assert "missing from the data directory" in response.content.decode()


def test_cancel_through_the_page(user_client, user):
    job = JobFactory(owner=user, instance=InstanceFactory(), state=JobState.HASHING, progress=30)
    response = user_client.post(f"/jobs/{job.pk}/cancel", follow=True)
    assert response.redirect_chain[-1][0] == f"/jobs/{job.pk}/"
    html = response.content.decode()
    assert f"Job {job.pk} is cancelled." in html
    assert ">Cancelled</span>" in html and ">Retry</button>" in html
    assert ">Cancel</button>" not in html
    assert Job.objects.get(pk=job.pk).state == JobState.CANCELLED


def test_cancel_and_retry_only_answer_post(user_client, user):
    job = JobFactory(owner=user)
    assert user_client.get(f"/jobs/{job.pk}/cancel").status_code == 405
    assert user_client.get(f"/jobs/{job.pk}/retry").status_code == 405
    assert Job.objects.get(pk=job.pk).state == JobState.QUEUED


def test_retry_through_the_page_opens_the_new_job(user_client, user):
    old = JobFactory(
        owner=user,
        instance=InstanceFactory(name="seedbox"),
        instance_name="seedbox",
        state=JobState.FAILED,
        error="It broke.",
    )
    response = user_client.post(f"/jobs/{old.pk}/retry", follow=True)
    new = Job.objects.exclude(pk=old.pk).get()
    assert response.redirect_chain[-1][0] == f"/jobs/{new.pk}/"
    html = response.content.decode()
    assert f"Job {new.pk} was queued with the settings of job {old.pk}." in html
    assert ">Queued</span>" in html and ">Cancel</button>" in html  # no worker runs here
    assert f'<a href="/jobs/{old.pk}/">Job {old.pk}</a>' in html
    assert new.options == old.options and new.source_path == old.source_path


def test_create_again_from_a_completed_job(user_client, user, content):
    old = completed_job(content, owner=user, instance=InstanceFactory())
    response = user_client.post(f"/jobs/{old.pk}/retry", follow=True)
    new = Job.objects.exclude(pk=old.pk).get()
    assert response.redirect_chain[-1][0] == f"/jobs/{new.pk}/"
    assert new.state == JobState.QUEUED and new.retry_of == old


def test_retry_without_its_instance_says_why_on_the_job_page(user_client, user):
    old = JobFactory(owner=user, state=JobState.FAILED)  # its instance was deleted
    response = user_client.post(f"/jobs/{old.pk}/retry", follow=True)
    assert response.redirect_chain[-1][0] == f"/jobs/{old.pk}/"
    assert "The qBittorrent instance of this job was removed." in response.content.decode()
    assert Job.objects.count() == 1


def test_retry_of_a_running_job_is_refused_in_words(user_client, user):
    job = JobFactory(owner=user, state=JobState.HASHING, instance=InstanceFactory())
    response = user_client.post(f"/jobs/{job.pk}/retry", follow=True)
    assert "This job is still running: cancel it first, or wait." in response.content.decode()
    assert Job.objects.count() == 1


# --- home and navigation --------------------------------------------------------------------


def test_home_lists_the_users_five_latest_jobs(client, user, other_user):
    for number in range(6):
        JobFactory(owner=user, name=f"mine {number}")
    JobFactory(owner=other_user, name="theirs")
    staff = UserFactory(is_staff=True)
    JobFactory(owner=staff, name="staff job")
    client.force_login(user)
    html = client.get("/").content.decode()
    assert "Recent jobs" in html
    names = re.findall(r'<li><a href="/jobs/\d+/">([^<]*)</a>', html)
    assert names == ["mine 5", "mine 4", "mine 3", "mine 2", "mine 1"]
    client.force_login(staff)
    html = client.get("/").content.decode()
    assert re.findall(r'<li><a href="/jobs/\d+/">([^<]*)</a>', html) == ["staff job"]


def test_every_page_links_to_the_jobs(user_client):
    html = user_client.get("/jobs/").content.decode()
    assert '<a href="/jobs/" aria-current="page">Jobs</a>' in html
    assert '<a href="/jobs/" >Jobs</a>' in user_client.get("/").content.decode()


def test_the_job_page_says_it_may_be_left_only_while_the_job_runs(user_client, user, content):
    running = JobFactory(owner=user, state=JobState.HASHING, progress=10)
    assert "You may leave this page" in user_client.get(f"/jobs/{running.pk}/").content.decode()
    for job in (completed_job(content, owner=user), JobFactory(owner=user, state=JobState.FAILED)):
        assert "You may leave this page" not in user_client.get(f"/jobs/{job.pk}/").content.decode()


def test_home_shows_when_the_worker_was_last_seen_as_other_dates_read(user_client):
    from django_tasks_db.models import DBTaskResult

    from creator.tasks import worker_probe

    worker_probe.enqueue()
    seen = timezone.now().replace(microsecond=780335)
    DBTaskResult.objects.update(status="SUCCESSFUL", started_at=seen, finished_at=seen)
    html = user_client.get("/").content.decode()
    worker = re.search(r"<dt>Background worker</dt>\s*<dd[^>]*>(.*?)</dd>", html).group(1)
    assert worker == (
        f'ok, last seen <time datetime="{seen.isoformat()}">{seen:%Y-%m-%d %H:%M:%S} UTC</time>'
    )


def test_a_one_byte_torrent_reads_in_the_singular(user_client, user):
    job = JobFactory(owner=user, state=JobState.COMPLETED, total_size=1, file_count=1)
    html = user_client.get(f"/jobs/{job.pk}/").content.decode()
    assert '1 B <span class="muted">(1 byte)</span>' in html
