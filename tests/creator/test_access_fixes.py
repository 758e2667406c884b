"""Retry, verify, download and edit hold to the same rules as a new job: the instances and
presets the user may use, the active-job limit, the mapped folders, and the owner's secrets."""

import os

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from creator.engines.local import LocalEngine
from creator.models import Job, JobState
from tests.factories import (
    InstanceFactory,
    JobFactory,
    PresetFactory,
    PresetSecretFactory,
    UserFactory,
    completed_job,
)
from tests.harness.content import write
from tests.harness.oracle import make_torrent

PASSKEY = "sekret0123456789abcdef"


def upload(data: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile("x.torrent", data, content_type="application/x-bittorrent")


def failed_job(owner, **fields) -> Job:
    return JobFactory(owner=owner, state=JobState.FAILED, error="It broke.", **fields)


def client_of(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


# --- 1. retry: the instance and the preset must still be the user's to use ------------------


@pytest.mark.parametrize("closed", ["restricted", "disabled"])
def test_retry_refuses_an_instance_the_user_may_no_longer_use(user_client, user, closed):
    instance = InstanceFactory(is_default=True)
    old = failed_job(user, instance=instance, instance_name=instance.name)
    if closed == "restricted":
        instance.users.add(UserFactory())
    else:
        instance.enabled = False
        instance.save()
    retried = user_client.post(f"/api/jobs/{old.pk}/retry")
    submitted = user_client.post(
        "/api/jobs", {"path": "/data/x", "instance": instance.pk}, content_type="application/json"
    )
    assert retried.status_code == submitted.status_code == 404, retried.content
    assert retried.json() == submitted.json()
    assert retried.json()["errors"] == [
        {
            "field": "instance",
            "message": f"There is no qBittorrent instance {instance.pk} you may use.",
        }
    ]
    assert Job.objects.count() == 1


def test_retry_on_the_page_says_why_the_instance_is_refused(user_client, user):
    instance = InstanceFactory()
    old = failed_job(user, instance=instance, instance_name=instance.name)
    instance.users.add(UserFactory())
    response = user_client.post(f"/jobs/{old.pk}/retry", follow=True)
    assert response.redirect_chain[-1][0] == f"/jobs/{old.pk}/"
    assert f"There is no qBittorrent instance {instance.pk} you may use." in (
        response.content.decode()
    )
    assert Job.objects.count() == 1


def test_retry_refuses_a_preset_the_user_may_no_longer_use(user_client, user):
    preset = PresetFactory(owner=UserFactory())  # another user's personal preset
    old = failed_job(user, instance=InstanceFactory(), preset=preset)
    response = user_client.post(f"/api/jobs/{old.pk}/retry")
    assert response.status_code == 404, response.content
    assert response.json()["errors"][0]["field"] == "preset"
    assert Job.objects.count() == 1


def test_retry_keeps_to_the_roots_as_they_are_now(user_client, user):
    instance = InstanceFactory(allowed_roots=["/data"])
    old = failed_job(user, instance=instance, source_path="/data/private/x")
    instance.allowed_roots = ["/data/public"]  # narrowed by an administrator since
    instance.save()
    response = user_client.post(f"/api/jobs/{old.pk}/retry")
    assert response.status_code == 403, response.content
    assert response.json()["errors"][0]["field"] == "path"
    assert Job.objects.count() == 1


def test_retry_on_an_instance_still_open_is_accepted(user_client, user):
    instance = InstanceFactory()
    instance.users.add(user)
    old = failed_job(user, instance=instance, preset=PresetFactory())
    response = user_client.post(f"/api/jobs/{old.pk}/retry")
    assert response.status_code == 201, response.content
    assert Job.objects.get(pk=response.json()["id"]).retry_of == old


# --- 2. the active-job limit, for retry and verify too ---------------------------------------


def test_retry_keeps_to_the_active_job_limit(user_client, user, settings):
    settings.JOB_ACTIVE_LIMIT = 1
    instance = InstanceFactory()
    JobFactory(owner=user, state=JobState.HASHING, instance=instance)
    old = failed_job(user, instance=instance)
    response = user_client.post(f"/api/jobs/{old.pk}/retry")
    assert response.status_code == 429, response.content
    assert response.json()["code"] == "too_many_jobs"
    page = user_client.post(f"/jobs/{old.pk}/retry", follow=True).content.decode()
    assert "You have 1 job running or queued, the most allowed" in page
    assert Job.objects.count() == 2


def test_verify_keeps_to_the_active_job_limit(user_client, user, settings, tmp_path):
    settings.JOB_ACTIVE_LIMIT = 1
    write(tmp_path / "data" / "Set", {"a.bin": b"a" * 20_000})
    InstanceFactory(
        is_default=True, path_mappings=[{"host_path": str(tmp_path / "data"), "qbt_path": "/data"}]
    )
    JobFactory(owner=user, state=JobState.QUEUED)
    data = make_torrent(tmp_path / "data" / "Set")
    response = user_client.post(
        "/api/torrents/verify", {"torrent": upload(data), "path": "/data/Set"}
    )
    assert response.status_code == 429, response.content
    assert response.json()["code"] == "too_many_jobs"
    page = user_client.post("/torrents/verify", {"torrent": upload(data), "path": "/data/Set"})
    assert page.status_code == 429
    assert (
        "You have 1 job running or queued, the most allowed; wait for it to finish."
        in page.content.decode()
    )
    assert Job.objects.count() == 1


# --- 3. verify: no link out of the mapped folders -------------------------------------------


@pytest.fixture
def linked(tmp_path):
    """`<tmp>/data` mapped to /data, holding links to a folder and a file outside it."""
    write(tmp_path / "outside", {"secret.bin": b"s" * 20_000})
    (tmp_path / "data").mkdir()
    os.symlink(tmp_path / "outside", tmp_path / "data" / "link")
    os.symlink(tmp_path / "outside" / "secret.bin", tmp_path / "data" / "file-link")
    instance = InstanceFactory(
        is_default=True, path_mappings=[{"host_path": str(tmp_path / "data"), "qbt_path": "/data"}]
    )
    return instance, make_torrent(tmp_path / "outside")


@pytest.mark.parametrize("path", ["/data/link", "/data/file-link"])
def test_verify_refuses_a_path_leading_out_of_the_mapped_folders(user_client, linked, path):
    _, data = linked
    response = user_client.post("/api/torrents/verify", {"torrent": upload(data), "path": path})
    assert response.status_code == 403, response.content
    body = response.json()
    assert body["code"] == "outside_roots"
    assert body["errors"][0]["field"] == "path" and "through a link" in body["detail"]
    page = user_client.post("/torrents/verify", {"torrent": upload(data), "path": path})
    assert page.status_code == 403
    assert 'id="verify-path-error"' in page.content.decode()
    assert Job.objects.count() == 0


def test_retry_of_a_check_refuses_a_path_that_became_a_link_out(user_client, user, tmp_path):
    write(tmp_path / "data" / "Set", {"a.bin": b"a" * 20_000})
    write(tmp_path / "outside", {"a.bin": b"a" * 20_000})
    instance = InstanceFactory(
        path_mappings=[{"host_path": str(tmp_path / "data"), "qbt_path": "/data"}]
    )
    stored = "verify/test-check.torrent"
    (settings.TORRENTS_DIR / "verify").mkdir(parents=True, exist_ok=True)
    (settings.TORRENTS_DIR / stored).write_bytes(make_torrent(tmp_path / "data" / "Set"))
    old = JobFactory(
        owner=user,
        instance=instance,
        source_path="/data/Set",
        kind="verify",
        engine="local",
        state=JobState.COMPLETED,
        options={"input_torrent": stored},
    )
    (tmp_path / "data" / "Set" / "a.bin").unlink()
    (tmp_path / "data" / "Set").rmdir()
    os.symlink(tmp_path / "outside", tmp_path / "data" / "Set")
    response = user_client.post(f"/api/jobs/{old.pk}/retry")
    assert response.status_code == 403, response.content
    assert response.json()["code"] == "outside_roots"
    assert Job.objects.count() == 1


# --- 4. staff see others' jobs, but not their passkeys ---------------------------------------


@pytest.fixture
def alices_job(user, tmp_path):
    """A completed job of `user`'s whose stored .torrent holds their passkey."""
    template = "https://tracker.example.org/{passkey}/announce"
    preset = PresetFactory(owner=user, trackers=[[template]])
    PresetSecretFactory(user=user, preset=preset, value=PASSKEY)
    write(tmp_path / "Album", {"a.flac": b"a" * 20_000})
    made = completed_job(tmp_path / "Album", owner=user, instance=InstanceFactory())
    response = client_of(user).post(
        f"/api/jobs/{made.pk}/edit", {"trackers": [[template]]}, content_type="application/json"
    )
    assert response.status_code == 201, response.content
    job = Job.objects.get(pk=response.json()["id"])
    assert PASSKEY.encode() in (settings.TORRENTS_DIR / job.torrent_file).read_bytes()
    return job


def test_staff_may_not_download_another_users_torrent(staff_client, user, alices_job):
    for url in (f"/api/jobs/{alices_job.pk}/torrent", f"/jobs/{alices_job.pk}/torrent"):
        response = staff_client.get(url)
        assert response.status_code == 403, (url, response.status_code)
        assert PASSKEY.encode() not in response.content
    body = staff_client.get(f"/api/jobs/{alices_job.pk}/torrent").json()
    assert body["code"] == "not_owner"
    assert f"is {user.get_username()}'s: only they may download its .torrent" in body["detail"]
    # the owner still may
    own = client_of(user).get(f"/api/jobs/{alices_job.pk}/torrent")
    assert own.status_code == 200 and PASSKEY.encode() in own.content


def test_staff_may_not_edit_or_retry_another_users_job(staff_client, alices_job):
    before = Job.objects.count()
    edit = staff_client.post(
        f"/api/jobs/{alices_job.pk}/edit", {"comment": "mine now"}, content_type="application/json"
    )
    assert edit.status_code == 403 and edit.json()["code"] == "not_owner", edit.content
    retry = staff_client.post(f"/api/jobs/{alices_job.pk}/retry")
    assert retry.status_code == 403 and retry.json()["code"] == "not_owner", retry.content
    for url, data in (
        (f"/jobs/{alices_job.pk}/edit", {"trackers": "", "comment": "mine now"}),
        (f"/jobs/{alices_job.pk}/retry", {}),
    ):
        page = staff_client.post(url, data, follow=True)
        assert page.redirect_chain[-1][0] == f"/jobs/{alices_job.pk}/"
        assert "only they may" in page.content.decode()
    assert Job.objects.count() == before


def test_staff_see_another_users_job_without_its_secrets_or_owner_actions(
    staff_client, user, alices_job
):
    detail = staff_client.get(f"/api/jobs/{alices_job.pk}")
    assert detail.status_code == 200
    assert PASSKEY not in detail.content.decode()
    assert alices_job.magnet and PASSKEY not in alices_job.magnet
    html = staff_client.get(f"/jobs/{alices_job.pk}/").content.decode()
    assert alices_job.magnet.replace("&", "&amp;") in html  # the magnet link is shown, masked
    assert PASSKEY not in html
    for action in (
        "Download .torrent",
        f"/jobs/{alices_job.pk}/torrent",
        f"/jobs/{alices_job.pk}/retry",
        f"/jobs/{alices_job.pk}/edit",
    ):
        assert action not in html, action
    assert f"<dd>{user.get_username()}</dd>" in html  # whose job it is
    own = client_of(user).get(f"/jobs/{alices_job.pk}/").content.decode()
    for action in ("Download .torrent", f"/jobs/{alices_job.pk}/retry", "Edit into a new"):
        assert action in own, action


def test_staff_may_still_cancel_another_users_running_job(staff_client, user):
    job = JobFactory(owner=user, state=JobState.HASHING)
    response = staff_client.post(f"/api/jobs/{job.pk}/cancel")
    assert response.status_code == 200 and response.json()["state"] == "cancelled"


@pytest.mark.parametrize("kind", ["create", "verify"])
def test_a_source_that_became_a_link_out_fails_the_job_when_it_runs(user, tmp_path, kind):
    # Checked at submission, then swapped for a link before a worker took the job.
    write(tmp_path / "outside", {"a.bin": b"a" * 20_000})
    (tmp_path / "data").mkdir()
    os.symlink(tmp_path / "outside", tmp_path / "data" / "Set")
    instance = InstanceFactory(
        allowed_roots=["/data"],
        path_mappings=[{"host_path": str(tmp_path / "data"), "qbt_path": "/data"}],
    )
    options = {}
    if kind == "verify":
        options["input_torrent"] = "verify/swapped.torrent"
        (settings.TORRENTS_DIR / "verify").mkdir(parents=True, exist_ok=True)
        (settings.TORRENTS_DIR / "verify/swapped.torrent").write_bytes(
            make_torrent(tmp_path / "outside")
        )
    job = JobFactory(
        owner=user,
        instance=instance,
        source_path="/data/Set",
        kind=kind,
        engine="local",
        state=JobState.QUEUED,
        options=options,
    )
    LocalEngine(job, renew=lambda **_: None).step()
    job.refresh_from_db()
    assert job.state == JobState.FAILED
    assert "leads outside the folders you may browse" in job.error
    assert not job.torrent_file and not job.verify_report


@pytest.mark.parametrize(
    ("files", "exclude", "words"),
    [
        ({"a.nfo": b"n"}, ["*.nfo"], "There are no files to put in the torrent"),
        ({"a.bin": b"", "b.bin": b""}, [], "empty"),
    ],
)
def test_content_left_with_no_data_fails_the_local_job_in_words(
    user, tmp_path, files, exclude, words
):
    # An automatic piece size has nothing to plan for: the job said "Internal error".
    write(tmp_path / "data" / "Set", files)
    instance = InstanceFactory(
        allowed_roots=["/data"],
        path_mappings=[{"host_path": str(tmp_path / "data"), "qbt_path": "/data"}],
    )
    job = JobFactory(
        owner=user,
        instance=instance,
        source_path="/data/Set",
        engine="local",
        options={"trackers": [], "format": "v1", "piece_size": 0, "exclude": exclude},
    )
    LocalEngine(job, renew=lambda **_: None).step()
    job.refresh_from_db()
    assert job.state == JobState.FAILED
    assert words in job.error and "Internal error" not in job.error
