"""Users' secrets (passkeys): write-only over the API, encrypted at rest, filled into tracker
URLs only by preset_resolve_trackers, and never found in an answer, a page or a log."""

import importlib
import logging

import pytest
from django.apps import apps
from django.db import connection
from django.test import Client

from config.errors import ServiceError
from presets.models import PresetSecret, TrackerPreset
from presets.services import preset_resolve_trackers
from tests.factories import InstanceFactory, PresetFactory, PresetSecretFactory
from tests.harness.content import write

migration = importlib.import_module("presets.migrations.0006_secret_hosts")


def put_secret(client, preset, value, name="passkey"):
    return client.put(
        f"/api/presets/{preset.pk}/secrets/{name}",
        {"value": value},
        content_type="application/json",
    )


def test_saving_a_passkey_answers_204_without_echoing_it(user_client, user, ptp, passkey):
    response = put_secret(user_client, ptp, passkey)
    assert response.status_code == 204
    assert response.content == b""
    assert PresetSecret.objects.get(user=user, preset=ptp, name="passkey").value == passkey


def test_a_passkey_is_stored_encrypted(user_client, ptp, passkey):
    put_secret(user_client, ptp, passkey)
    with connection.cursor() as cursor:
        cursor.execute("SELECT value FROM presets_presetsecret")
        (stored,) = cursor.fetchone()
    assert stored.startswith("fernet:")
    assert passkey not in stored


def test_saving_again_replaces_the_passkey(user_client, user, ptp):
    put_secret(user_client, ptp, "first0123")
    put_secret(user_client, ptp, "second0123")
    assert [s.value for s in PresetSecret.objects.filter(user=user)] == ["second0123"]


def test_a_user_saves_a_passkey_for_a_global_preset_they_cannot_edit(user_client, user, ptp):
    assert put_secret(user_client, ptp, "abc123").status_code == 204


def test_removing_a_passkey_answers_204_and_forgets_it(user_client, user, ptp):
    put_secret(user_client, ptp, "abc123")
    response = user_client.delete(f"/api/presets/{ptp.pk}/secrets/passkey")
    assert response.status_code == 204
    assert not PresetSecret.objects.filter(user=user).exists()
    assert user_client.delete(f"/api/presets/{ptp.pk}/secrets/passkey").status_code == 204


def test_a_pasted_announce_url_is_refused_without_repeating_it(user_client, ptp, passkey):
    response = put_secret(user_client, ptp, f"https://please.passthepopcorn.me/{passkey}/announce")
    assert response.status_code == 400
    assert response.json()["errors"] == [
        {"field": "value", "message": "Paste only your passkey, not the whole announce URL."}
    ]
    assert passkey not in response.content.decode()


@pytest.mark.parametrize("value", ["", "two words", "a" * 257, "semi;colon", "brace{"])
def test_a_value_that_cannot_be_a_passkey_is_refused(user_client, ptp, value):
    response = put_secret(user_client, ptp, value)
    assert response.status_code in (400, 422)
    assert response.json()["errors"][0]["field"] == "value"


def test_a_secret_the_presets_urls_do_not_use_is_refused(user_client, ptp):
    response = put_secret(user_client, ptp, "abc123", name="authkey")
    assert response.status_code == 400
    assert response.json()["errors"] == [
        {"field": "name", "message": "PTP's tracker URLs have no {authkey} placeholder."}
    ]


def test_another_users_personal_preset_takes_no_secret(user_client, other_user):
    theirs = PresetFactory(owner=other_user)
    assert put_secret(user_client, theirs, "abc123").status_code == 404
    assert not PresetSecret.objects.exists()


def test_each_user_has_their_own_passkey(user, other_user, ptp):
    PresetSecretFactory(user=user, preset=ptp, value="mine0123")
    PresetSecretFactory(user=other_user, preset=ptp, value="theirs0123")
    assert preset_resolve_trackers(preset_or_tiers=ptp, user=user) == [
        ["https://please.passthepopcorn.me/mine0123/announce"]
    ]


# --- filling URLs when a job is made -------------------------------------------------------


def test_resolving_a_preset_fills_the_users_passkey(user, ptp, saved_passkey, passkey):
    assert preset_resolve_trackers(preset_or_tiers=ptp, user=user) == [
        [f"https://please.passthepopcorn.me/{passkey}/announce"]
    ]


def test_resolving_without_a_saved_passkey_names_the_missing_secret(user, ptp):
    with pytest.raises(ServiceError) as error:
        preset_resolve_trackers(preset_or_tiers=ptp, user=user)
    assert error.value.field == "trackers"
    assert error.value.code == "missing_secret"
    assert error.value.message == (
        "No passkey saved for please.passthepopcorn.me: save your passkey for PTP on the "
        "Presets page."
    )


