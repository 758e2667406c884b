"""Submitting to the local engine on this server's mapped folders (no qBittorrent needed)."""

from waffle.models import Switch

from rollout.flags import flags_ensure
from tests.factories import InstanceFactory, PresetFactory
from tests.harness.content import write


def test_alignment_options_left_out_by_the_local_engine_are_noted(user_client, tmp_path):
    write(tmp_path / "Set", {"a.bin": b"a" * 1000})
    InstanceFactory(
        is_default=True,
        allowed_roots=["/data"],
        path_mappings=[{"host_path": str(tmp_path), "qbt_path": "/data"}],
    )
    body = {"path": "/data/Set", "engine": "local", "optimizeAlignment": True, "trackers": []}
    response = user_client.post("/api/jobs", body, content_type="application/json")
    assert response.status_code == 201, response.content
    assert any("alignment options" in note for note in response.json()["notes"])


def test_with_the_v2_switch_off_the_api_makes_v1_as_the_form_does(user_client, tmp_path):
    write(tmp_path / "Set", {"a.bin": b"a" * 1000})
    InstanceFactory(
        is_default=True,
        allowed_roots=["/data"],
        path_mappings=[{"host_path": str(tmp_path), "qbt_path": "/data"}],
    )
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
