"""What /api/health reports: database, channel layer, background worker, qBittorrent instances."""

import asyncio
import time
import uuid
from datetime import timedelta

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.conf import settings
from django.db import connection
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from accounts.permissions import USE_INSTANCES, VIEW_JOBS, require
from browser.instances import instance_health, instances_for
from creator.tasks import worker_probe

# A worker polls every second; a probe waiting longer than this means no worker is running.
PROBE_STALE_AFTER = timedelta(seconds=30)
# How long a probe's success stands for a worker being alive.
PROBE_INTERVAL = timedelta(seconds=60)


def _database() -> dict:
    started = time.perf_counter()
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:
        return {"status": "down", "engine": connection.vendor, "error": type(exc).__name__}
    latency_ms = round((time.perf_counter() - started) * 1000, 1)
    return {"status": "ok", "engine": connection.vendor, "latency_ms": latency_ms}


async def _channel_round_trip(layer) -> None:
    # The default prefix: channels-redis reads a process's channels through one Redis key
    # per prefix, and the sockets' receive already waits on that one.
    channel = await layer.new_channel()
    token = uuid.uuid4().hex
    await layer.send(channel, {"type": "health.ping", "token": token})
    message = await asyncio.wait_for(layer.receive(channel), timeout=5)
    if message.get("token") != token:
        raise RuntimeError("the channel layer returned another message")


def _channel_layer() -> dict:
    backend = "redis" if settings.REDIS_URL else "in-memory"
    layer = get_channel_layer()
    started = time.perf_counter()
    try:
        async_to_sync(_channel_round_trip)(layer)
    except Exception as exc:
        return {"status": "down", "backend": backend, "error": type(exc).__name__}
    latency_ms = round((time.perf_counter() - started) * 1000, 1)
    return {"status": "ok", "backend": backend, "latency_ms": latency_ms}


def _worker() -> dict:
    """The worker's last sign of life: the last task it finished. Enqueues a probe when due."""
    now = timezone.now()
    last_seen = (
        DBTaskResult.objects.exclude(finished_at=None)
        .order_by("-finished_at")
        .values_list("finished_at", flat=True)
        .first()
    )
    probes = DBTaskResult.objects.filter(task_path=worker_probe.module_path)
    pending = (
        probes.filter(status="READY").order_by("enqueued_at").values_list("enqueued_at", flat=True)
    ).first()
    # A probe being run right now counts as pending, unless its worker died while running it.
    running = probes.filter(status="RUNNING", started_at__gte=now - PROBE_STALE_AFTER).exists()
    if pending is None and not running and (last_seen is None or now - last_seen > PROBE_INTERVAL):
        worker_probe.enqueue()
        pending = now
    report = {"last_seen": last_seen.isoformat() if last_seen else None}
    if pending is not None and now - pending > PROBE_STALE_AFTER:
        waited = int((now - pending).total_seconds())
        return {
            **report,
            "status": "down",
            "error": f"no worker has picked up a task for {waited} s",
        }
    if last_seen is not None and now - last_seen <= PROBE_INTERVAL * 2:
        return {**report, "status": "ok"}
    return {**report, "status": "unknown"}


def health_report(*, viewer) -> dict:
    """The app's health as `viewer` may see it (instances they may use)."""
    require(viewer, VIEW_JOBS)
    database = _database()
    checks = {
        "database": database,
        "channel_layer": _channel_layer(),
        # The worker's record lives in the database: without one, nothing can be said of it.
        "worker": _worker()
        if database["status"] == "ok"
        else {"status": "unknown", "last_seen": None},
        # Viewers use no instance: theirs is the app's health, not qBittorrent's.
        "instances": [instance_health(i) for i in instances_for(viewer)]
        if database["status"] == "ok" and viewer.has_perm(USE_INSTANCES)
        else [],
    }
    down = [
        name for name in ("database", "channel_layer", "worker") if checks[name]["status"] == "down"
    ]
    return {"status": "down" if down else "ok", **checks}
