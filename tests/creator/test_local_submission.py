"""The local engine on this server's mapped folders, with no qBittorrent: submission and runs."""

from waffle.models import Switch

from creator.engines.local import LocalEngine
from creator.models import Job
from rollout.flags import flags_ensure
from tests.factories import InstanceFactory, JobFactory, PresetFactory
from tests.harness.content import write


def here(folder):
    """The default instance, /data being `folder` on this server (qBittorrent not running)."""
    return InstanceFactory(
        is_default=True,
        allowed_roots=["/data"],
        path_mappings=[{"host_path": str(folder), "qbt_path": "/data"}],
    )


def test_alignment_options_left_out_by_the_local_engine_are_noted(user_client, tmp_path):
    write(tmp_path / "Set", {"a.bin": b"a" * 1000})
    here(tmp_path)
    body = {"path": "/data/Set", "engine": "local", "optimizeAlignment": True, "trackers": []}
    response = user_client.post("/api/jobs", body, content_type="application/json")
    assert response.status_code == 201, response.content
    assert any("alignment options" in note for note in response.json()["notes"])


def test_with_the_v2_switch_off_the_api_makes_v1_as_the_form_does(user_client, tmp_path):
    write(tmp_path / "Set", {"a.bin": b"a" * 1000})
    here(tmp_path)
    flags_ensure()
    Switch.objects.filter(name="v2_formats").update(active=False)
    preset = PresetFactory(trackers=[], private=False, format="hybrid")
    body = {"path": "/data/Set", "engine": "local", "presetId": preset.pk}
    made = user_client.post("/api/jobs", body, content_type="application/json")
    assert made.status_code == 201, made.content
    assert made.json()["options"]["format"] == "v1"
    assert any("v2_formats" in note for note in made.json()["notes"])
    asked = user_client.post("/api/jobs", {**body, "format": "v2"}, content_type="application/json")
    assert asked.status_code == 422
    assert asked.json()["errors"][0]["field"] == "format"


def test_a_chosen_piece_size_the_size_table_refuses_fails_saying_what_to_do(user, tmp_path):
    write(tmp_path / "Set", {"a.bin": b"a" * 1000})
    instance = here(tmp_path)
    table = [{"up_to": 1024**2, "piece_size": 16 * 1024}, {"up_to": None, "piece_size": 1024**2}]
    job = JobFactory(
        owner=user,
        instance=instance,
        source_path="/data/Set",
        engine="local",
        options={"trackers": [], "format": "v1", "piece_size": 4 * 1024**2},
        preset_snapshot={"name": "T", "piece_size_table": table},
    )
    LocalEngine(job, renew=lambda **_: Job.objects.get(pk=job.pk)).step()
    job.refresh_from_db()
    assert job.state == "failed"
    assert "16 KiB" in job.error
    assert job.error.endswith("Make it again with a piece size the preset allows, or automatic.")


def test_the_api_takes_text_options_as_the_form_does_and_names_a_missing_preset(
    user_client, tmp_path
):
    write(tmp_path / "Set", {"a.bin": b"a" * 1000})
    here(tmp_path)
    body = {
        "path": "/data/Set",
        "engine": "local",
        "trackers": [],
        "source": " PTP ",
        "comment": "c\n",
    }
    made = user_client.post("/api/jobs", body, content_type="application/json")
    assert made.status_code == 201, made.content
    assert (made.json()["options"]["source"], made.json()["options"]["comment"]) == ("PTP", "c")
    missing = user_client.post(
        "/api/jobs", {**body, "presetId": 999_999}, content_type="application/json"
    )
    assert missing.status_code == 404
    assert missing.json()["errors"][0]["field"] == "presetId"


def test_a_job_notes_where_it_departs_from_its_preset(user_client, tmp_path):
    write(tmp_path / "Set", {"a.bin": b"a" * 1000})
    here(tmp_path)
    trackers = [["https://tracker.example.org/announce"]]
    preset = PresetFactory(trackers=trackers, private=True, source="PTP", name="Club")
    body = {"path": "/data/Set", "engine": "local", "presetId": preset.pk}
    as_set = user_client.post("/api/jobs", body, content_type="application/json").json()
    assert not any("Club" in note for note in as_set["notes"]), as_set["notes"]
    departed = user_client.post(
        "/api/jobs", {**body, "private": False, "source": ""}, content_type="application/json"
    ).json()
    assert "Private is off: Club takes private torrents only." in departed["notes"]
    assert 'The source tag is empty: Club sets the source tag "PTP".' in departed["notes"]
