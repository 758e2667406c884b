"""GET /api/presets/export and POST /api/presets/import: presets as JSON, by name."""

from presets.models import TrackerPreset
from tests.factories import PresetFactory, PresetSecretFactory

MiB = 1024 * 1024


def import_(client, items):
    return client.post("/api/presets/import", items, content_type="application/json")


def test_staff_export_the_global_presets_as_importable_json(staff_client, builtin_presets):
    response = staff_client.get("/api/presets/export")
    assert response.status_code == 200
    body = {p["name"]: p for p in response.json()}
    assert sorted(body) == sorted(builtin_presets)
    assert body["GGn"]["maxTorrentSize"] == 1_000_000
    assert "id" not in body["GGn"]
    assert "secrets" not in body["GGn"]


def test_a_user_exports_only_their_own_presets(user_client, user, builtin_presets):
    PresetFactory(owner=user, name="Mine")
    assert [p["name"] for p in user_client.get("/api/presets/export").json()] == ["Mine"]


def test_import_creates_and_updates_by_name_with_a_result_per_item(staff_client, ptp):
    items = [
        {"name": "PTP", "private": True, "trackers": ptp.trackers, "maxPieceSize": 8 * MiB},
        {"name": "Brand new", "trackers": "udp://tracker.example.org:6969/announce"},
        {"name": "Broken", "private": True, "trackers": [["ftp://x.example.org/announce"]]},
    ]
    response = import_(staff_client, items)
    assert response.status_code == 200
    results = response.json()["results"]
    new_id = TrackerPreset.objects.get(name="Brand new").pk
    assert results[:2] == [
        {"name": "PTP", "status": "updated", "id": ptp.pk, "errors": []},
        {"name": "Brand new", "status": "created", "id": new_id, "errors": []},
    ]
    assert results[2]["status"] == "invalid"
    assert results[2]["errors"][0]["field"] == "trackers"
    assert "Uses ftp://" in results[2]["errors"][0]["message"]
    assert TrackerPreset.objects.get(pk=ptp.pk).max_piece_size == 8 * MiB
    assert not TrackerPreset.objects.filter(name="Broken").exists()


def test_an_export_imports_back_unchanged(staff_client, builtin_presets):
    exported = staff_client.get("/api/presets/export").json()
    results = import_(staff_client, exported).json()["results"]
    assert {r["status"] for r in results} == {"updated"}
    assert staff_client.get("/api/presets/export").json() == exported


def test_an_import_into_a_fresh_install_recreates_the_presets(staff_client, builtin_presets):
    exported = staff_client.get("/api/presets/export").json()
    TrackerPreset.objects.all().delete()
    results = import_(staff_client, exported).json()["results"]
    assert {r["status"] for r in results} == {"created"}
    assert staff_client.get("/api/presets/export").json() == exported


def test_a_user_importing_gets_personal_presets_and_leaves_global_ones_alone(
    user_client, user, ptp
):
    results = import_(user_client, [{"name": "PTP", "private": False}]).json()["results"]
    assert results[0]["status"] == "created"
    mine = TrackerPreset.objects.get(pk=results[0]["id"])
    assert mine.owner == user
    assert TrackerPreset.objects.get(pk=ptp.pk).private is True


def test_an_import_with_a_malformed_item_is_refused_whole_naming_the_item(staff_client, ptp):
    response = import_(staff_client, [{"name": "PTP"}, {"name": "X", "private": "perhaps"}])
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "1.private"
    assert TrackerPreset.objects.get(pk=ptp.pk).private is True


def test_an_import_body_must_be_a_list(staff_client, db):
    response = import_(staff_client, {"name": "X"})
    assert response.status_code == 422


def test_an_export_holds_no_secrets(staff_client, ptp, passkey):
    PresetSecretFactory(preset=ptp, value=passkey)
    response = staff_client.get("/api/presets/export")
    assert passkey not in response.content.decode()


def test_an_import_item_changes_only_the_fields_it_gives(staff_client, ptp):
    before = staff_client.get(f"/api/presets/{ptp.pk}").json()
    response = import_(staff_client, [{"name": "PTP", "comment": "imported"}])
    assert response.json()["results"][0]["status"] == "updated"
    after = staff_client.get(f"/api/presets/{ptp.pk}").json()
    assert after == {**before, "comment": "imported"}
    assert after["private"] and after["trackers"]


def test_a_new_preset_from_a_partial_item_takes_the_defaults_a_created_one_takes(staff_client, db):
    import_(staff_client, [{"name": "Imported", "source": "SRC"}])
    staff_client.post(
        "/api/presets", {"name": "Created", "source": "SRC"}, content_type="application/json"
    )
    imported, created = (
        staff_client.get(f"/api/presets/{TrackerPreset.objects.get(name=n).pk}").json()
        for n in ("Imported", "Created")
    )
    different = {k for k in imported if imported[k] != created[k]}
    assert different == {"id", "name"}


def test_a_size_table_row_without_up_to_is_the_last_row_on_import_and_patch(staff_client, db):
    table = [{"upTo": 100_000, "pieceSize": 16384}, {"pieceSize": 65536}]
    result = import_(staff_client, [{"name": "T", "pieceSizeTable": table}]).json()["results"][0]
    assert result["status"] == "created", result
    patched = staff_client.patch(
        f"/api/presets/{result['id']}", {"pieceSizeTable": table}, content_type="application/json"
    )
    assert patched.status_code == 200, patched.content
    assert patched.json()["pieceSizeTable"][-1] == {"upTo": None, "pieceSize": 65536}
