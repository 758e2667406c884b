"""Settings come from the environment; a malformed value stops start-up with a clear message."""

import os
import re
import stat
import subprocess
import sys
from pathlib import Path

import pytest

BASE_DIR = Path(__file__).resolve().parents[2]
PRINT = (
    "import django; django.setup(); from django.conf import settings as s; "
    "print(s.SECRET_KEY, s.PORT, s.DEBUG, s.DATABASES['default']['ENGINE'], "
    "s.CHANNEL_LAYERS['default']['BACKEND'], ','.join(s.ALLOWED_HOSTS))"
)


def start(data_dir: Path, **env: str) -> subprocess.CompletedProcess:
    clean = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DATABASE_URL", "REDIS_URL", "SECRET_KEY", "DEBUG", "ALLOWED_HOSTS"}
    }
    clean.update(DJANGO_SETTINGS_MODULE="config.settings", TORRENTSMITH_DATA_DIR=str(data_dir))
    clean.update(env)
    return subprocess.run(
        [sys.executable, "-c", PRINT],
        cwd=BASE_DIR,
        env=clean,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_defaults_are_sqlite_in_memory_layer_and_port_8094(tmp_path):
    result = start(tmp_path)
    assert result.returncode == 0, result.stderr
    _key, port, debug, engine, layer, hosts = result.stdout.split()
    assert port == "8094"
    assert debug == "False"
    assert engine == "django.db.backends.sqlite3"
    assert layer == "channels.layers.InMemoryChannelLayer"
    assert "localhost" in hosts.split(",")


def test_secret_key_is_generated_once_and_kept_private(tmp_path):
    first = start(tmp_path)
    second = start(tmp_path)
    assert first.returncode == 0, first.stderr
    key_file = tmp_path / "secret_key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert first.stdout.split()[0] == second.stdout.split()[0] == key_file.read_text().strip()
    assert len(key_file.read_text().strip()) >= 50


def test_secret_key_from_environment_wins(tmp_path):
    result = start(tmp_path, SECRET_KEY="k" * 40)
    assert result.stdout.split()[0] == "k" * 40
    assert not (tmp_path / "secret_key").exists()


def test_redis_url_selects_the_redis_channel_layer(tmp_path):
    result = start(tmp_path, REDIS_URL="redis://127.0.0.1:6379/0")
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[4] == "config.channel_layers.RedisChannelLayer"


def test_database_url_selects_postgresql(tmp_path):
    result = start(tmp_path, DATABASE_URL="postgres://u:p@127.0.0.1:5432/db")
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[3] == "django.db.backends.postgresql"


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("TORRENTSMITH_PORT", "http", "TORRENTSMITH_PORT='http' is not a whole number."),
        ("TORRENTSMITH_PORT", "70000", "TORRENTSMITH_PORT=70000 is out of range 1..65535."),
        ("DEBUG", "maybe", "DEBUG='maybe' is not a boolean"),
        ("DATABASE_URL", "mysql://u@h/db", "DATABASE_URL uses"),
        ("DATABASE_URL", "nonsense", "DATABASE_URL is malformed"),
        ("REDIS_URL", "http://127.0.0.1:6379", "REDIS_URL='http://127.0.0.1:6379' is not a URL"),
        ("SECRET_KEY", "short", "SECRET_KEY is shorter than 32 characters."),
        ("CSRF_TRUSTED_ORIGINS", "example.org", "must start with http:// or https://"),
        ("LOG_LEVEL", "LOUD", "LOG_LEVEL='LOUD' is not one of"),
    ],
)
def test_malformed_value_stops_start_up_with_its_name(tmp_path, name, value, message):
    result = start(tmp_path, **{name: value})
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert message in result.stderr


def test_unwritable_data_directory_is_refused(tmp_path):
    data_dir = tmp_path / "file-not-dir"
    data_dir.write_text("")
    result = start(data_dir)
    assert result.returncode != 0
    assert "TORRENTSMITH_DATA_DIR" in result.stderr


def test_every_variable_the_settings_read_is_in_the_readme():
    text = (BASE_DIR / "config" / "settings.py").read_text()
    names = set(re.findall(r'(?:env_\w+|os\.environ\.get)\(\s*"([A-Z][A-Z0-9_]+)"', text))
    readme = (BASE_DIR / "README.md").read_text()
    assert len(names) > 30
    assert {name for name in names if f"`{name}`" not in readme} == set()
