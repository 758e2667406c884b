"""What POST /api/jobs refuses before anything is queued, and who may touch whose jobs."""

import pytest
from django.test import Client

from creator.models import Job
from tests.factories import InstanceFactory, PresetFactory, instance_for
from tests.harness.content import write
from tests.harness.fake_qbittorrent import FakeQbittorrent

MiB = 1024 * 1024


def submit(client, **body):
    return client.post("/api/jobs", body, content_type="application/json")


@pytest.fixture
def album(db, qbittorrent, content):
    instance_for(qbittorrent)
    host, qbt = content
    write(host, {"Album/a.flac": b"a" * 1000})
    return f"{qbt}/Album"


def assert_refused(response, field: str, words: str, status: int = 422):
    assert response.status_code == status, response.content
    body = response.json()
    assert body["errors"][0]["field"] == field, body
    assert words in body["detail"], body
    assert Job.objects.count() == 0


@pytest.mark.qbittorrent
@pytest.mark.parametrize(
    ("body", "field", "words"),
    [
        ({"trackers": [["htp://bad url/announce"]]}, "trackers", "htp://bad url/announce"),
        ({"trackers": [["https://t.example.org/{passkey}/announce"]]}, "trackers", "passkey"),
        ({"pieceSize": 3000}, "pieceSize", "power of two"),
        ({"webSeeds": ["ftp://x"]}, "webSeeds", "ftp://x"),
        ({"trackers": [["http://127.0.0.1:9/a"]], "webSeeds": ["ftp://x"]}, "webSeeds", "ftp://x"),
        ({"trackers": [], "private": True}, "trackers", "A private torrent needs a tracker"),
        ({"name": "Season/1"}, "name", "cannot be empty, '.', '..', or hold '/'"),
        ({"name": ".."}, "name", "cannot be empty, '.', '..', or hold '/'"),
    ],
)
def test_bad_options_are_refused_at_their_field(user_client, album, body, field, words):
    assert_refused(submit(user_client, path=album, **body), field, words)


@pytest.mark.qbittorrent
def test_a_piece_size_the_preset_forbids_is_refused(user_client, album):
    preset = PresetFactory(trackers=[], private=False, max_piece_size=MiB)
    response = submit(user_client, path=album, presetId=preset.pk, pieceSize=4 * MiB)
    assert_refused(response, "pieceSize", "above this preset's maximum of 1 MiB")


@pytest.mark.qbittorrent
def test_a_piece_size_the_presets_size_table_forbids_is_refused_when_the_size_is_known(
    user_client, album, qbittorrent
):
    table = [{"up_to": MiB, "piece_size": 16 * 1024}, {"up_to": None, "piece_size": MiB}]
    preset = PresetFactory(trackers=[], private=False, piece_size_table=table)
    response = submit(user_client, path=album, presetId=preset.pk, pieceSize=4 * MiB)
    if qbittorrent.version == "5.1":  # no sizes in its listings: checked when it is made
        assert response.status_code == 201, response.content
    else:
        assert_refused(response, "pieceSize", "16 KiB")


@pytest.mark.qbittorrent
def test_missing_empty_and_forbidden_paths_are_refused(user_client, album, content):
    host, qbt = content
    (host / "empty").mkdir()
    assert_refused(submit(user_client, path=f"{qbt}/nothing"), "path", "Nothing exists", status=422)
    assert_refused(submit(user_client, path=f"{qbt}/empty"), "path", "holds no files")
    assert_refused(submit(user_client, path="/etc"), "path", "outside the folders", status=403)


@pytest.mark.qbittorrent
def test_alignment_options_need_a_libtorrent_1_2_host(user_client, album):
    response = submit(user_client, path=album, optimizeAlignment=True)
    assert_refused(response, "optimizeAlignment", "libtorrent 1.2")


def test_v2_needs_a_libtorrent_2_host(user_client, db):
    fake = FakeQbittorrent()
    try:
        fake.routes["/api/v2/app/buildInfo"] = (200, {"libtorrent": "1.2.19.0"})
        fake.routes["/api/v2/app/getDirectoryContent"] = (200, ["/data/a.bin"])
        instance_for(fake)
        assert_refused(
            submit(user_client, path="/data/a.bin", format="v2"),
            "format",
            "creates v1 torrents only",
        )
    finally:
        fake.stop()


@pytest.mark.qbittorrent
def test_qbittorrent_4_5_cannot_make_jobs(user_client, db, qbittorrent_45):
    instance_for(qbittorrent_45)
    response = submit(user_client, path=f"{qbittorrent_45.qbt_data_dir}/x")
    assert_refused(response, "instance", "is too old: this needs qBittorrent 5.0")


def test_unknown_fields_and_wrong_types_are_a_422_not_a_500(user_client, db):
    InstanceFactory(is_default=True)
    response = submit(user_client, path="/data", pieceSize="big", format="v3")
    assert response.status_code == 422
    fields = {e["field"] for e in response.json()["errors"]}
    assert {"pieceSize", "format"} <= fields


