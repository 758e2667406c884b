"""POST /api/qbittorrent/calculate-pieces: a path's analysis feeds the piece-size planner."""

import pytest

from tests.factories import PresetFactory, instance_for
from tests.harness.content import write

pytestmark = pytest.mark.qbittorrent
MiB = 1024 * 1024


def plan(client, **body):
    return client.post("/api/qbittorrent/calculate-pieces", body, content_type="application/json")


def test_a_path_gets_a_piece_size_from_its_real_size(user_client, db, qbittorrent, content):
    instance_for(
        qbittorrent,
        path_mappings=[
            {"host_path": str(qbittorrent.host_data_dir), "qbt_path": qbittorrent.qbt_data_dir}
        ],
    )
    host, qbt = content
    with open(host / "big.bin", "wb") as handle:  # sparse: 3 GiB that cost no disk
        handle.truncate(3 * 1024 * MiB)
    response = plan(user_client, path=qbt, targetPieces=1500)
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["totalSize"] == 3 * 1024 * MiB
    assert body["sizeSource"] in ("qbittorrent", "local")
    assert body["plan"]["pieceSize"] == 2 * MiB  # 1536 pieces: the closest to 1500
    assert body["plan"]["pieceCount"] == 1536
    assert body["files"] == 1
    assert len(body["plan"]["candidates"]) == 14


def test_a_preset_maximum_wins_over_the_piece_count(user_client, db, qbittorrent, content):
    instance_for(
        qbittorrent,
        path_mappings=[
            {"host_path": str(qbittorrent.host_data_dir), "qbt_path": qbittorrent.qbt_data_dir}
        ],
    )
    preset = PresetFactory(max_piece_size=MiB)
    host, qbt = content
    with open(host / "big.bin", "wb") as handle:
        handle.truncate(40 * 1024 * MiB)
    body = plan(user_client, path=qbt, presetId=preset.pk).json()
    assert body["plan"]["pieceSize"] == MiB


def test_an_unknown_size_recommends_qbittorrents_automatic_choice(
    user_client, db, qbittorrent, content
):
    instance_for(qbittorrent)  # no mapping, no torrent: 5.1 cannot tell sizes
    host, qbt = content
    write(host, {"a.bin": "x"})
    body = plan(user_client, path=qbt).json()
    if qbittorrent.version == "5.1":
        assert (body["plan"]["sizeKnown"], body["plan"]["pieceSize"]) == (False, 0)
        assert body["plan"]["pieceSizeText"] == "Automatic"
        assert body["sizeUnknownReason"]
    else:
        assert body["plan"]["sizeKnown"] is True


def test_a_missing_path_is_a_404_at_its_field(user_client, db, qbittorrent, content):
    instance_for(qbittorrent)
    response = plan(user_client, path=f"{content[1]}/missing")
    assert response.status_code == 404
    assert response.json()["errors"][0]["field"] == "path"


def test_empty_content_is_refused_at_the_path(user_client, db, qbittorrent, content):
    instance_for(  # sizes known on 5.1 too, through the mount
        qbittorrent,
        path_mappings=[
            {"host_path": str(qbittorrent.host_data_dir), "qbt_path": qbittorrent.qbt_data_dir}
        ],
    )
    host, qbt = content
    write(host, {"Empty/none.bin": b""})
    response = plan(user_client, path=f"{qbt}/Empty")
    assert response.status_code == 400, response.content
    assert [e["field"] for e in response.json()["errors"]] == ["path"]


@pytest.mark.parametrize(
    "url", ["/api/qbittorrent/calculate-pieces", "/api/torrentcreator/calculate-pieces"]
)
def test_an_unknown_preset_is_a_404_at_its_field(user_client, db, qbittorrent, content, url):
    instance_for(qbittorrent)
    body = {"path": content[1], "presetId": 999_999, "totalSize": 5}
    response = user_client.post(url, body, content_type="application/json")
    assert response.status_code == 404, response.content
    assert response.json()["errors"][0]["field"] == "presetId"


def test_validating_trackers_with_an_unknown_preset_is_a_404_at_its_field(user_client, db):
    response = user_client.post(
        "/api/torrentcreator/validate-trackers",
        {"presetId": 999_999},
        content_type="application/json",
    )
    assert response.status_code == 404, response.content
    assert response.json()["errors"][0]["field"] == "presetId"
