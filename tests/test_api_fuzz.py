"""Schemathesis against our own OpenAPI schema, authenticated with an API token, on the real
app (daphne) and a real qBittorrent: no answer is a 5xx or breaks its documented schema."""

import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client

from accounts.tokens import token_create
from tests.factories import StaffFactory, instance_for
from tests.harness.content import write

pytestmark = [pytest.mark.slow, pytest.mark.qbittorrent]
MAX_EXAMPLES = 12  # per operation: a fixed budget, so CI time stays bounded


def test_no_5xx_and_no_schema_violation(app_server, worker, qbittorrent_pool, tmp_path):
    qbittorrent = qbittorrent_pool.get("5.3")
    write(qbittorrent.host_data_dir / "fuzz", {"Album/a.flac": b"a" * 1000})
    instance_for(qbittorrent)
    staff = StaffFactory()
    _, token = token_create(user=staff, name="schemathesis")
    client = Client()
    client.force_login(staff)
    schema = tmp_path / "openapi.json"
    schema.write_bytes(client.get("/api/openapi.json").content)
    st = Path(sys.executable).with_name("st")
    result = subprocess.run(
        [
            str(st),
            "run",
            str(schema),
            "--url",
            app_server.url,
            "--header",
            f"X-Api-Key: {token}",
            "--checks",
            "not_a_server_error,response_schema_conformance",
            "--max-examples",
            str(MAX_EXAMPLES),
            "--seed",
            "20261125",
            "--workers",
            "1",
            "--no-color",
            "--request-timeout",
            "30",
            # Our token only: generated credentials would turn most requests into 401s.
            "--generation-with-security-parameters",
            "false",
            "--generation-database",
            "none",
            "--report",
            "junit",
            "--report-dir",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        timeout=900,
    )
    output = result.stdout[-6000:] + result.stderr[-2000:]
    assert result.returncode == 0, output
    assert "passed" in result.stdout.lower()
