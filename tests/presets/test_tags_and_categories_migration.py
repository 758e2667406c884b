"""Presets saved before tags and categories were checked are brought to what qBittorrent took."""

import importlib

from django.apps import apps

from presets.models import TrackerPreset
from tests.factories import PresetFactory

migration = importlib.import_module("presets.migrations.0004_tags_and_categories_qbittorrent_takes")


def test_old_tags_and_categories_become_what_qbittorrent_took(db):
    preset = PresetFactory(name="Old")
    TrackerPreset.objects.filter(pk=preset.pk).update(
        tags=["movies,hd", " x ", "y"], category="Movies\\HD//4K/"
    )
    kept = PresetFactory(name="Fine", tags=["a"], category="TV/HD")
    migration.normalize(apps, None)
    preset.refresh_from_db()
    assert (preset.tags, preset.category) == (["movies", "hd", "x", "y"], "Movies/HD/4K")
    preset.full_clean()  # jobs from it are no longer refused at fields the user never typed
    kept.refresh_from_db()
    assert (kept.tags, kept.category) == (["a"], "TV/HD")
