"""A cancel, or another worker, arriving while a step talks to qBittorrent: nothing is left
behind (no task, no .torrent, no seeding torrent of a cancelled job), no job is finished twice,
and an ended job says only why it ended."""

import shutil
import time

import pytest
from django.conf import settings

from creator.engines.local import MAX_RESTARTS, RESTARTED
from creator.jobs import job_cancel, job_claim, job_transition
from creator.models import Job
from creator.runner import job_advance
from tests.creator.test_local_submission import here
from tests.factories import instance_for
from tests.harness.content import write
from tests.harness.oracle import hashes, torrent_info
from tests.harness.processes import start_worker

ADD_TASK = "/api/v2/torrentcreator/addTask"
DELETE_TASK = "/api/v2/torrentcreator/deleteTask"
ADD = "/api/v2/torrents/add"
DELETE = "/api/v2/torrents/delete"


def a_job(user, instance, **fields) -> Job:
    """A job of `instance`'s /data/Album, with no .torrent left under its id by an earlier
    test's job of the same id."""
    job = Job.objects.create(
        owner=user,
        instance=instance,
        instance_name=instance.name,
        **{"source_path": "/data/Album", "state": "queued", **fields},
    )
    shutil.rmtree(settings.TORRENTS_DIR / str(job.pk), ignore_errors=True)
    return job


def queued_job(user, instance, **options) -> Job:
    return a_job(user, instance, options={"format": "v1", **options})


def stored_torrents(job: Job) -> list:
    return list((settings.TORRENTS_DIR / str(job.pk)).glob("*.torrent"))


def test_a_task_added_for_a_job_cancelled_meanwhile_is_deleted(user, transactional_db, fake):
    job = queued_job(user, instance_for(fake))

    def add_task():  # the user cancels while addTask is on its way
        job_cancel(viewer=user, job_id=job.pk)
        return 200, {"taskID": "task-1"}

    fake.routes[ADD_TASK] = add_task
    job_advance(job.pk, worker="w1")
    assert Job.objects.get(pk=job.pk).state == "cancelled"
    assert [call["form"]["taskID"] for call in fake.calls(DELETE_TASK)] == ["task-1"]


def test_a_job_cancelled_before_seeding_is_neither_seeded_nor_kept(user, transactional_db, fake):
    job = queued_job(user, instance_for(fake), start_seeding=True)
    job_advance(job.pk, worker="w1")  # addTask
    torrent_file = fake.routes["/api/v2/torrentcreator/torrentFile"]

    def fetched():  # the user cancels while the finished .torrent is fetched
        job_cancel(viewer=user, job_id=job.pk)
        return torrent_file

    fake.routes["/api/v2/torrentcreator/torrentFile"] = fetched
    job_advance(job.pk, worker="w1")
    job.refresh_from_db()
    assert (job.state, job.torrent_file) == ("cancelled", "")
    assert fake.calls(ADD) == []
    assert stored_torrents(job) == []


def test_a_job_cancelled_while_being_seeded_is_taken_out_of_qbittorrent(
    user, transactional_db, fake
):
    job = queued_job(user, instance_for(fake), start_seeding=True)
    fake.routes[DELETE] = (200, "")

    def add():
        job_cancel(viewer=user, job_id=job.pk)
        return 200, "Ok."

    fake.routes[ADD] = add
    job_advance(job.pk, worker="w1")
    job_advance(job.pk, worker="w1")
    job.refresh_from_db()
    assert (job.state, job.torrent_file) == ("cancelled", "")
    assert stored_torrents(job) == []
    info_hash = hashes(torrent_info(fake.torrent))[0]
    assert [(c["form"]["hashes"], c["form"]["deleteFiles"]) for c in fake.calls(DELETE)] == [
        (info_hash, "False")
    ]


def test_seeding_slower_than_the_lease_is_not_taken_over_by_another_worker(
    user, transactional_db, fake
):
    job = queued_job(user, instance_for(fake), start_seeding=True)
    others = []

    def slow_add():
        time.sleep(settings.JOB_LEASE_S + 0.5)  # the lease would have run out by now
        others.append(job_claim(job.pk, worker="w2"))
        return 200, "Ok."

    fake.routes[ADD] = slow_add
    job_advance(job.pk, worker="w1")
    assert job_advance(job.pk, worker="w1") == "completed"
    assert others == [None]
    job.refresh_from_db()
    assert job.state == "completed", job.error
    assert len(fake.calls(ADD)) == 1


def left_by_a_dead_worker(user, tmp_path, state: str, notes=()) -> Job:
    write(tmp_path / "Set", {"a.bin": b"a" * 5000})
    return a_job(
        user,
        here(tmp_path),
        source_path="/data/Set",
        engine="local",
        options={"format": "v1", "piece_size": 16 * 1024},
        state=state,
        notes=list(notes),
        progress=100.0 if state == "finalizing" else 40.0,
    )


@pytest.mark.parametrize("state", ["hashing", "finalizing"])
def test_a_local_job_whose_worker_died_is_made_again_saying_so(user, tmp_path, state):
    job = left_by_a_dead_worker(user, tmp_path, state)
    job_advance(job.pk, worker="w2")
    job.refresh_from_db()
    assert job.state == "completed", job.error
    assert stored_torrents(job)
    assert job.notes == [RESTARTED]


def test_a_local_job_that_keeps_stopping_its_worker_is_not_run_forever(user, tmp_path):
    job = left_by_a_dead_worker(user, tmp_path, "hashing", notes=[RESTARTED] * MAX_RESTARTS)
    job_advance(job.pk, worker="w2")
    job.refresh_from_db()
    assert job.state == "failed"
    assert job.error.startswith(f"The worker stopped {MAX_RESTARTS + 1} times")
    assert stored_torrents(job) == []


@pytest.mark.parametrize("state", ["failed", "cancelled"])
def test_an_ended_job_no_longer_says_it_waits_for_qbittorrent(user, db, fake, state):
    job = queued_job(user, instance_for(fake))
    job = job_transition(job, "submitted", waiting_reason="Waiting for qBittorrent: down.")
    job_transition(job, state, error="It ended.")
    job.refresh_from_db()
    assert (job.waiting_reason, job.waiting_since) == ("", None)


def test_a_cancel_leaves_stopping_the_task_to_a_worker(user, transactional_db, fake, tmp_path):
    """The request that cancels never waits for qBittorrent (one that accepts the connection
    and never answers held it for the instance's timeout); a worker deletes the task."""
    job = queued_job(user, instance_for(fake))
    job_transition(job, "submitted", qbt_task_id="task-1")
    assert job_cancel(viewer=user, job_id=job.pk).state == "cancelled"
    assert fake.calls(DELETE_TASK) == []
    worker = start_worker(tmp_path)
    try:
        deadline = time.monotonic() + 30
        while not fake.calls(DELETE_TASK):
            assert time.monotonic() < deadline, worker.log()[-3000:]
            time.sleep(0.1)
    finally:
        worker.stop()
    assert [call["form"]["taskID"] for call in fake.calls(DELETE_TASK)] == ["task-1"]
