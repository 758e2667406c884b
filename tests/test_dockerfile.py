"""The Docker image holds every part of the app: the tree its COPY lines make starts (Django's
checks, the start-up commands its CMD runs). No Docker engine here: the tree is made by hand."""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

from django.conf import settings

BASE_DIR = Path(settings.BASE_DIR)


def test_the_images_files_are_enough_to_start_the_app(tmp_path):
    dockerfile = (BASE_DIR / "Dockerfile").read_text()
    app = tmp_path / "app"
    app.mkdir()
    for sources in re.findall(r"^COPY (.+) \S+$", dockerfile, re.M):
        for source in sources.split():
            path = BASE_DIR / source
            if path.is_dir():
                shutil.copytree(path, app / source, ignore=shutil.ignore_patterns("__pycache__"))
            else:
                (app / source).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy(path, app / source)
    env = {
        "PATH": os.environ["PATH"],
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "TORRENTSMITH_DATA_DIR": str(tmp_path / "data"),
    }
    commands = re.search(r'^CMD \["sh", "-c", "(.+)"\]$', dockerfile, re.M).group(1)
    for name in re.findall(r"python manage\.py (\w+)", commands):
        # every command the image runs exists there; `check` imports every app and URL
        done = subprocess.run(
            [sys.executable, "manage.py", "help", name], cwd=app, env=env, capture_output=True
        )
        assert done.returncode == 0, (name, done.stderr.decode()[-2000:])
    done = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "ERROR"],
        cwd=app,
        env=env,
        capture_output=True,
    )
    assert done.returncode == 0, done.stderr.decode()[-2000:]