def test_resolving_edited_tiers_fills_each_tracker_by_its_host(user, ptp, builtin_presets):
    PresetSecretFactory(user=user, preset=ptp, value="ptp0123")
    PresetSecretFactory(user=user, preset=builtin_presets["BHD"], value="bhd0123")
    tiers = [
        ["https://please.passthepopcorn.me/{passkey}/announce"],
        ["https://beyond-hd.me/announce/{passkey}", " udp://tracker.example.org:6969 "],
    ]
    assert preset_resolve_trackers(preset_or_tiers=tiers, user=user) == [
        ["https://please.passthepopcorn.me/ptp0123/announce"],
        ["https://beyond-hd.me/announce/bhd0123", "udp://tracker.example.org:6969"],
    ]


def test_a_passkey_is_never_sent_to_another_trackers_host(user, ptp, saved_passkey):
    tiers = [["https://evil.example.org/{passkey}/announce"]]
    with pytest.raises(ServiceError, match=r"No passkey saved for evil\.example\.org"):
        preset_resolve_trackers(preset_or_tiers=tiers, user=user)
    edited = PresetFactory(owner=user, trackers=tiers)
    with pytest.raises(ServiceError, match=r"No passkey saved for evil\.example\.org"):
        preset_resolve_trackers(preset_or_tiers=edited, user=user)


def test_two_different_passkeys_for_one_host_must_be_told_apart(user, ptp):
    mine = PresetFactory(owner=user, trackers=ptp.trackers, name="My PTP")
    PresetSecretFactory(user=user, preset=ptp, value="one0123")
    PresetSecretFactory(user=user, preset=mine, value="two0123")
    with pytest.raises(ServiceError, match="Several of your presets hold a different passkey"):
        preset_resolve_trackers(preset_or_tiers=ptp.trackers, user=user)
    assert preset_resolve_trackers(preset_or_tiers=mine, user=user) == [
        ["https://please.passthepopcorn.me/two0123/announce"]
    ]
    # a job's tiers (maybe edited) with the preset the user chose: its passkey comes first
    assert preset_resolve_trackers(preset_or_tiers=ptp.trackers, user=user, preset=ptp) == [
        ["https://please.passthepopcorn.me/one0123/announce"]
    ]


def test_a_job_under_a_chosen_preset_takes_that_presets_passkey(user, user_client, ptp, tmp_path):
    mine = PresetFactory(owner=user, trackers=ptp.trackers, name="My PTP")
    PresetSecretFactory(user=user, preset=ptp, value="one0123")
    PresetSecretFactory(user=user, preset=mine, value="two0123")
    write(tmp_path / "Set", {"a.bin": b"a" * 1000})
    InstanceFactory(
        is_default=True,
        allowed_roots=["/data"],
        path_mappings=[{"host_path": str(tmp_path), "qbt_path": "/data"}],
    )
    body = {"path": "/data/Set", "presetId": ptp.pk, "engine": "local"}
    response = user_client.post("/api/jobs", body, content_type="application/json")
    assert response.status_code == 201, response.content  # was "choose the preset to use"


def test_a_personal_copy_of_a_preset_borrows_the_passkey_saved_for_the_same_tracker(user, ptp):
    PresetSecretFactory(user=user, preset=ptp, value="ptp0123")
    mine = PresetFactory(owner=user, trackers=ptp.trackers, name="My PTP")
    assert preset_resolve_trackers(preset_or_tiers=mine, user=user) == [
        ["https://please.passthepopcorn.me/ptp0123/announce"]
    ]


def test_a_passkey_unreadable_after_a_secret_key_change_counts_as_missing(
    user, ptp, saved_passkey, settings
):
    settings.SECRET_KEY = "another-secret-key-of-enough-length-0123456789"
    with pytest.raises(ServiceError, match="No passkey saved"):
        preset_resolve_trackers(preset_or_tiers=ptp, user=user)


