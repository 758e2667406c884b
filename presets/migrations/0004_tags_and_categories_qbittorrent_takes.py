"""Presets saved before tags and categories were checked hold them as qBittorrent takes them.

A tag holding a comma was two tags to qBittorrent, and a category such as "Movies/" it dropped:
jobs from such a preset are now refused at those fields, which the user never typed. The tags
are split as qBittorrent split them; the category keeps its folders without the empty ones
("Movies/" -> "Movies", "TV\\HD" -> "TV/HD").
"""

from django.db import migrations


def _category(value: str) -> str:
    return "/".join(part for part in value.replace("\\", "/").split("/") if part.strip())


def normalize(apps, schema_editor):
    TrackerPreset = apps.get_model("presets", "TrackerPreset")
    for preset in TrackerPreset.objects.all():
        tags = [
            part.strip() for tag in preset.tags or [] for part in str(tag).split(",") if part.strip()
        ]
        category = _category(preset.category or "")
        if tags != preset.tags or category != preset.category:
            preset.tags, preset.category = tags, category
            preset.save(update_fields=["tags", "category"])


class Migration(migrations.Migration):
    dependencies = [("presets", "0003_max_torrent_size_bound")]

    operations = [migrations.RunPython(normalize, migrations.RunPython.noop)]
