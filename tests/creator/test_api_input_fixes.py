"""Input the API took and should not have: each refused at the field, or made as the form
makes it."""

import pytest

from creator.models import Job
from tests.creator.test_local_submission import here
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
