"""Fixtures for the presets tests: the built-in presets and a distinctive passkey."""

import importlib

import pytest
from django.apps import apps

from presets.models import TrackerPreset
from tests.factories import PresetFactory, PresetSecretFactory

builtin_migration = importlib.import_module("presets.migrations.0002_builtin_presets")

# Distinctive enough that finding it anywhere in an answer, a page or a log is a leak.
PASSKEY = "zq7PASSKEYleak0x5eed5eed5eed5eed"


@pytest.fixture
def builtin_presets(db):
    """The built-in presets as the data migration makes them.

    Made again here because tests on a real server (transactional) empty every table after
    they run; the migration's function is idempotent by name.
    """
    builtin_migration.create_builtin_presets(apps, None)
    return {p.name: p for p in TrackerPreset.objects.filter(owner__isnull=True)}


@pytest.fixture
def ptp(builtin_presets):
    return builtin_presets["PTP"]


@pytest.fixture
def preset(db):
    return PresetFactory()


@pytest.fixture
def passkey():
    return PASSKEY


@pytest.fixture
def saved_passkey(user, ptp, passkey):
    return PresetSecretFactory(user=user, preset=ptp, value=passkey)
