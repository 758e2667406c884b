"""docs/api.md names every endpoint the API has, and the schema says what a download is."""

import re
from pathlib import Path

from django.conf import settings
from django.test import Client

DOCS = Path(settings.BASE_DIR) / "docs" / "api.md"


def _shape(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "{}", path.split("?")[0].rstrip("/"))


def schema(staff_user) -> dict:
    client = Client()
    client.force_login(staff_user)
    return client.get("/api/openapi.json").json()


def test_every_endpoint_is_in_the_api_guide(staff_user):
    documented = {_shape(p) for p in re.findall(r"(/api/[^\s`,)]+)", DOCS.read_text())}
    served = {_shape(p) for p in schema(staff_user)["paths"]}
    assert served - documented == set()


def test_the_schema_says_a_download_is_a_torrent_file(staff_user):
    answers = schema(staff_user)["paths"]["/api/jobs/{job_id}/torrent"]["get"]["responses"]
    assert list(answers["200"]["content"]) == ["application/x-bittorrent"]
