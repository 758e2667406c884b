import time
from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from creator.tasks import worker_probe
from tests.factories import InstanceFactory, UserFactory


def test_health_needs_login(client, db):
    response = client.get("/api/health")
    assert response.status_code == 401
    assert response.json() == {
        "detail": "Log in or send an API token.",
        "code": "not_authenticated",
        "errors": [],
    }


def test_health_reports_database_and_channel_layer(user_client):
    response = user_client.get("/api/health")
    body = response.json()
    assert body["database"]["status"] == "ok"
    assert body["database"]["engine"] in ("sqlite", "postgresql")
    assert body["channel_layer"]["status"] == "ok"
    assert body["channel_layer"]["backend"] == ("redis" if settings.REDIS_URL else "in-memory")
    assert body["instances"] == []


def test_health_enqueues_one_probe_while_no_worker_has_answered(user_client):
    first = user_client.get("/api/health").json()
    user_client.get("/api/health")
    assert first["worker"]["status"] == "unknown"
    assert first["worker"]["last_seen"] is None
    assert DBTaskResult.objects.filter(task_path=worker_probe.module_path).count() == 1


def test_health_says_down_when_no_worker_picks_up_the_probe(user_client):
    user_client.get("/api/health")
    DBTaskResult.objects.update(enqueued_at=timezone.now() - timedelta(minutes=2))
    response = user_client.get("/api/health")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "down"
    assert body["worker"]["status"] == "down"
    assert "no worker has picked up a task for 1" in body["worker"]["error"]


@pytest.mark.slow
def test_a_real_worker_runs_the_probe_and_health_turns_ok(user_client, worker):
    user_client.get("/api/health")  # enqueues the probe
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        body = user_client.get("/api/health").json()
        if body["worker"]["status"] == "ok":
            break
        time.sleep(0.3)
    else:
        pytest.fail(f"worker never ran the probe; its log:\n{worker.log()}")
    assert body["status"] == "ok"
    deadline = time.monotonic() + 30
    while (result := DBTaskResult.objects.get(task_path=worker_probe.module_path)).status != (
        "SUCCESSFUL"
    ):
        assert time.monotonic() < deadline, worker.log()
        time.sleep(0.3)
    # The last task the worker finished: the probe, or job recovery's after it.
    assert body["worker"]["last_seen"] >= (result.finished_at - timedelta(seconds=2)).isoformat()


def test_health_holds_no_secret(user_client):
    text = user_client.get("/api/health").content.decode()
    assert settings.SECRET_KEY not in text
    password = settings.DATABASES["default"].get("PASSWORD")
    if password:
        assert password not in text
    assert "redis://" not in text and "postgres://" not in text


def test_a_viewer_sees_the_apps_health_but_no_instance(client, user_client, db):
    InstanceFactory(is_default=True, name="the seedbox")
    assert [i["name"] for i in user_client.get("/api/health").json()["instances"]] == [
        "the seedbox"
    ]
    client.force_login(UserFactory(role="Viewers"))
    body = client.get("/api/health").json()
    assert body["database"]["status"] == "ok" and body["instances"] == []
