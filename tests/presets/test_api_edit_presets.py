"""POST /api/presets, PUT/PATCH/DELETE /api/presets/{id}: staff change global presets, every
user their own personal ones."""

import pytest

from presets.models import PresetSecret, TrackerPreset
from tests.factories import PresetFactory, PresetSecretFactory

MiB = 1024 * 1024
NEW = {
    "name": "Orpheus",
    "description": "Music",
    "trackers": [
        ["https://home.opsfet.ch/{passkey}/announce"],
        ["https://backup.example.org/{passkey}/announce"],
    ],
    "private": True,
    "source": "OPS",
    "format": "v1",
    "maxPieceSize": 8 * MiB,
    "pieceSizeTable": [
        {"upTo": 1024 * MiB, "pieceSize": MiB},
        {"upTo": None, "pieceSize": 4 * MiB},
    ],
    "maxTorrentSize": 1_000_000,
    "tags": ["music"],
    "category": "uploads",
    "omitCreationDate": True,
    "randomizeInfoHash": True,
    "excludePatterns": ["*.nfo"],
}


def post(client, url, body):
    return client.post(url, body, content_type="application/json")


def test_staff_create_a_global_preset(staff_client):
    response = post(staff_client, "/api/presets", NEW)
    assert response.status_code == 201
    body = response.json()
    assert body["scope"] == "global"
    assert body["pieceSizeTable"] == NEW["pieceSizeTable"]
    assert body["secrets"] == [{"name": "passkey", "isSet": False, "newHosts": []}]
    stored = TrackerPreset.objects.get(pk=body["id"])
    assert stored.owner is None
    assert stored.piece_size_table == [
        {"up_to": 1024 * MiB, "piece_size": MiB},
        {"up_to": None, "piece_size": 4 * MiB},
    ]
    assert stored.randomize_info_hash is True


def test_staff_may_make_a_personal_preset(staff_client, staff_user):
    response = post(staff_client, "/api/presets", {**NEW, "personal": True})
    assert response.json()["scope"] == "personal"
    assert TrackerPreset.objects.get(pk=response.json()["id"]).owner == staff_user


def test_a_user_creating_a_preset_gets_a_personal_one(user_client, user):
    response = post(user_client, "/api/presets", NEW)
    assert response.status_code == 201
    assert response.json()["scope"] == "personal"
    assert TrackerPreset.objects.get(pk=response.json()["id"]).owner == user


def test_tiers_may_be_sent_as_text(user_client):
    text = "https://a.example.org/announce\n https://b.example.org/announce \n\nudp://c.example.org:6969"
    response = post(user_client, "/api/presets", {"name": "Text", "trackers": text})
    assert response.json()["trackers"] == [
        ["https://a.example.org/announce", "https://b.example.org/announce"],
        ["udp://c.example.org:6969"],
    ]


def test_empty_tiers_and_spaces_around_urls_are_dropped(user_client):
    tiers = [["  https://a.example.org/announce "], [], [""]]
    response = post(user_client, "/api/presets", {"name": "Tidy", "trackers": tiers})
    assert response.json()["trackers"] == [["https://a.example.org/announce"]]


@pytest.mark.parametrize(
    ("change", "field", "reason"),
    [
        ({"trackers": [["ftp://t.example.org/announce"]]}, "trackers", "Uses ftp://"),
        ({"trackers": []}, "trackers", "A private torrent needs a tracker"),
        ({"webSeeds": ["udp://s.example.org:1/x"]}, "webSeeds", "a web seed needs http://"),
        ({"minPieceSize": 3 * MiB}, "minPieceSize", "not a piece size"),
        ({"minPieceSize": 16 * MiB}, "maxPieceSize", "smaller than the minimum"),
        ({"pieceSizeMode": "fixed"}, "pieceSize", "A fixed piece size needs a size"),
        ({"targetPiecesMin": 5000}, "targetPiecesMax", "smaller than its minimum"),
        (
            {"pieceSizeTable": [{"upTo": None, "pieceSize": MiB}, {"upTo": 5, "pieceSize": MiB}]},
            "pieceSizeTable",
            "only the last row",
        ),
        ({"name": ""}, "name", "cannot be blank"),
        ({"name": "  "}, "name", "cannot be blank"),
        ({"source": "x" * 101}, "source", "at most 100 characters"),
        ({"format": "v3"}, "format", "'v1', 'v2' or 'hybrid'"),
        ({"private": "perhaps"}, "private", "valid boolean"),
        ({"maxTorrentSize": -1}, "maxTorrentSize", "greater than or equal to 1"),
        ({"trackers": [[1, 2]]}, "trackers", "valid string"),
    ],
)
def test_bad_input_is_refused_naming_the_field_and_reason(staff_client, change, field, reason):
    response = post(staff_client, "/api/presets", {**NEW, **change})
    assert response.status_code in (400, 422)
    body = response.json()
    assert field in [e["field"].split(".")[0] for e in body["errors"]], body
    assert reason in body["detail"]
    assert not TrackerPreset.objects.filter(name=NEW["name"]).exists()


