"""Runs last: no secret a test stored appears in any answer, page or log line of the run."""

from django.conf import settings

from tests.harness.leaks import records, secrets_remembered


def test_no_secret_appears_in_any_answer_page_or_log_line():
    secrets = secrets_remembered() | {settings.SECRET_KEY}
    assert len(secrets) > 1, "no secret was noted: the leak check would prove nothing"
    leaks = []
    for record in records():
        text = record.read_text(encoding="utf-8", errors="replace")
        leaks += [f"{record.name}: {secret[:4]}…" for secret in secrets if secret in text]
    assert leaks == []
