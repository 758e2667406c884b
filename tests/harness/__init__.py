"""Real services for the test suite: qBittorrent processes, PostgreSQL/Redis, daphne, workers."""

import os

import pytest


def require(condition: bool, what: str, how: str) -> None:
    """Fail (never skip) when a real service the test needs is missing: CI must not go green
    on tests that did not run. `make test` installs every service; `how` says what to run."""
    if not condition:
        pytest.fail(f"{what} is missing: {how}", pytrace=False)


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() in {"1", "true", "yes"}