def test_a_second_global_preset_of_the_same_name_is_refused(staff_client, ptp):
    response = post(staff_client, "/api/presets", {**NEW, "name": "PTP"})
    assert response.status_code == 400
    assert response.json()["errors"] == [
        {"field": "name", "message": "A global preset with this name already exists."}
    ]


def test_a_user_may_reuse_a_global_name_for_a_personal_preset(user_client, ptp):
    assert post(user_client, "/api/presets", {**NEW, "name": "PTP"}).status_code == 201
    assert post(user_client, "/api/presets", {**NEW, "name": "PTP"}).status_code == 400


def test_put_replaces_every_field(staff_client, ptp):
    response = staff_client.put(f"/api/presets/{ptp.pk}", NEW, content_type="application/json")
    assert response.status_code == 200
    ptp.refresh_from_db()
    assert (ptp.name, ptp.source, ptp.max_piece_size) == ("Orpheus", "OPS", 8 * MiB)


def test_put_resets_what_it_leaves_out(staff_client, ptp):
    body = {"name": "PTP", "private": True, "trackers": ptp.trackers}
    staff_client.put(f"/api/presets/{ptp.pk}", body, content_type="application/json")
    ptp.refresh_from_db()
    assert (ptp.source, ptp.max_piece_size) == ("", None)


def test_patch_changes_only_what_it_sends(staff_client, ptp):
    response = staff_client.patch(
        f"/api/presets/{ptp.pk}", {"maxPieceSize": 8 * MiB}, content_type="application/json"
    )
    assert response.status_code == 200
    ptp.refresh_from_db()
    assert (ptp.source, ptp.max_piece_size) == ("PTP", 8 * MiB)


def test_patch_with_null_clears_a_limit(staff_client, ptp):
    staff_client.patch(
        f"/api/presets/{ptp.pk}", {"maxPieceSize": None}, content_type="application/json"
    )
    ptp.refresh_from_db()
    assert ptp.max_piece_size is None


def test_a_refused_change_leaves_the_preset_as_it_was(staff_client, ptp):
    response = staff_client.patch(
        f"/api/presets/{ptp.pk}",
        {"source": "NEW", "trackers": [["nonsense"]]},
        content_type="application/json",
    )
    assert response.status_code == 400
    ptp.refresh_from_db()
    assert ptp.source == "PTP"


@pytest.mark.parametrize("method", ["put", "patch", "delete"])
def test_a_user_may_not_change_a_global_preset(user_client, ptp, method):
    response = getattr(user_client, method)(
        f"/api/presets/{ptp.pk}", {"name": "Mine now"}, content_type="application/json"
    )
    assert response.status_code == 403
    assert response.json() == {
        "detail": "Only an administrator can change a global preset.",
        "code": "permission_denied",
        "errors": [],
    }
    assert TrackerPreset.objects.get(pk=ptp.pk).name == "PTP"


@pytest.mark.parametrize("method", ["put", "patch", "delete"])
def test_nobody_may_change_another_users_personal_preset(staff_client, other_user, method):
    theirs = PresetFactory(owner=other_user, name="Theirs")
    response = getattr(staff_client, method)(
        f"/api/presets/{theirs.pk}", {"name": "Mine now"}, content_type="application/json"
    )
    assert response.status_code == 404
    assert TrackerPreset.objects.get(pk=theirs.pk).name == "Theirs"


def test_a_user_changes_and_deletes_their_own_preset(user_client, user):
    mine = PresetFactory(owner=user)
    response = user_client.patch(
        f"/api/presets/{mine.pk}", {"source": "ME"}, content_type="application/json"
    )
    assert response.json()["source"] == "ME"
    assert user_client.delete(f"/api/presets/{mine.pk}").status_code == 204
    assert not TrackerPreset.objects.filter(pk=mine.pk).exists()


def test_deleting_a_preset_answers_204_and_forgets_its_secrets(staff_client, ptp):
    PresetSecretFactory(preset=ptp)
    response = staff_client.delete(f"/api/presets/{ptp.pk}")
    assert response.status_code == 204
    assert response.content == b""
    assert not PresetSecret.objects.exists()


def test_changing_a_missing_preset_is_not_found(staff_client, db):
    response = staff_client.patch("/api/presets/999999", {}, content_type="application/json")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_blank_list_entries_are_dropped(user_client):
    body = {"name": "Lists", "webSeeds": ["  ", " https://s.example.org/f "], "tags": ["a", " "]}
    answer = post(user_client, "/api/presets", body).json()
    assert (answer["webSeeds"], answer["tags"]) == (["https://s.example.org/f"], ["a"])
