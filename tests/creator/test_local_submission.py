"""Submitting to the local engine on this server's mapped folders (no qBittorrent needed)."""

from tests.factories import InstanceFactory
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
