"""POST /api/torrentcreator/validate-trackers: each URL and the set, as a job would use them."""

import pytest

from tests.factories import PresetFactory, PresetSecretFactory

URL = "/api/torrentcreator/validate-trackers"
PTP_URL = "https://please.passthepopcorn.me/{passkey}/announce"


def validate(client, body):
    return client.post(URL, body, content_type="application/json")


def test_validating_trackers_needs_login(client, db):
    assert validate(client, {"trackers": []}).status_code == 401


def test_each_url_is_answered_with_its_tier_level_and_message(user_client):
    body = {"trackers": [["https://a.example.org/announce"], ["udp://b.example.org/announce"]]}
    response = validate(user_client, body)
    assert response.status_code == 200
    answer = response.json()
    assert answer["level"] == "invalid"
    assert answer["valid"] is False
    assert answer["trackers"] == [
        {"tier": 0, "url": "https://a.example.org/announce", "level": "valid", "message": "OK"},
        {
            "tier": 1,
            "url": "udp://b.example.org/announce",
            "level": "invalid",
            "message": "A UDP tracker needs a port (BEP 15), like udp://host:6969/announce",
        },
    ]
    assert answer["messages"] == []


def test_trackers_may_be_sent_as_text(user_client):
    text = "https://a.example.org/announce\nhttps://b.example.org/announce\n\nhttps://c.example.org/announce"
    answer = validate(user_client, {"trackers": text}).json()
    assert [(t["tier"], t["url"]) for t in answer["trackers"]] == [
        (0, "https://a.example.org/announce"),
        (0, "https://b.example.org/announce"),
        (1, "https://c.example.org/announce"),
    ]


def test_set_level_messages_cover_private_web_seeds_and_empty_tiers(user_client):
    body = {
        "trackers": [["https://t.example.org/announce"], [], ["udp://tracker.opentrackr.org:1337"]],
        "private": True,
        "webSeeds": ["https://seed.example.org/files/", "ftp://seed.example.org/"],
    }
    answer = validate(user_client, body).json()
    assert [m["level"] for m in answer["messages"]] == ["warning", "warning", "warning"]
    texts = " ".join(m["message"] for m in answer["messages"])
    assert "Tier 2 is empty" in texts
    assert "public tracker tracker.opentrackr.org" in texts
    assert "Web seeds on a private torrent" in texts
    assert [s["level"] for s in answer["webSeeds"]] == ["valid", "invalid"]
    assert answer["webSeeds"][1]["tier"] is None


def test_a_private_torrent_with_no_tracker_is_invalid(user_client):
    answer = validate(user_client, {"trackers": [], "private": True}).json()
    assert answer["level"] == "invalid"
    assert answer["messages"][0]["message"].startswith("A private torrent needs a tracker")


def test_a_placeholder_is_unfilled_until_the_user_saves_that_secret(user_client, user, ptp):
    first = validate(user_client, {"trackers": [[PTP_URL]], "private": True}).json()
    assert first["trackers"][0]["level"] == "invalid"
    assert first["trackers"][0]["message"].startswith("Unfilled placeholder {passkey}")
    PresetSecretFactory(user=user, preset=ptp)
    second = validate(user_client, {"trackers": [[PTP_URL]], "private": True}).json()
    assert second["trackers"][0]["level"] == "valid"
    assert second["trackers"][0]["message"] == "OK; {passkey} is filled from your saved passkey"


def test_a_saved_passkey_does_not_fill_another_trackers_url(user_client, user, ptp):
    PresetSecretFactory(user=user, preset=ptp)
    other = "https://tracker.morethantv.me/{passkey}/announce"
    answer = validate(user_client, {"trackers": [[other]], "presetId": ptp.pk}).json()
    assert answer["trackers"][0]["level"] == "invalid"


def test_a_preset_supplies_trackers_private_flag_and_web_seeds(user_client, ptp):
    answer = validate(user_client, {"presetId": ptp.pk}).json()
    assert [t["url"] for t in answer["trackers"]] == [PTP_URL]
    without = validate(user_client, {"presetId": ptp.pk, "trackers": []}).json()
    assert without["messages"][0]["message"].startswith("A private torrent needs a tracker")


def test_someone_elses_personal_preset_is_not_found(user_client, other_user):
    theirs = PresetFactory(owner=other_user)
    response = validate(user_client, {"presetId": theirs.pk})
    assert response.status_code == 404


@pytest.mark.parametrize(
    "body", [{"trackers": 5}, {"trackers": [["a"], 3]}, {"private": "perhaps"}, {"webSeeds": "x"}]
)
def test_malformed_input_is_refused_with_the_field(user_client, body):
    response = validate(user_client, body)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"].split(".")[0] == next(iter(body))
