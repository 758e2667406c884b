"""Built-in presets: a public one and private trackers with their published limits.

Rows are created once, on first apply, and only where no global preset of that name exists, so an
admin's own preset of the same name is kept. Admins may change or delete them afterwards: Django
never applies a migration twice, so an upgrade does not bring a deleted preset back. Reversing
deletes the global presets of these names. The URLs are only stored, never contacted here.
The values are frozen in this file on purpose: later code changes must not alter history.
"""

from django.db import migrations

KiB = 1024
MiB = 1024 * KiB

BUILTIN_PRESETS = [
    {
        "name": "Public",
        "description": "A public torrent with no trackers: peers find each other through DHT "
        "and peer exchange.",
        "trackers": [],
        "private": False,
    },
    {
        "name": "PTP",
        "description": "PassThePopcorn: private, source PTP, pieces of at most 16 MiB.",
        "trackers": [["https://please.passthepopcorn.me/{passkey}/announce"]],
        "private": True,
        "source": "PTP",
        "max_piece_size": 16 * MiB,
    },
    {
        "name": "GGn",
        "description": "GazelleGames: private, pieces of at most 64 MiB, .torrent files of at "
        "most 1 MB.",
        "trackers": [["https://tracker.gazellegames.net/{passkey}/announce"]],
        "private": True,
        "max_piece_size": 64 * MiB,
        "max_torrent_size": 1_000_000,
    },
    {
        "name": "MTV",
        "description": "MoreThanTV: private, pieces of at most 8 MiB.",
        "trackers": [["https://tracker.morethantv.me/{passkey}/announce"]],
        "private": True,
        "max_piece_size": 8 * MiB,
    },
    {
        "name": "BHD",
        "description": "Beyond-HD: private, source BHD, pieces of at most 16 MiB.",
        "trackers": [["https://beyond-hd.me/announce/{passkey}"]],
        "private": True,
        "source": "BHD",
        "max_piece_size": 16 * MiB,
    },
    {
        "name": "Anthelion",
        "description": "Anthelion: private, .torrent files of at most 250 KiB.",
        "trackers": [["https://anthelion.me/announce/{passkey}"]],
        "private": True,
        "max_torrent_size": 250 * KiB,
    },
]


def create_builtin_presets(apps, schema_editor):
    TrackerPreset = apps.get_model("presets", "TrackerPreset")
    for fields in BUILTIN_PRESETS:
        if not TrackerPreset.objects.filter(owner__isnull=True, name=fields["name"]).exists():
            TrackerPreset.objects.create(**fields)


def delete_builtin_presets(apps, schema_editor):
    TrackerPreset = apps.get_model("presets", "TrackerPreset")
    names = [fields["name"] for fields in BUILTIN_PRESETS]
    TrackerPreset.objects.filter(owner__isnull=True, name__in=names).delete()


class Migration(migrations.Migration):
    dependencies = [("presets", "0001_initial")]

    operations = [migrations.RunPython(create_builtin_presets, delete_builtin_presets)]
