"""POST /api/torrentcreator/calculate-pieces: the planner over the API."""

import pytest

from tests.factories import PresetFactory

URL = "/api/torrentcreator/calculate-pieces"
KiB, MiB, GiB = 1024, 1024**2, 1024**3


def calculate(client, body):
    return client.post(URL, body, content_type="application/json")


def test_calculating_pieces_needs_login(client, db):
    assert calculate(client, {"totalSize": GiB}).status_code == 401


def test_the_answer_recommends_a_size_and_tabulates_every_candidate(user_client):
    response = calculate(user_client, {"totalSize": 4 * GiB})
    assert response.status_code == 200
    plan = response.json()
    assert plan["sizeKnown"] is True
    assert (plan["pieceSize"], plan["pieceSizeText"], plan["pieceCount"]) == (
        2 * MiB,
        "2 MiB",
        2048,
    )
    assert plan["reason"] == "2 MiB gives 2,048 pieces, within the target of 1,500 to 4,000."
    assert plan["targetPieces"] == {"min": 1500, "max": 4000}
    sizes = [c["pieceSize"] for c in plan["candidates"]]
    assert sizes == [16 * KiB * 2**n for n in range(14)]
    row = next(c for c in plan["candidates"] if c["recommended"])
    assert set(row) == {
        "pieceSize",
        "pieceSizeText",
        "pieceCount",
        "lastPieceSlackBytes",
        "paddingBytes",
        "torrentSizeBytes",
        "efficiency",
        "inTarget",
        "breaches",
        "recommended",
    }
    assert row["pieceSize"] == 2 * MiB


def test_a_presets_rules_apply_and_each_row_says_which_it_breaks(user_client, ptp):
    plan = calculate(user_client, {"totalSize": 500 * GiB, "presetId": ptp.pk}).json()
    assert plan["pieceSize"] == 16 * MiB
    big = next(c for c in plan["candidates"] if c["pieceSize"] == 128 * MiB)
    assert big["inTarget"] is True
    assert big["breaches"] == ["above this preset's maximum of 16 MiB"]


def test_an_unknown_size_is_left_to_qbittorrent(user_client, ptp):
    plan = calculate(user_client, {"totalSize": None, "presetId": ptp.pk}).json()
    assert plan["sizeKnown"] is False
    assert (plan["pieceSize"], plan["pieceSizeText"]) == (0, "Automatic")
    assert plan["candidates"] == []
    assert "unknown" in plan["reason"]
    assert "maximum 16 MiB" in plan["notes"][0]


def test_file_sizes_make_v2_counts_exact(user_client):
    plan = calculate(
        user_client, {"fileSizes": [10 * MiB, 3, 0, 5 * MiB + 1], "format": "hybrid"}
    ).json()
    first = plan["candidates"][0]
    assert plan["totalSize"] == 15 * MiB + 4
    assert first["pieceCount"] == 962
    assert first["paddingBytes"] == 16 * KiB - 3


def test_a_file_count_estimates_v2_alignment(user_client):
    plan = calculate(user_client, {"totalSize": GiB, "fileCount": 1000, "format": "v2"}).json()
    assert plan["candidates"][0]["pieceCount"] == 66_000
    assert "equal in size" in plan["notes"][0]


def test_a_target_piece_count_asks_for_the_closest(user_client):
    plan = calculate(user_client, {"totalSize": 10 * GiB, "targetPieces": 1000}).json()
    assert (plan["pieceSize"], plan["pieceCount"]) == (8 * MiB, 1280)
    assert plan["targetPieces"] == {"min": 1000, "max": 1000}


def test_the_format_defaults_to_the_presets(user_client):
    hybrid = PresetFactory(format="hybrid")
    assert calculate(user_client, {"totalSize": GiB, "presetId": hybrid.pk}).json()["format"] == (
        "hybrid"
    )
    assert calculate(user_client, {"totalSize": GiB}).json()["format"] == "v1"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"totalSize": 0}, "totalSize"),
        ({"totalSize": 10, "fileSizes": [1, 2]}, "fileSizes"),
        ({"fileSizes": [0, 0]}, "fileSizes"),
        ({"totalSize": -5}, "totalSize"),
        ({"totalSize": "lots"}, "totalSize"),
        ({"totalSize": 10, "format": "v3"}, "format"),
        ({"totalSize": 10, "targetPieces": 0}, "targetPieces"),
        ({"totalSize": 10, "fileSizes": [-1, 11]}, "fileSizes"),
        ({"totalSize": 10, "fileCount": 0}, "fileCount"),
        ({"totalSize": 2**70}, "totalSize"),
    ],
)
def test_bad_input_is_refused_naming_the_field(user_client, body, field):
    response = calculate(user_client, body)
    assert response.status_code in (400, 422)
    assert response.json()["errors"][0]["field"].split(".")[0] == field


def test_a_preset_the_user_may_not_use_is_not_found(user_client, other_user):
    theirs = PresetFactory(owner=other_user)
    response = calculate(user_client, {"totalSize": GiB, "presetId": theirs.pk})
    assert response.status_code == 404
