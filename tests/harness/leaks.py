"""Catching secrets where they must never be: answers, pages and log lines.

Every process of a test run (pytest itself, daphne, db_worker) records each answer body and log
line under the run's data directory; the tests note each secret they make (qBittorrent
passwords, passkeys, API tokens). tests/zz_final/ then looks for every secret in every record.
"""

import logging
import os
from pathlib import Path

from django.conf import settings

# Answers that carry a secret by design: the .torrent (its announce URLs hold the passkey) and
# the single answer that shows a new API token to its owner.
SHOWN_ONCE = {("POST", "/account/"), ("POST", "/api/tokens")}


def leak_dir() -> Path:
    path = Path(settings.DATA_DIR) / "leak-check"
    path.mkdir(exist_ok=True)
    return path


def remember(secret: str) -> None:
    """Notes a secret a test made, to be looked for at the end of the run."""
    if secret and len(secret) >= 6:
        with (leak_dir() / "secrets.txt").open("a", encoding="utf-8") as handle:
            handle.write(secret.replace("\n", " ") + "\n")


def secrets_remembered() -> set[str]:
    path = leak_dir() / "secrets.txt"
    return set(path.read_text(encoding="utf-8").splitlines()) if path.exists() else set()


class ResponseRecorder:
    """Test-only middleware: appends each text answer to this process's record."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        kind = response.get("Content-Type", "")
        shown_once = (request.method, request.path) in SHOWN_ONCE
        if (
            not getattr(response, "streaming", False)
            and not shown_once
            and (kind.startswith(("text/", "application/json")))
        ):
            with (leak_dir() / f"answers-{os.getpid()}.txt").open("ab") as handle:
                handle.write(response.content + b"\n")
        return response


class LogRecorder(logging.FileHandler):
    """Test-only log handler: every log line of this process, to its record."""

    def __init__(self):
        super().__init__(leak_dir() / f"log-{os.getpid()}.txt", encoding="utf-8", delay=True)


def records() -> list[Path]:
    return sorted(p for p in leak_dir().iterdir() if p.name != "secrets.txt")
