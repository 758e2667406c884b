"""Input the API took and should not have: each refused at the field, or made as the form
makes it."""

import pytest

from creator import metainfo
from creator.models import Job
from tests.creator.test_local_submission import here
from tests.factories import InstanceFactory, JobFactory, completed_job
from tests.harness.content import write


def post(client, url, body):
    return client.post(url, body, content_type="application/json")


# --- tags: qBittorrent takes them as one comma-separated text --------------------------------


def test_a_job_tag_with_a_comma_is_refused(user_client, tmp_path):
    write(tmp_path / "Set", {"a.bin": b"a" * 1000})
    here(tmp_path)
    body = {"path": "/data/Set", "engine": "local", "trackers": [], "tags": ["a,b", "c"]}
    response = post(user_client, "/api/jobs", body)
    assert response.status_code == 422, response.content
    assert response.json()["errors"][0]["field"] == "tags"
    assert "comma" in response.json()["detail"]
    assert not Job.objects.exists()


@pytest.mark.parametrize("how", ["create", "import"])
def test_a_preset_tag_with_a_comma_is_refused(staff_client, db, how):
    preset = {"name": "Tagged", "tags": ["movies,hd"]}
    if how == "create":
        response = post(staff_client, "/api/presets", preset)
        assert response.status_code == 400, response.content
        assert response.json()["errors"][0]["field"] == "tags"
    else:
        result = post(staff_client, "/api/presets/import", [preset]).json()["results"][0]
        assert result["status"] == "invalid"
        assert result["errors"][0]["field"] == "tags"


# --- source and comment: trimmed and checked on edit as on create ---------------------------


@pytest.fixture
def done(user, tmp_path):
    write(tmp_path / "Album", {"a.flac": b"a" * 20_000})
    return completed_job(tmp_path / "Album", owner=user, instance=InstanceFactory())


def test_an_edit_trims_the_source_and_comment_as_a_new_job_does(user_client, done):
    edited = post(user_client, f"/api/jobs/{done.pk}/edit", {"source": "  SRC ", "comment": " c\n"})
    assert edited.status_code == 201, edited.content
    data = user_client.get(f"/api/jobs/{edited.json()['id']}/torrent").content
    assert (metainfo.read(data).source, metainfo.read(data).comment) == ("SRC", "c")


@pytest.mark.parametrize(
    ("field", "value"),
    [("source", "\x01x"), ("source", "a\nb"), ("comment", "\x1b[31mred"), ("comment", "x\x7f")],
)
def test_an_edit_refuses_control_characters(user_client, done, field, value):
    response = post(user_client, f"/api/jobs/{done.pk}/edit", {field: value})
    assert response.status_code == 422, response.content
    assert response.json()["errors"][0]["field"] == field
    assert Job.objects.count() == 1


def test_a_comment_keeps_its_tabs_and_line_breaks(user_client, done):
    edited = post(user_client, f"/api/jobs/{done.pk}/edit", {"comment": "one\ttwo\r\nthree"})
    assert edited.status_code == 201, edited.content
    data = user_client.get(f"/api/jobs/{edited.json()['id']}/torrent").content
    assert metainfo.read(data).comment == "one\ttwo\r\nthree"


@pytest.mark.parametrize(
    ("field", "value"), [("source", "\x01x"), ("comment", "\x1b[31m"), ("category", "a\x02")]
)
def test_a_new_job_refuses_control_characters(user_client, tmp_path, field, value):
    write(tmp_path / "Set", {"a.bin": b"a" * 1000})
    here(tmp_path)
    body = {"path": "/data/Set", "engine": "local", "trackers": [], field: value}
    response = post(user_client, "/api/jobs", body)
    assert response.status_code == 422, response.content
    assert response.json()["errors"][0]["field"] == field
    assert not Job.objects.exists()


@pytest.mark.parametrize(
    ("field", "value"), [("source", "OPS\x00"), ("source", "\x01x"), ("comment", "\x1b[31m")]
)
def test_a_preset_refuses_control_characters(staff_client, db, field, value):
    response = post(staff_client, "/api/presets", {"name": "P", field: value})
    assert response.status_code in (400, 422), response.content
    assert response.json()["errors"][0]["field"] == field


# --- categories qBittorrent would drop, or file elsewhere ------------------------------------


@pytest.mark.parametrize(
    "category", ["Movies/", "/Movies", "TV\\HD", "a//b", "../../etc", "..", "Movies/./HD"]
)
def test_a_category_qbittorrent_would_drop_is_refused(
    user_client, staff_client, tmp_path, category
):
    write(tmp_path / "Set", {"a.bin": b"a" * 1000})
    here(tmp_path)
    body = {"path": "/data/Set", "engine": "local", "trackers": [], "category": category}
    job = post(user_client, "/api/jobs", body)
    assert job.status_code == 422, job.content
    assert job.json()["errors"][0]["field"] == "category"
    preset = post(staff_client, "/api/presets", {"name": "P", "category": category})
    assert preset.status_code == 400, preset.content
    assert preset.json()["errors"][0]["field"] == "category"


def test_a_subcategory_is_a_category(user_client, tmp_path):
    write(tmp_path / "Set", {"a.bin": b"a" * 1000})
    here(tmp_path)
    body = {"path": "/data/Set", "engine": "local", "trackers": [], "category": "Movies/HD"}
    assert post(user_client, "/api/jobs", body).status_code == 201


# --- refusals of a job's state name the job ---------------------------------------------------


def test_retrying_a_running_job_or_downloading_an_unfinished_one_names_the_job(user_client, user):
    running = JobFactory(owner=user, state="hashing", instance=InstanceFactory())
    for response in (
        user_client.post(f"/api/jobs/{running.pk}/retry"),
        user_client.get(f"/api/jobs/{running.pk}/torrent"),
    ):
        assert response.status_code == 409
        assert response.json()["errors"] == [{"field": "job", "message": response.json()["detail"]}]
