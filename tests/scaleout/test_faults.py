"""Faults in the scale-out setup, each with a clear job outcome and no record lost: PostgreSQL
restarted and Redis stopped mid-job, the data directory full, a slow or failing qBittorrent.
(A worker killed mid-job: test_exactly_once.py; qBittorrent killed and restarted mid-job:
tests/creator/test_job_lifecycle.py, on the real qBittorrent.)"""

import os
import subprocess
import time

import pytest
from django.db import connection

from creator.models import Job
from tests.harness import require
from tests.harness.oracle import torrent_info
from tests.harness.scaleout import services
from tests.scaleout.conftest import api_for, submit, wait_jobs

pytestmark = [pytest.mark.scaleout, pytest.mark.slow]
ADD_TASK = "/api/v2/torrentcreator/addTask"


def wait_state(job_id: int, state: str, stack, timeout_s: float = 30) -> Job:
    deadline = time.monotonic() + timeout_s
    while (job := Job.objects.get(pk=job_id)).state != state:
        assert time.monotonic() < deadline, f"job is {job.state}, not {state}\n{stack.logs()}"
        time.sleep(0.1)
    return job


def test_a_postgresql_restart_mid_job_neither_loses_nor_fails_it(
    make_stack, creator_fake, user, services_dir
):
    creator_fake.hashing_s = 8.0
    stack = make_stack(daphnes=2, workers=2)
    client = api_for(user)
    job_id = submit(stack.url, client, "/data/Restart")
    wait_state(job_id, "hashing", stack)

    services("pg-restart", services_dir)
    connection.close()  # this process's connection was cut with the others

    [job] = wait_jobs([job_id], stack, timeout_s=90)
    assert job.state == "completed", job.error
    assert len(creator_fake.server.calls(ADD_TASK)) == 1
    assert [w.process.poll() for w in stack.workers] == [None, None]  # they waited it out
    # The app goes on as before: the API answers and a new job completes.
    after = submit(stack.url, client, "/data/After")
    [job] = wait_jobs([after], stack)
    assert job.state == "completed", job.error
    assert client.get(f"{stack.url}/api/jobs/{job_id}", timeout=30).json()["state"] == "completed"


def test_with_redis_stopped_jobs_complete_and_sockets_get_progress_by_polling(
    make_stack, creator_fake, user, services_dir, watch
):
    creator_fake.hashing_s = 2.0
    stack = make_stack(daphnes=2, workers=2, TORRENTSMITH_PROGRESS_POLL_MS="300")
    client = api_for(user)
    before = watch(stack.url, user)
    services("redis-stop", services_dir)
    try:
        job_id = submit(stack.url, client, "/data/NoRedis")
        during = watch(stack.daphnes[1].url, user)  # a socket opened during the outage works too
        for watcher in (before, during):
            events = watcher.job_events(job_id)
            assert events[-1]["percentage"] == 100
        health = client.get(f"{stack.url}/api/health", timeout=30).json()
        assert health["channel_layer"]["status"] == "down"
        assert health["database"]["status"] == "ok"
    finally:
        services("redis-start", services_dir)
    [job] = wait_jobs([job_id], stack)
    assert job.state == "completed", job.error

    # Redis is back: new jobs' progress flows as before, to the sockets that stayed open.
    again = submit(stack.url, client, "/data/RedisBack")
    assert before.job_events(again)[-1]["state"] == "completed"
    health = client.get(f"{stack.url}/api/health", timeout=30).json()
    assert health["channel_layer"]["status"] == "ok", health["channel_layer"]


def test_a_full_data_directory_fails_the_job_with_the_reason_and_a_retry_completes(
    make_stack, creator_fake, user
):
    require(
        os.geteuid() == 0,
        "root (to mount a 64 KiB tmpfs over the data directory's torrents folder)",
        "run the tests as root, as CI does",
    )
    stack = make_stack(daphnes=1, workers=1)
    client = api_for(user)
    torrents = stack.data_dir / "torrents"
    torrents.mkdir(parents=True, exist_ok=True)
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(torrents)], check=True)
    try:
        filler = os.open(torrents / "filler", os.O_WRONLY | os.O_CREAT)
        try:
            while True:
                os.write(filler, b"\0" * 4096)
        except OSError:
            pass  # full
        finally:
            os.close(filler)
        job_id = submit(stack.url, client, "/data/Full")
        [job] = wait_jobs([job_id], stack)
    finally:
        subprocess.run(["umount", "-l", str(torrents)], check=True)
    assert job.state == "failed"
    assert job.error == (
        "The .torrent could not be stored in the data directory: No space left on device."
    )
    detail = client.get(f"{stack.url}/api/jobs/{job_id}", timeout=30).json()
    assert (detail["state"], detail["error"]) == ("failed", job.error)

    retry = client.post(f"{stack.url}/api/jobs/{job_id}/retry", timeout=60)
    assert retry.status_code == 201, retry.text
    [job] = wait_jobs([retry.json()["id"]], stack)
    assert job.state == "completed", job.error
    download = client.get(f"{stack.url}/api/jobs/{job.pk}/torrent", timeout=30)
    assert download.status_code == 200
    assert torrent_info(download.content).name() == "Album"


@pytest.mark.parametrize(
    "fault",
    [
        "slow",  # status answers after 7 s, beyond the instance's 5 s timeout
        "5xx",  # status answers 503, as behind a failing reverse proxy
    ],
)
def test_a_slow_or_failing_qbittorrent_is_waited_for_with_the_reason_shown(
    make_stack, creator_fake, user, fault
):
    creator_fake.hashing_s = 1.0
    stack = make_stack(daphnes=1, workers=2)
    status = creator_fake.server.routes["/api/v2/torrentcreator/status"]
    faulty = {"on": True}

    def flaky_status(request):
        if faulty["on"]:
            if fault == "slow":
                time.sleep(7)
            else:
                return 503, "Service Unavailable"
        return status(request)

    creator_fake.server.routes["/api/v2/torrentcreator/status"] = flaky_status
    client = api_for(user)
    job_id = submit(stack.url, client, f"/data/{fault}")
    deadline = time.monotonic() + 40
    while not (job := Job.objects.get(pk=job_id)).waiting_reason:
        assert time.monotonic() < deadline, stack.logs()
        time.sleep(0.2)
    assert job.waiting_reason.startswith("Waiting for qBittorrent:"), job.waiting_reason
    shown = client.get(f"{stack.url}/api/jobs/{job_id}", timeout=30).json()
    assert shown["waitingReason"] == job.waiting_reason
    faulty["on"] = False
    [job] = wait_jobs([job_id], stack, timeout_s=60)
    assert job.state == "completed", job.error
    assert job.waiting_reason == ""
    assert len(creator_fake.server.calls(ADD_TASK)) == 1
