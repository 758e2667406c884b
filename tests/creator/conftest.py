import time

import pytest

from creator.models import Job, JobState
from tests.factories import instance_for
from tests.harness.content import write
from tests.harness.fake_qbittorrent import FakeQbittorrent
from tests.harness.oracle import make_torrent

TERMINAL = {JobState.COMPLETED, JobState.FAILED, JobState.CANCELLED}


@pytest.fixture
def qbt_instance(transactional_db, qbittorrent):
    """The default Instance on a real qBittorrent 5.1 or 5.3, with committed rows (a worker
    process reads them)."""
    return instance_for(qbittorrent)


def wait_for(job_id: int, states=TERMINAL, *, timeout_s: float = 60, worker=None) -> Job:
    """Polls the job until it reaches one of `states`; fails with the worker's log if not."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        job = Job.objects.get(pk=job_id)
        if job.state in states:
            return job
        time.sleep(0.1)
    log = worker.log()[-4000:] if worker is not None else ""
    pytest.fail(
        f"job {job_id} is still {job.state} ({job.waiting_reason or job.error}) after "
        f"{timeout_s} s\n{log}"
    )


@pytest.fixture
def fake(tmp_path):
    """A qBittorrent 5.1 stand-in holding /data/Album (one file), whose creator makes a real
    .torrent of that content."""
    server = FakeQbittorrent()
    write(tmp_path / "Album", {"a.flac": b"a" * 50_000})
    server.torrent = make_torrent(tmp_path / "Album")
    server.routes.update(
        {
            "/api/v2/app/getDirectoryContent": lambda: (
                (200, server.listing.pop(0)) if server.listing else (200, [])
            ),
            "/api/v2/torrentcreator/addTask": (200, {"taskID": "task-1"}),
            "/api/v2/torrentcreator/status": (
                200,
                [{"taskID": "task-1", "status": "Finished", "sourcePath": "/data/Album"}],
            ),
            "/api/v2/torrentcreator/torrentFile": (200, server.torrent),
            "/api/v2/torrentcreator/deleteTask": (200, ""),
        }
    )
    server.listing = []
    yield server
    server.stop()
