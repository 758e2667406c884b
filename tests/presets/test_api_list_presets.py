"""GET /api/torrentcreator/presets and GET /api/presets/{id}: what a user may use."""

import pytest
from django.core.exceptions import ValidationError

from tests.factories import PresetFactory, PresetSecretFactory

URL = "/api/torrentcreator/presets"


def test_listing_presets_needs_login(client, db):
    response = client.get(URL)
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


def test_a_user_sees_the_global_presets_then_their_own(
    user_client, user, other_user, builtin_presets
):
    PresetFactory(owner=user, name="Mine")
    PresetFactory(owner=other_user, name="Theirs")
    names = [p["name"] for p in user_client.get(URL).json()]
    assert names == [*sorted(builtin_presets), "Mine"]


def test_a_preset_answers_in_camel_case_with_its_rules_in_words(user_client, ptp):
    body = next(p for p in user_client.get(URL).json() if p["name"] == "PTP")
    assert body["id"] == ptp.pk
    assert body["scope"] == "global"
    assert body["canEdit"] is False
    assert body["maxPieceSize"] == 16 * 1024 * 1024
    assert body["trackers"] == [["https://please.passthepopcorn.me/{passkey}/announce"]]
    assert body["targetPiecesMin"] == 1500
    assert "Pieces of at most 16 MiB." in body["rules"]
    assert 'Source tag "PTP".' in body["rules"]


def test_secrets_are_listed_by_name_and_whether_they_are_set(
    user_client, user, ptp, builtin_presets
):
    PresetSecretFactory(user=user, preset=ptp)
    PresetSecretFactory(preset=builtin_presets["MTV"])  # someone else's
    by_name = {p["name"]: p["secrets"] for p in user_client.get(URL).json()}
    assert by_name["PTP"] == [{"name": "passkey", "isSet": True, "newHosts": []}]
    assert by_name["MTV"] == [{"name": "passkey", "isSet": False, "newHosts": []}]
    assert by_name["Public"] == []


def test_staff_may_edit_global_presets_and_users_their_own(staff_client, user_client, user, ptp):
    PresetFactory(owner=user, name="Mine")
    assert {p["name"]: p["canEdit"] for p in staff_client.get(URL).json()}["PTP"] is True
    mine = {p["name"]: p for p in user_client.get(URL).json()}["Mine"]
    assert (mine["scope"], mine["canEdit"]) == ("personal", True)


def test_one_preset_can_be_read_by_id(user_client, ptp):
    response = user_client.get(f"/api/presets/{ptp.pk}")
    assert response.status_code == 200
    assert response.json()["name"] == "PTP"


def test_another_users_personal_preset_is_not_found(user_client, other_user):
    theirs = PresetFactory(owner=other_user)
    response = user_client.get(f"/api/presets/{theirs.pk}")
    assert response.status_code == 404
    assert response.json() == {"detail": "No such preset.", "code": "not_found", "errors": []}


def test_a_torrent_size_cap_beyond_what_the_api_shows_is_refused_in_the_admin(db):
    # SQLite stores far more; the API answers at most 2**31 - 1 (a larger value was a 500
    # on every presets answer)
    preset = PresetFactory.build(max_torrent_size=10 * 1024**3)
    with pytest.raises(ValidationError) as refused:
        preset.full_clean(exclude=["owner"])
    assert "max_torrent_size" in refused.value.message_dict