@pytest.mark.qbittorrent
def test_the_number_of_active_jobs_is_limited(user_client, album, settings):
    settings.JOB_ACTIVE_LIMIT = 1
    assert submit(user_client, path=album).status_code == 201
    second = submit(user_client, path=album)
    assert second.status_code == 429
    assert second.json()["code"] == "too_many_jobs"


@pytest.mark.qbittorrent
def test_another_user_can_neither_see_nor_touch_a_job(user_client, other_user, album):
    job_id = submit(user_client, path=album).json()["id"]
    other = Client()
    other.force_login(other_user)
    for method, url in [
        ("get", f"/api/jobs/{job_id}"),
        ("get", f"/api/jobs/{job_id}/torrent"),
        ("post", f"/api/jobs/{job_id}/cancel"),
        ("post", f"/api/torrentcreator/cancel/{job_id}"),
        ("post", f"/api/jobs/{job_id}/retry"),
        ("post", f"/api/torrentcreator/progress/{job_id}"),
    ]:
        response = getattr(other, method)(url)
        assert response.status_code == 404, (url, response.status_code)
    assert other.get("/api/jobs").json()["count"] == 0
    assert Job.objects.get(pk=job_id).state == "queued"


@pytest.mark.qbittorrent
def test_staff_see_every_job_and_can_narrow_by_user(user_client, staff_client, user, album):
    submit(user_client, path=album)
    everyone = staff_client.get("/api/jobs").json()
    assert everyone["count"] == 1
    assert everyone["results"][0]["owner"] == user.username
    assert staff_client.get(f"/api/jobs?user={user.pk}").json()["count"] == 1
    assert staff_client.get(f"/api/jobs?user={user.pk + 999}").json()["count"] == 0


@pytest.mark.qbittorrent
def test_the_list_filters_searches_sorts_and_pages(user_client, album):
    for _ in range(3):
        submit(user_client, path=album)
    Job.objects.filter(pk=Job.objects.order_by("pk").first().pk).update(
        state="failed", name="Rare Album", info_hash_v1="ab" * 20
    )
    jobs = user_client.get("/api/jobs?pageSize=2").json()
    assert (jobs["count"], len(jobs["results"])) == (3, 2)
    assert user_client.get("/api/jobs?pageSize=2&page=2").json()["results"][0]["id"] == min(
        Job.objects.values_list("pk", flat=True)
    )
    assert user_client.get("/api/jobs?state=failed").json()["count"] == 1
    assert user_client.get("/api/jobs?q=rare").json()["count"] == 1
    assert user_client.get(f"/api/jobs?q={'AB' * 20}").json()["count"] == 1
    names = [j["name"] for j in user_client.get("/api/jobs?ordering=name").json()["results"]]
    assert names == ["Album", "Album", "Rare Album"]
    reverse = user_client.get("/api/jobs?ordering=-name").json()["results"]
    assert reverse[0]["name"] == "Rare Album"
    bad = user_client.get("/api/jobs?ordering=password")
    assert bad.status_code == 400 and bad.json()["errors"][0]["field"] == "ordering"


@pytest.mark.qbittorrent
def test_create_enhanced_is_the_same_as_post_jobs(user_client, album):
    response = user_client.post(
        "/api/create-enhanced", {"path": album}, content_type="application/json"
    )
    assert response.status_code == 201
    assert response.json()["state"] == "queued"
    assert response.json()["sourcePath"] == album


def test_staff_read_jobs_and_the_audit_log_in_the_admin_but_cannot_change_them(staff_client, user):
    from accounts.audit import audit_record

    job = Job.objects.create(owner=user, instance_name="x", source_path="/data/x", name="Xyz")
    audit_record(actor=user, action="job.created", target_type="job", target_id=job.pk)
    assert "Xyz" in staff_client.get("/admin/creator/job/").content.decode()
    assert staff_client.get(f"/admin/creator/job/{job.pk}/change/").status_code == 200
    assert (
        staff_client.post(f"/admin/creator/job/{job.pk}/delete/", {"post": "yes"}).status_code
        == 403
    )
    assert Job.objects.filter(pk=job.pk).exists()
    log = staff_client.get("/admin/accounts/auditevent/").content.decode()
    assert "job.created" in log
    assert staff_client.get("/admin/accounts/auditevent/add/").status_code == 403


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"since": "0001-01-01T00:00:00+01:00"}, "since"),
        ({"until": "9999-12-31T23:00:00-02:00"}, "until"),
    ],
)
def test_dates_beyond_what_the_database_holds_are_a_422(user_client, db, settings, query, field):
    response = user_client.get("/api/jobs", query)
    assert response.status_code == 422, response.content
    assert response.json()["errors"][0]["field"] == field
    # a time with no offset is the server's local time: east of UTC, year 1 is out of range
    settings.TIME_ZONE = "Asia/Tokyo"
    naive = {"since": "0001-01-01T00:00:00"} if field == "since" else query
    response = user_client.get("/api/jobs", naive)
    assert response.status_code == 422, response.content
    assert response.json()["errors"][0]["field"] == field


def test_the_history_page_takes_the_first_and_last_days_there_are(user_client, db):
    page = user_client.get("/jobs/", {"since": "0001-01-01", "until": "9999-12-31"})
    assert page.status_code == 200
