"""The inspect, verify and edit pages."""

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile

from creator.metainfo import bencode
from creator.models import Job
from creator.torrents import KEPT_VERIFY_INPUTS
from tests.factories import (
    InstanceFactory,
    JobFactory,
    PresetFactory,
    PresetSecretFactory,
    UserFactory,
    completed_job,
)
from tests.harness.content import write
from tests.harness.oracle import hashes, make_torrent, tiers, torrent_info


def upload(data: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile("x.torrent", data, content_type="application/x-bittorrent")


def test_inspect_shows_hashes_trackers_and_files(user_client, tmp_path):
    write(tmp_path / "Album", {"01.flac": b"a" * 30_000})
    data = make_torrent(tmp_path / "Album", format="hybrid", trackers=[["http://127.0.0.1:9/a"]])
    html = user_client.post("/torrents/inspect", {"torrent": upload(data)}).content.decode()
    v1, v2 = hashes(torrent_info(data))
    assert v1 in html and v2 in html
    assert "http://127.0.0.1:9/a" in html and "01.flac" in html
    assert "29.3 KiB in 1 file</dd>" in html


def test_inspect_says_when_a_file_is_not_a_torrent_at_its_field(user_client):
    response = user_client.post("/torrents/inspect", {"torrent": upload(b"hello")})
    assert response.status_code == 422
    assert 'id="inspect-error"' in response.content.decode()


def test_verify_page_makes_a_verify_job_for_mapped_content(user_client, tmp_path):
    write(tmp_path / "data" / "Set", {"a.bin": b"a" * 20_000})
    InstanceFactory(
        is_default=True, path_mappings=[{"host_path": str(tmp_path / "data"), "qbt_path": "/data"}]
    )
    data = make_torrent(tmp_path / "data" / "Set")
    response = user_client.post("/torrents/verify", {"torrent": upload(data), "path": "/data/Set"})
    job = Job.objects.get()
    assert response["Location"] == f"/jobs/{job.pk}/"
    assert (job.kind, job.engine, job.source_path) == ("verify", "local", "/data/Set")
    refused = user_client.post("/torrents/verify", {"torrent": upload(data), "path": "/other"})
    assert refused.status_code == 422
    assert 'id="verify-path-error"' in refused.content.decode()


def test_checks_keep_only_their_newest_torrent_files(user_client, user, tmp_path):
    """A check keeps its .torrent for Check again; a user's older ones go, or checks (of up
    to 50 MB each) would fill the disk."""
    write(tmp_path / "data" / "Set", {"a.bin": b"a" * 20_000})
    InstanceFactory(
        is_default=True, path_mappings=[{"host_path": str(tmp_path / "data"), "qbt_path": "/data"}]
    )
    data = make_torrent(tmp_path / "data" / "Set")
    for _ in range(KEPT_VERIFY_INPUTS + 2):
        response = user_client.post(
            "/api/torrents/verify", {"torrent": upload(data), "path": "/data/Set"}
        )
        assert response.status_code == 201, response.content
        Job.objects.filter(pk=response.json()["id"]).update(state="completed")
    checks = list(Job.objects.filter(kind="verify").order_by("pk"))
    stored = [(settings.TORRENTS_DIR / job.options["input_torrent"]).is_file() for job in checks]
    assert stored == [False] * 2 + [True] * KEPT_VERIFY_INPUTS
    again = user_client.post(f"/api/jobs/{checks[0].pk}/retry")
    assert again.status_code == 410, again.content


def test_the_job_page_shows_a_verify_report_file_by_file(user_client, user):
    job = JobFactory(
        owner=user,
        source_path="/data/Set",
        kind="verify",
        engine="local",
        state="completed",
        verify_report={
            "ok": False,
            "format": "v1",
            "pieceCount": 4,
            "goodPieces": 3,
            "badPieces": [2],
            "badPieceCount": 1,
            "missingPieces": 0,
            "files": [
                {
                    "path": "Set/b.bin",
                    "size": 10,
                    "actualSize": 10,
                    "status": "corrupt",
                    "corruptPieces": 1,
                    "missingPieces": 0,
                }
            ],
        },
    )
    html = user_client.get(f"/jobs/{job.pk}/").content.decode()
    assert "problems found" in html
    assert "3 of 4 pieces match, 1 does not" in html
    assert "Set/b.bin" in html and "corrupt" in html


def test_the_edit_form_makes_a_new_job_with_the_new_torrent(user_client, user, tmp_path):
    write(tmp_path / "Album", {"a.flac": b"a" * 20_000})
    job = completed_job(
        tmp_path / "Album",
        owner=user,
        options={"format": "v1", "start_seeding": True, "category": "music", "tags": ["x"]},
        seeding="Seeding in qBittorrent 'seedbox' in category music.",
    )
    response = user_client.post(
        f"/jobs/{job.pk}/edit",
        {
            "trackers": "http://127.0.0.1:9/one\n\nhttp://127.0.0.1:9/two",
            "source": "NEW",
            "comment": "",
            "private": "on",
        },
    )
    edited = Job.objects.exclude(pk=job.pk).get()
    assert response["Location"] == f"/jobs/{edited.pk}/"
    assert (edited.kind, edited.state, edited.retry_of_id) == ("edit", "completed", job.pk)
    assert edited.trackers_created == [["http://127.0.0.1:9/one"], ["http://127.0.0.1:9/two"]]
    assert edited.info_hash_v1 != job.info_hash_v1  # source and private are in the info dict
    # only stored: neither seeded nor said to be
    page = user_client.get(f"/jobs/{edited.pk}/").content.decode()
    assert "Add to qBittorrent and seed" not in page and "music" not in page
    assert f'Edited from</dt><dd><a href="/jobs/{job.pk}/">Job {job.pk}</a>' in page


def test_fields_left_as_the_edit_form_showed_them_are_kept_as_they_were(
    user_client, user, tmp_path
):
    write(tmp_path / "Album", {"a.flac": b"a" * 20_000})
    made = user_client.post(
        f"/api/jobs/{completed_job(tmp_path / 'Album', owner=user).pk}/edit",
        {"trackers": [["http://127.0.0.1:9/a"]], "source": "TRK", "comment": "by api\nline 2"},
        content_type="application/json",
    )
    assert made.status_code == 201, made.content
    job = Job.objects.get(pk=made.json()["id"])
    # What a browser sends back untouched: the input's value, the textareas with CRLF breaks;
    # only the trackers are changed.
    user_client.post(
        f"/jobs/{job.pk}/edit",
        {"trackers": "http://127.0.0.1:9/b\r\n", "source": "TRK", "comment": "by api\r\nline 2"},
    )
    edited = Job.objects.exclude(pk__in=[job.pk, job.retry_of_id]).get()
    assert edited.info_hash_v1 == job.info_hash_v1  # the form says other trackers keep it
    stored = torrent_info((settings.TORRENTS_DIR / edited.torrent_file).read_bytes())
    assert (stored.comment(), tiers(stored)) == ("by api\nline 2", [["http://127.0.0.1:9/b"]])


def test_an_edit_with_a_blank_tier_still_masks_the_passkey(user_client, user, tmp_path):
    template = "https://tracker.example.org/{passkey}/announce"
    preset = PresetFactory(owner=user, trackers=[[template]])
    PresetSecretFactory(user=user, preset=preset, value="sekret0123456789")
    write(tmp_path / "Album", {"a.flac": b"a" * 20_000})
    job = completed_job(tmp_path / "Album", owner=user)
    response = user_client.post(
        f"/api/jobs/{job.pk}/edit",
        {"trackers": [[" "], [template]]},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    edited = Job.objects.get(pk=response.json()["id"])
    assert edited.trackers_created == [[template]]
    assert "sekret0123456789" not in edited.magnet
    stored = torrent_info((settings.TORRENTS_DIR / edited.torrent_file).read_bytes())
    assert tiers(stored) == [[template.replace("{passkey}", "sekret0123456789")]]


def test_a_refused_edit_keeps_what_was_typed_and_says_why_at_the_field(user_client, user, tmp_path):
    write(tmp_path / "Album", {"a.flac": b"a" * 20_000})
    job = completed_job(
        tmp_path / "Album",
        owner=user,
        options={"format": "v1", "start_seeding": True, "category": "music", "tags": ["x"]},
        seeding="Seeding in qBittorrent 'seedbox' in category music.",
    )
    response = user_client.post(
        f"/jobs/{job.pk}/edit",
        {"trackers": "not a tracker", "source": "KEEP", "comment": "line one\nline two"},
    )
    assert response.status_code == 422
    html = response.content.decode()
    assert f'aria-describedby="edit-trackers-error-{job.pk}"' in html
    assert f'id="edit-trackers-error-{job.pk}"' in html and "not a tracker" in html
    assert 'value="KEEP"' in html
    assert ">line one\nline two</textarea>" in html  # a comment keeps its lines
    assert Job.objects.count() == 1


def test_a_verify_job_offers_to_check_again_and_shows_what_it_checked(user_client, user):
    instance = InstanceFactory()
    job = JobFactory(
        owner=user,
        instance=instance,
        source_path="/data/Set",
        kind="verify",
        engine="local",
        state="failed",
        error="gone",
        info_hash_v1="a" * 40,
    )
    html = user_client.get(f"/jobs/{job.pk}/").content.decode()
    assert "Check again</button>" in html and "Create again" not in html
    assert "Checked against" in html and "a" * 40 in html
    assert "Piece size" not in html  # a check has no creation options
    instance.delete()
    html = user_client.get(f"/jobs/{job.pk}/").content.decode()
    assert "Check again" not in html  # its instance is gone: a retry would be refused


def test_a_viewer_sees_a_job_without_the_actions_it_may_not_take(client, db, tmp_path):
    viewer = UserFactory(role="Viewers")
    write(tmp_path / "Album", {"a.flac": b"a" * 20_000})
    job = completed_job(tmp_path / "Album", owner=viewer, instance=InstanceFactory())
    client.force_login(viewer)
    html = client.get(f"/jobs/{job.pk}/").content.decode()
    assert "Download .torrent" in html
    for action in ("Create again", "Edit into a new .torrent", f"/jobs/{job.pk}/retry"):
        assert action not in html
    for page in ('href="/create/"', 'href="/torrents/verify"', 'href="/browse/"'):
        assert page not in html  # the menu leaves out pages a Viewer is refused


def test_the_verify_page_keeps_the_chosen_instance_after_an_error(user_client, tmp_path):
    InstanceFactory(is_default=True)
    second = InstanceFactory()
    data = make_torrent(write_folder(tmp_path))
    refused = user_client.post(
        "/torrents/verify", {"torrent": upload(data), "path": "/other", "instance": second.pk}
    )
    assert refused.status_code == 422
    assert f'<option value="{second.pk}" selected>' in refused.content.decode()


def write_folder(tmp_path):
    write(tmp_path / "Set", {"a.bin": b"a" * 20_000})
    return tmp_path / "Set"


def test_a_passkey_changed_since_never_shows_in_clear(user_client, user, tmp_path):
    template = "https://tracker.example.org/{passkey}/announce"
    preset = PresetFactory(owner=user, trackers=[[template]])
    secret = PresetSecretFactory(user=user, preset=preset, value="oldsecret0123456789")
    write(tmp_path / "Album", {"a.flac": b"a" * 20_000})
    job = completed_job(tmp_path / "Album", owner=user)
    first = user_client.post(
        f"/api/jobs/{job.pk}/edit", {"trackers": [[template]]}, content_type="application/json"
    ).json()
    secret.value = "newsecret0123456789"
    secret.save()
    response = user_client.post(
        f"/api/jobs/{first['id']}/edit", {"comment": "x"}, content_type="application/json"
    )
    assert response.status_code == 201, response.content
    assert "oldsecret0123456789" not in response.content.decode()
    edited = Job.objects.get(pk=response.json()["id"])
    assert edited.trackers_created == [[template]]
    # the passkey deleted: an edit that leaves the trackers alone needs none
    secret.delete()
    again = user_client.post(
        f"/api/jobs/{edited.pk}/edit", {"comment": "y"}, content_type="application/json"
    )
    assert again.status_code == 201, again.content
    assert again.json()["result"]["trackers"] == [[template]]
    assert "oldsecret0123456789" not in again.content.decode()
    # a public tracker of the same site is not taken for the passkey's template
    PresetSecretFactory(user=user, preset=preset, value="thirdsecret0123456")
    public = "https://tracker.example.org/public/announce"
    both = user_client.post(
        f"/api/jobs/{edited.pk}/edit",
        {"trackers": [[template], [public]]},
        content_type="application/json",
    )
    assert both.status_code == 201, both.content
    assert both.json()["result"]["trackers"] == [[template], [public]]


@pytest.mark.parametrize(
    ("info", "words"),
    [
        ({b"name": b"x", b"length": 2**63}, "more content than any storage holds"),
        ({b"name": b"n" * 1001, b"length": 10}, "name is longer than 1,000 characters"),
    ],
)
def test_a_check_refuses_a_torrent_its_job_could_not_record(user_client, tmp_path, info, words):
    InstanceFactory(
        is_default=True, path_mappings=[{"host_path": str(tmp_path), "qbt_path": "/data"}]
    )
    data = bencode({b"info": {**info, b"piece length": 2**63, b"pieces": b"p" * 20}})
    response = user_client.post("/api/torrents/verify", {"torrent": upload(data), "path": "/data"})
    assert response.status_code == 422, response.content
    assert response.json()["errors"][0]["field"] == "torrent"
    assert words in response.json()["detail"]
    assert Job.objects.count() == 0


def test_the_verify_page_says_up_front_when_no_content_can_be_read_here(user_client, tmp_path):
    unmapped = InstanceFactory(name="seedbox", is_default=True)
    page = user_client.get("/torrents/verify").content.decode()
    assert "No path mapping of qBittorrent 'seedbox' shows its content" in page
    unmapped.path_mappings = [{"host_path": str(tmp_path), "qbt_path": "/data"}]
    unmapped.save()
    assert "No path mapping" not in user_client.get("/torrents/verify").content.decode()
