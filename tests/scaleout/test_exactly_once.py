"""With several web servers and workers, each job reaches qBittorrent exactly once and ends."""

import signal
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.scaleout.conftest import api_for, wait_jobs

pytestmark = [pytest.mark.scaleout, pytest.mark.slow]


def test_thirty_concurrent_submissions_each_make_one_task_and_complete(
    make_stack, creator_fake, users
):
    # qBittorrent's queue takes 4 tasks at a time: most jobs wait for room, and the workers
    # (not the web request) add them later, while one worker is killed and replaced.
    creator_fake.limit, creator_fake.hashing_s = 4, 1.0
    stack = make_stack(daphnes=2, workers=3)
    clients = [api_for(user) for user in users]
    paths = [f"/data/Album-{n:02}" for n in range(30)]

    def submit(n: int):
        return clients[n % len(clients)].post(
            f"{stack.url}/api/jobs", json={"path": paths[n]}, timeout=60
        )

    with ThreadPoolExecutor(max_workers=30) as pool:
        responses = list(pool.map(submit, range(30)))
    refusals = [(r.status_code, r.text) for r in responses if r.status_code != 201]
    assert refusals == []
    ids = [r.json()["id"] for r in responses]

    time.sleep(1.5)
    stack.workers[0].stop(signal.SIGKILL)
    stack.add_worker()
    jobs = wait_jobs(ids, stack)

    assert [job.state for job in jobs] == ["completed"] * 30, [(j.pk, j.error) for j in jobs]
    assert sorted(creator_fake.added) == sorted(paths)  # each path once: no task added twice
    assert len({job.qbt_task_id for job in jobs}) == 30
    assert sorted(job.source_path for job in jobs) == sorted(paths)
    refused = len(creator_fake.server.calls("/api/v2/torrentcreator/addTask")) - 30
    assert refused > 0  # the queue was full at times: those jobs were added again, once
    for client, user in zip(clients, users, strict=True):
        listed = client.get(f"{stack.url}/api/jobs", params={"state": "completed"}, timeout=30)
        assert listed.status_code == 200
        page = listed.json()
        assert page["count"] == 6  # each user's own jobs, and only those
        assert {j["owner"] for j in page["results"]} == {user.username}


def test_an_add_task_slower_than_the_lease_is_not_sent_again(make_stack, creator_fake, user):
    # qBittorrent takes 4.5 s to answer addTask (within the instance's 5 s timeout): the job's
    # 3 s lease lapses meanwhile, and a worker takes the job over while the request is in flight.
    add_task = creator_fake.server.routes["/api/v2/torrentcreator/addTask"]

    def slow_add_task(request):
        time.sleep(4.5)
        return add_task(request)

    creator_fake.server.routes["/api/v2/torrentcreator/addTask"] = slow_add_task
    stack = make_stack(daphnes=1, workers=2)
    response = api_for(user).post(f"{stack.url}/api/jobs", json={"path": "/data/Slow"}, timeout=60)
    assert response.status_code == 201, response.text
    [job] = wait_jobs([response.json()["id"]], stack, timeout_s=60)
    assert job.state == "completed", job.error
    # Counted as they arrive (a second one would still be sleeping in the stand-in).
    assert len(creator_fake.server.calls("/api/v2/torrentcreator/addTask")) == 1
    assert creator_fake.added == ["/data/Slow"]