def test_a_passkey_does_not_follow_a_preset_pointed_at_another_host(
    user, user_client, staff_client, passkey
):
    preset = staff_client.post(
        "/api/presets",
        {"name": "Tracker", "trackers": [["https://tracker.example.org/{passkey}/announce"]]},
        content_type="application/json",
    ).json()
    assert put_secret(user_client, TrackerPreset(pk=preset["id"]), passkey).status_code == 204
    moved = [["https://collector.example.net/{passkey}/announce"]]
    response = staff_client.patch(
        f"/api/presets/{preset['id']}", {"trackers": moved}, content_type="application/json"
    )
    assert response.status_code == 200, response.content
    chosen = TrackerPreset.objects.get(pk=preset["id"])
    with pytest.raises(ServiceError) as error:
        preset_resolve_trackers(preset_or_tiers=chosen, user=user)
    assert error.value.code == "missing_secret"
    assert error.value.message == (
        "Your passkey for Tracker was saved for another tracker host than "
        "collector.example.net, where the preset's URLs now go: save it again on the Presets "
        "page to send it there."
    )
    listed = user_client.get(f"/api/presets/{preset['id']}").json()
    assert listed["secrets"] == [
        {"name": "passkey", "isSet": True, "newHosts": ["collector.example.net"]}
    ]
    page = user_client.get("/presets/").content.decode()
    assert "the preset's URLs now go to collector.example.net" in page
    # saved again, knowing where it goes
    assert put_secret(user_client, chosen, passkey).status_code == 204
    assert preset_resolve_trackers(preset_or_tiers=chosen, user=user) == [
        [f"https://collector.example.net/{passkey}/announce"]
    ]


def test_secrets_saved_before_hosts_were_recorded_go_where_their_preset_goes(user, ptp):
    secret = PresetSecretFactory(user=user, preset=ptp, value="ptp0123", hosts=[])
    migration.saved_for_todays_hosts(apps, None)
    secret.refresh_from_db()
    assert secret.hosts == ["please.passthepopcorn.me"]
    assert preset_resolve_trackers(preset_or_tiers=ptp, user=user) == [
        ["https://please.passthepopcorn.me/ptp0123/announce"]
    ]


def test_resolving_someone_elses_personal_preset_is_refused(user, other_user):
    theirs = PresetFactory(owner=other_user)
    with pytest.raises(ServiceError) as error:
        preset_resolve_trackers(preset_or_tiers=theirs, user=user)
    assert error.value.status == 404


# --- no answer, page or log ever holds a passkey ------------------------------------------


def test_a_passkey_appears_in_no_api_answer_page_admin_page_or_log(
    staff_user, ptp, builtin_presets, passkey, caplog
):
    caplog.set_level(logging.DEBUG)
    client = Client()
    client.force_login(staff_user)
    json = "application/json"
    answers = [
        client.put(f"/api/presets/{ptp.pk}/secrets/passkey", {"value": passkey}, content_type=json),
        client.put(
            f"/api/presets/{ptp.pk}/secrets/passkey",
            {"value": f"https://please.passthepopcorn.me/{passkey}/announce"},
            content_type=json,
        ),
        client.put(
            f"/api/presets/{ptp.pk}/secrets/passkey",
            {"value": f"{passkey} {passkey}"},
            content_type=json,
        ),
        client.put(f"/api/presets/{ptp.pk}/secrets/nokey", {"value": passkey}, content_type=json),
        client.get("/api/torrentcreator/presets"),
        client.get(f"/api/presets/{ptp.pk}"),
        client.post(
            "/api/torrentcreator/validate-trackers", {"presetId": ptp.pk}, content_type=json
        ),
        client.post(
            "/api/torrentcreator/validate-trackers",
            {"trackers": [["https://please.passthepopcorn.me/{passkey}/announce"]]},
            content_type=json,
        ),
        client.post(
            "/api/torrentcreator/calculate-pieces",
            {"totalSize": 10**12, "presetId": ptp.pk},
            content_type=json,
        ),
        client.patch(f"/api/presets/{ptp.pk}", {"comment": "checked"}, content_type=json),
        client.put(
            f"/api/presets/{ptp.pk}",
            {"name": "PTP", "private": True, "trackers": ptp.trackers},
            content_type=json,
        ),
        client.post("/api/presets", {"name": "Copy", "trackers": ptp.trackers}, content_type=json),
        client.get("/api/presets/export"),
        client.post(
            "/api/presets/import",
            [{"name": "PTP", "private": True, "trackers": ptp.trackers}],
            content_type=json,
        ),
        client.get("/presets/"),
        client.post(f"/presets/{ptp.pk}/secrets/passkey/", {"value": passkey}, follow=True),
        client.post(f"/presets/{ptp.pk}/secrets/passkey/", {"value": f"x/{passkey}"}),
        client.get("/admin/presets/trackerpreset/"),
        client.get(f"/admin/presets/trackerpreset/{ptp.pk}/change/"),
        client.get("/api/openapi.json"),
    ]
    assert PresetSecret.objects.get(user=staff_user, preset=ptp).value == passkey
    assert preset_resolve_trackers(preset_or_tiers=ptp, user=staff_user)[0][0].count(passkey) == 1
    for response in answers:
        assert response.status_code < 500
        assert passkey not in response.content.decode(), response.request["PATH_INFO"]
    assert passkey not in caplog.text
