"""preset_departures: which of the creator form's values leave a preset's settings, in words."""

from presets.departures import preset_departures
from presets.models import TrackerPreset
from presets.sizes import MiB

ANNOUNCE = "https://tracker.example.org/{passkey}/announce"
BACKUP = "udp://backup.example.org:6969/announce"


def preset(**fields) -> TrackerPreset:
    values = dict(
        name="Example",
        private=True,
        source="EX",
        format="v1",
        trackers=[[ANNOUNCE], [BACKUP]],
        max_piece_size=16 * MiB,
    )
    return TrackerPreset(**{**values, **fields})  # never saved: the function needs no database


def as_preset(**changes) -> dict:
    values = dict(
        private=True, source="EX", tiers=[[ANNOUNCE], [BACKUP]], format="v1", piece_size=0
    )
    return {**values, **changes}


def test_values_as_the_preset_sets_them_depart_from_nothing():
    assert preset_departures(preset(), **as_preset()) == []
    assert preset_departures(preset(), **as_preset(piece_size=16 * MiB, source=" EX ")) == []


def test_a_public_torrent_for_a_private_tracker_is_named():
    assert preset_departures(preset(), **as_preset(private=False)) == [
        "Private is off: Example takes private torrents only."
    ]


def test_another_source_tag_or_none_is_named():
    assert preset_departures(preset(), **as_preset(source="XX")) == [
        'The source tag is "XX": Example sets the source tag "EX".'
    ]
    assert preset_departures(preset(), **as_preset(source="")) == [
        'The source tag is empty: Example sets the source tag "EX".'
    ]


def test_missing_added_and_reordered_trackers_are_told_apart():
    other = "https://other.example.org/announce"
    assert preset_departures(preset(), **as_preset(tiers=[[ANNOUNCE]])) == [
        f"The trackers leave out Example's {BACKUP}."
    ]
    assert preset_departures(preset(), **as_preset(tiers=[[ANNOUNCE], [BACKUP, other]])) == [
        f"Example does not announce to {other}."
    ]
    assert preset_departures(preset(), **as_preset(tiers=[[BACKUP, ANNOUNCE]])) == [
        "The trackers are in another order or other tiers than Example's."
    ]


def test_a_piece_size_outside_the_rules_is_named_with_the_rule():
    assert preset_departures(preset(), **as_preset(piece_size=32 * MiB)) == [
        "A piece size of 32 MiB is above this preset's maximum of 16 MiB."
    ]


def test_another_format_is_named():
    assert preset_departures(preset(format="hybrid"), **as_preset()) == [
        "The format is v1: Example asks for hybrid."
    ]
