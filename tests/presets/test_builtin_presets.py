"""The built-in presets the data migration creates, and their published limits."""

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from presets.models import TrackerPreset
from presets.planner import plan_pieces
from presets.sizes import GiB, KiB, MiB, TiB
from tests.presets.conftest import builtin_migration

LIMITS = {
    # name: (private, source, max piece size, max .torrent size, tracker URL)
    "Public": (False, "", None, None, None),
    "PTP": (True, "PTP", 16 * MiB, None, "https://please.passthepopcorn.me/{passkey}/announce"),
    "GGn": (True, "", 64 * MiB, 1_000_000, "https://tracker.gazellegames.net/{passkey}/announce"),
    "MTV": (True, "", 8 * MiB, None, "https://tracker.morethantv.me/{passkey}/announce"),
    "BHD": (True, "BHD", 16 * MiB, None, "https://beyond-hd.me/announce/{passkey}"),
    "Anthelion": (True, "", None, 256_000, "https://anthelion.me/announce/{passkey}"),
}


def test_the_builtin_presets_are_public_and_five_private_trackers(builtin_presets):
    assert sorted(builtin_presets) == sorted(LIMITS)
    assert all(p.is_global for p in builtin_presets.values())


@pytest.mark.parametrize("name", LIMITS)
def test_a_builtin_preset_carries_its_trackers_published_limits(builtin_presets, name):
    private, source, max_piece, max_torrent, url = LIMITS[name]
    preset = builtin_presets[name]
    assert preset.private is private
    assert preset.source == source
    assert preset.max_piece_size == max_piece
    assert preset.max_torrent_size == max_torrent
    assert preset.trackers == ([[url]] if url else [])
    assert preset.secret_names == (["passkey"] if url else [])
    assert preset.piece_size_mode == "auto"
    assert (preset.target_pieces_min, preset.target_pieces_max) == (1500, 4000)


def test_anthelions_250_kib_cap_is_256000_bytes(builtin_presets):
    assert builtin_presets["Anthelion"].max_torrent_size == 250 * KiB == 256_000


@pytest.mark.parametrize("name", LIMITS)
def test_a_builtin_preset_passes_the_checks_an_admins_edit_must_pass(builtin_presets, name):
    builtin_presets[name].full_clean()


@pytest.mark.parametrize(
    ("name", "total", "expected"),
    [
        ("PTP", 500 * GiB, 16 * MiB),  # 128 MiB would give 4,000 pieces: above the max
        ("MTV", 100 * GiB, 8 * MiB),
        ("GGn", 2 * TiB, 64 * MiB),  # 32 MiB would make a .torrent above 1 MB
        ("BHD", 30 * GiB, 8 * MiB),
    ],
)
def test_the_planner_keeps_a_builtin_presets_limits(builtin_presets, name, total, expected):
    plan = plan_pieces(total_size=total, rules=builtin_presets[name].piece_rules)
    assert plan.piece_size == expected
    assert plan.breaches == ()


def test_applying_the_migration_again_adds_nothing_and_keeps_an_admins_changes(builtin_presets):
    ptp = builtin_presets["PTP"]
    ptp.max_piece_size = 8 * MiB
    ptp.save()
    builtin_migration.create_builtin_presets(apps, None)
    assert TrackerPreset.objects.filter(name="PTP").count() == 1
    assert TrackerPreset.objects.get(name="PTP").max_piece_size == 8 * MiB


def test_a_deleted_builtin_preset_stays_deleted_after_an_upgrade(builtin_presets):
    builtin_presets["MTV"].delete()
    call_command("migrate", verbosity=0)
    assert not TrackerPreset.objects.filter(name="MTV").exists()
    assert TrackerPreset.objects.filter(name="PTP").exists()


def test_an_admins_own_preset_of_a_builtin_name_is_kept(db):
    builtin_migration.delete_builtin_presets(apps, None)
    TrackerPreset.objects.create(name="PTP", private=False, description="ours")
    builtin_migration.create_builtin_presets(apps, None)
    assert TrackerPreset.objects.get(name="PTP").description == "ours"


@pytest.mark.django_db(transaction=True)
def test_the_data_migration_reverses_and_applies_again():
    builtin_migration.create_builtin_presets(apps, None)
    TrackerPreset.objects.create(name="Ours")
    executor = MigrationExecutor(connection)
    try:
        executor.migrate([("presets", "0001_initial")])
        assert list(TrackerPreset.objects.values_list("name", flat=True)) == ["Ours"]
        executor.loader.build_graph()
        executor.migrate([("presets", "0002_builtin_presets")])
        names = set(TrackerPreset.objects.values_list("name", flat=True))
        assert names == {*LIMITS, "Ours"}
    finally:
        # Going back to presets 0001 also unapplied the apps that depend on presets (creator's
        # Job table): bring every app forward again for the tests that follow.
        executor.loader.build_graph()
        executor.migrate(executor.loader.graph.leaf_nodes())
