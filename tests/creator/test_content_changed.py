"""Content changed while qBittorrent's creator hashed it: the torrent would not match it, and
seeding in seed mode (no check) would claim pieces it does not have. qBittorrent 5.2+ lists
sizes and modification times, on the clock that dates its task."""

import uuid

import pytest

from creator.models import Job
from tests.creator.conftest import wait_for
from tests.factories import instance_for
from tests.harness.content import write

GiB = 1024**3
STARTED = 1_790_000_000  # the task's timeStarted, epoch seconds
FINISHED = STARTED + 30


def submit(client, **body):
    response = client.post("/api/jobs", body, content_type="application/json")
    assert response.status_code == 201, response.content
    return response.json()["id"]


@pytest.fixture
def fake_53(fake):
    """The stand-in as qBittorrent 5.3: listings with sizes and times, epoch task times."""
    fake.routes.update(
        {
            "/api/v2/app/version": (200, "v5.3.0"),
            "/api/v2/app/webapiVersion": (200, "2.16.2"),
            "/api/v2/torrentcreator/status": (
                200,
                [
                    {
                        "taskID": "task-1",
                        "status": "Finished",
                        "sourcePath": "/data/Album",
                        "timeStarted": STARTED,
                        "timeFinished": FINISHED,
                    }
                ],
            ),
        }
    )
    return fake


def album_listed(fake, *, size: int = 50_000, modified: int = STARTED - 3600):
    fake.routes["/api/v2/app/getDirectoryContent"] = (
        200,
        [{"name": "a.flac", "type": "file", "size": size, "last_modification_date": modified}],
    )


@pytest.mark.parametrize(
    ("size", "modified", "problem"),
    [
        (50_000, STARTED + 10, "/data/Album/a.flac was modified at "),
        (60_000, STARTED - 3600, "/data/Album/a.flac is now 60,000 bytes (50,000 hashed)"),
    ],
)
def test_a_file_changed_while_hashed_fails_the_job_saying_which(
    user_client, transactional_db, fake_53, worker, size, modified, problem
):
    instance_for(fake_53)
    album_listed(fake_53)
    job_id = submit(user_client, path="/data/Album", startSeeding=True)
    album_listed(fake_53, size=size, modified=modified)
    job = wait_for(job_id, worker=worker)
    assert job.state == "failed"
    assert job.error.startswith(
        "The content changed while qBittorrent was making the torrent, which would not match "
        f"it: {problem}"
    )
    assert job.error.endswith("Retry makes it again.")
    assert not job.torrent_file and not fake_53.calls("/api/v2/torrents/add")
    deleted = [c["form"].get("taskID") for c in fake_53.calls("/api/v2/torrentcreator/deleteTask")]
    assert deleted == ["task-1"]


@pytest.mark.parametrize(
    "modified",
    [STARTED - 3600, STARTED, FINISHED + 86_400],  # before, in the same second, dated ahead
)
def test_content_unchanged_since_hashing_began_completes(
    user_client, transactional_db, fake_53, worker, modified
):
    instance_for(fake_53)
    album_listed(fake_53, modified=modified)
    job = wait_for(submit(user_client, path="/data/Album"), worker=worker)
    assert job.state == "completed", job.error


def test_content_removed_while_hashed_fails_the_job(user_client, transactional_db, fake_53, worker):
    instance_for(fake_53)
    album_listed(fake_53)
    job_id = submit(user_client, path="/data/Album")
    fake_53.routes["/api/v2/app/getDirectoryContent"] = (404, "Directory does not exist")
    job = wait_for(job_id, worker=worker)
    assert job.state == "failed"
    assert job.error == "/data/Album was removed while qBittorrent was making the torrent."


@pytest.mark.qbittorrent
@pytest.mark.slow
def test_a_file_grown_during_real_hashing_fails_the_job(
    user_client, transactional_db, qbittorrent_pool, worker
):
    qbittorrent = qbittorrent_pool.get("5.3")  # 5.1 lists neither sizes nor times
    instance_for(qbittorrent)
    name = f"grown-{uuid.uuid4().hex[:8]}"
    host = qbittorrent.host_data_dir / name
    write(host, {"notes.txt": b"n" * 1000})
    # qBittorrent hashes notes.txt first (file order), then this sparse file for seconds
    with open(host / "zeros.bin", "wb") as handle:
        handle.truncate(6 * GiB)
    job_id = submit(user_client, path=f"{qbittorrent.qbt_data_dir}/{name}", pieceSize=16384)
    wait_for(job_id, {"hashing"}, worker=worker)
    with open(host / "notes.txt", "ab") as handle:
        handle.write(b"more")
    job = wait_for(job_id, timeout_s=120, worker=worker)
    assert job.state == "failed", job.error
    assert f"{name}/notes.txt is now 1,004 bytes (1,000 hashed)" in job.error
    assert Job.objects.get(pk=job_id).torrent_file == ""


def test_a_task_failing_on_content_changed_meanwhile_says_so(
    user_client, transactional_db, fake_53, worker
):
    instance_for(fake_53)
    album_listed(fake_53)
    fake_53.routes["/api/v2/torrentcreator/status"] = (
        200,
        [
            {
                "taskID": "task-1",
                "status": "Failed",
                "errorMessage": "Create new torrent file failed. Reason: Operation canceled",
                "timeStarted": STARTED,
                "timeFinished": FINISHED,
            }
        ],
    )
    job_id = submit(user_client, path="/data/Album")
    album_listed(fake_53, modified=STARTED + 10)
    job = wait_for(job_id, worker=worker)
    assert job.state == "failed"
    assert job.error.startswith(
        "The content changed while qBittorrent was making the torrent, which would not match "
        "it: /data/Album/a.flac was modified at "
    )
    assert job.error.endswith(
        "qBittorrent said: Create new torrent file failed. Reason: Operation canceled."
    )


@pytest.mark.qbittorrent
@pytest.mark.slow
def test_a_file_removed_during_real_hashing_fails_the_job_saying_so(
    user_client, transactional_db, qbittorrent_pool, worker
):
    qbittorrent = qbittorrent_pool.get("5.3")
    instance_for(qbittorrent)
    name = f"removed-{uuid.uuid4().hex[:8]}"
    host = qbittorrent.host_data_dir / name
    write(host, {"notes.txt": b"n" * 1000})
    for part in ("a.bin", "b.bin"):  # sparse: seconds to hash
        with open(host / part, "wb") as handle:
            handle.truncate(3 * GiB)
    job_id = submit(user_client, path=f"{qbittorrent.qbt_data_dir}/{name}", pieceSize=16384)
    wait_for(job_id, {"hashing"}, worker=worker)
    (host / "b.bin").unlink()
    job = wait_for(job_id, timeout_s=120, worker=worker)
    assert job.state == "failed", job.error
    assert "The content changed while qBittorrent was making the torrent" in job.error, job.error
    assert f"{name} was added, removed or renamed at " in job.error
