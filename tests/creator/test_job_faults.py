"""Faults a real qBittorrent will not produce on demand, injected by a scripted stand-in:
a full queue, an outage mid-job, a failed task, and a worker that died inside addTask."""

from django.utils import timezone

from creator import metainfo
from creator.engines.qbittorrent import TASK_LOST, QbittorrentEngine, parse_time
from creator.metainfo import bdecode
from creator.models import Job
from tests.creator.conftest import wait_for
from tests.creator.test_local_submission import here
from tests.factories import instance_for
from tests.harness.content import write
from tests.harness.oracle import make_torrent


def album_listings(fake, times: int = 1):
    # scan lists the folder: its sub-folders, then its files (WebAPI 2.11.4 has no metadata)
    for _ in range(times):
        fake.listing += [[], ["/data/Album/a.flac"]]


def submit(client, **body):
    response = client.post("/api/jobs", body, content_type="application/json")
    assert response.status_code == 201, response.content
    return response.json()["id"]


def hashing_job(user_client, fake, worker, **instance) -> int:
    """A job of /data/Album that qBittorrent (the stand-in) is hashing."""
    instance_for(fake, **instance)
    album_listings(fake)
    fake.routes["/api/v2/torrentcreator/status"] = (
        200,
        [{"taskID": "task-1", "status": "Running", "progress": 10.0}],
    )
    job_id = submit(user_client, path="/data/Album")
    wait_for(job_id, {"hashing"}, worker=worker)
    return job_id


def test_a_full_creator_queue_keeps_the_job_queued_until_there_is_room(
    user_client, transactional_db, fake, worker
):
    instance_for(fake)
    album_listings(fake)
    answers = [(409, "Too many active tasks")] * 2 + [(200, {"taskID": "task-1"})]
    fake.routes["/api/v2/torrentcreator/addTask"] = lambda: answers.pop(0)
    job_id = submit(user_client, path="/data/Album")
    queued = wait_for(job_id, {"queued"}, worker=worker)
    job = wait_for(job_id, worker=worker)
    assert job.state == "completed", job.error
    assert len(fake.calls("/api/v2/torrentcreator/addTask")) == 3
    assert queued.pk == job.pk


def test_an_unreachable_qbittorrent_is_waited_for_then_the_job_goes_on(
    user_client, transactional_db, fake, worker
):
    job_id = hashing_job(user_client, fake, worker)
    fake.stop()
    import time

    deadline = time.monotonic() + 30
    while "Waiting for qBittorrent" not in Job.objects.get(pk=job_id).waiting_reason:
        assert time.monotonic() < deadline, worker.log()[-3000:]
        time.sleep(0.2)
    assert "cannot be reached" in Job.objects.get(pk=job_id).waiting_reason
    fake.routes["/api/v2/torrentcreator/status"] = (
        200,
        [{"taskID": "task-1", "status": "Finished"}],
    )
    fake.start()
    job = wait_for(job_id, worker=worker)
    assert job.state == "completed", job.error
    assert job.waiting_reason == ""


def test_a_failed_task_fails_the_job_with_qbittorrents_message(
    user_client, transactional_db, fake, worker
):
    instance_for(fake)
    album_listings(fake, times=2)  # at submission, and when the task failed
    fake.routes["/api/v2/torrentcreator/status"] = (
        200,
        [{"taskID": "task-1", "status": "Failed", "errorMessage": "Permission denied"}],
    )
    job = wait_for(submit(user_client, path="/data/Album"), worker=worker)
    assert job.state == "failed"
    assert job.error == "qBittorrent could not create the torrent: Permission denied"
    assert fake.calls("/api/v2/torrentcreator/deleteTask")
    detail = user_client.get(f"/api/jobs/{job.pk}").json()
    assert detail["error"] == job.error


def test_a_worker_that_died_inside_add_task_is_followed_by_adoption_not_a_second_task(
    user, db, fake
):
    instance = instance_for(fake)
    fake.routes["/api/v2/torrentcreator/status"] = (
        200,
        [
            {
                "taskID": "lost-1",
                "sourcePath": "/data/Album",
                "status": "Running",
                "progress": 3.0,
                "timeAdded": timezone.localtime().strftime("%a %b %d %H:%M:%S %Y"),
            }
        ],
    )
    job = Job.objects.create(
        owner=user,
        instance=instance,
        instance_name=instance.name,
        source_path="/data/Album",
        options={"format": "v1"},
        submit_started_at=timezone.now(),
        state="queued",
    )
    engine = QbittorrentEngine(job, renew=lambda **_: Job.objects.get(pk=job.pk))
    engine.step()
    job.refresh_from_db()
    assert job.qbt_task_id == "lost-1"
    assert fake.calls("/api/v2/torrentcreator/addTask") == []


def test_only_a_task_made_with_the_jobs_parameters_is_adopted(user, db, fake):
    """Two users' jobs of the same content: after a crash inside addTask, a job must not take
    over the other's task (its .torrent holds the other user's passkey)."""
    instance = instance_for(fake)
    added = timezone.localtime().strftime("%a %b %d %H:%M:%S %Y")
    task = {"sourcePath": "/data/Album", "status": "Running", "timeAdded": added}
    fake.routes["/api/v2/torrentcreator/status"] = (
        200,
        [
            {**task, "taskID": "theirs", "trackers": ["http://127.0.0.1:9/THEIRKEY/announce"]},
            {**task, "taskID": "mine", "trackers": ["http://127.0.0.1:9/announce"]},
        ],
    )
    job = Job.objects.create(
        owner=user,
        instance=instance,
        instance_name=instance.name,
        source_path="/data/Album",
        options={"format": "v1", "trackers": [["http://127.0.0.1:9/announce"]]},
        submit_started_at=timezone.now(),
        state="queued",
    )
    QbittorrentEngine(job, renew=lambda **_: Job.objects.get(pk=job.pk)).step()
    job.refresh_from_db()
    assert job.qbt_task_id == "mine"


def test_creator_times_are_read_in_both_formats():
    assert parse_time(1795645398).timestamp() == 1795645398
    text = parse_time("Wed Nov 25 22:23:30 2026")
    assert (text.year, text.month, text.day, text.hour, text.minute) == (2026, 11, 25, 22, 23)
    assert parse_time("") is None and parse_time("not a date") is None


def test_what_only_the_local_engine_does_is_said_in_words(user_client, db, fake):
    instance_for(fake)
    album_listings(fake)
    body = {"path": "/data/Album", "engine": "qbittorrent", "name": "Other", "trackers": []}
    response = user_client.post("/api/jobs", body, content_type="application/json")
    assert response.status_code == 422
    assert response.json()["detail"] == (
        "qBittorrent's creator cannot set the torrent's name: use the local engine."
    )


def test_a_fallback_note_reads_as_a_sentence(user_client, db, tmp_path):
    write(tmp_path / "Album", {"a.flac": b"a" * 1000})
    here(tmp_path)  # its qBittorrent does not answer
    response = user_client.post(
        "/api/jobs", {"path": "/data/Album", "trackers": []}, content_type="application/json"
    )
    assert response.status_code == 201, response.content
    [note] = [n for n in response.json()["notes"] if "local engine" in n]
    assert ".:" not in note and note.endswith("instead (local engine).")


def test_an_alignment_option_is_refused_at_its_own_field(user_client, db, fake):
    instance_for(fake)  # libtorrent 2: no alignment options
    album_listings(fake)
    body = {"path": "/data/Album", "engine": "qbittorrent", "paddedFileSizeLimit": 1024}
    response = user_client.post("/api/jobs", body, content_type="application/json")
    assert response.status_code == 422, response.content
    assert response.json()["errors"][0]["field"] == "paddedFileSizeLimit"


def test_a_task_failing_on_content_removed_since_says_so(
    user_client, transactional_db, fake, worker
):
    instance_for(fake)
    album_listings(fake)  # the folder at submission; gone when qBittorrent hashes it
    fake.routes["/api/v2/torrentcreator/status"] = (
        200,
        [
            {
                "taskID": "task-1",
                "status": "Failed",
                "errorMessage": "All files have been filtered out by 'Ignore dotfiles' option",
            }
        ],
    )
    job_id = submit(user_client, path="/data/Album")
    fake.routes["/api/v2/app/getDirectoryContent"] = (404, "Directory does not exist")
    job = wait_for(job_id, worker=worker)
    assert job.state == "failed"
    assert job.error == (
        "Nothing exists at /data/Album (as qBittorrent sees it). qBittorrent said: All files "
        "have been filtered out by 'Ignore dotfiles' option."
    )


def test_a_qbittorrent_failing_mid_job_hands_it_to_the_local_engine(
    user_client, transactional_db, fake, worker, tmp_path
):
    """The content is mapped here: after JOB_LOCAL_FALLBACK_AFTER_S of 5xx answers the local
    engine makes the torrent, and the task qBittorrent kept is deleted at the end."""
    mapping = {"host_path": str(tmp_path), "qbt_path": "/data"}
    job_id = hashing_job(user_client, fake, worker, path_mappings=[mapping])
    fake.routes["/api/v2/torrentcreator/status"] = (503, "Service Unavailable")
    job = wait_for(job_id, worker=worker)
    assert job.state == "completed", job.error
    assert job.engine == "local"
    [note] = [n for n in job.notes if "did not answer" in n]
    assert note.startswith(f"qBittorrent '{job.instance_name}' did not answer for ")
    assert note.endswith("the torrent is made on this server instead (local engine).")
    data = user_client.get(f"/api/jobs/{job_id}/torrent").content
    torrent = metainfo.read(data)
    reference = make_torrent(
        tmp_path / "Album", piece_size=torrent.piece_size, format=torrent.format
    )
    ours, theirs = bdecode(data)[b"info"], bdecode(reference)[b"info"]
    for key in (b"pieces", b"length", b"files", b"file tree"):
        assert ours.get(key) == theirs.get(key), key
    deleted = [c["form"].get("taskID") for c in fake.calls("/api/v2/torrentcreator/deleteTask")]
    assert deleted == ["task-1"]


def test_without_a_mapping_an_unanswering_qbittorrent_is_still_waited_for(
    user_client, transactional_db, fake, worker
):
    job_id = hashing_job(user_client, fake, worker)
    fake.routes["/api/v2/torrentcreator/status"] = (503, "Service Unavailable")
    import time

    time.sleep(4)  # twice JOB_LOCAL_FALLBACK_AFTER_S
    job = Job.objects.get(pk=job_id)
    assert (job.state, job.engine) == ("hashing", "qbittorrent")
    assert job.waiting_reason.startswith("Waiting for qBittorrent")


def test_a_task_qbittorrent_lost_is_submitted_again_a_few_times(
    user_client, transactional_db, fake, worker
):
    instance_for(fake)
    album_listings(fake)
    answers = [(404, "Not Found")]
    fake.routes["/api/v2/torrentcreator/status"] = lambda: (
        answers.pop(0)
        if answers
        else (
            200,
            [{"taskID": "task-1", "status": "Finished"}],
        )
    )
    job = wait_for(submit(user_client, path="/data/Album"), worker=worker)
    assert job.state == "completed", job.error
    assert job.notes.count(TASK_LOST) == 1
    assert len(fake.calls("/api/v2/torrentcreator/addTask")) == 2

    album_listings(fake)
    fake.routes["/api/v2/torrentcreator/status"] = (404, "Not Found")
    job = wait_for(submit(user_client, path="/data/Album"), worker=worker)
    assert job.state == "failed"
    assert job.error.startswith(f"qBittorrent '{job.instance_name}' lost this job's task 3 times")
    assert job.notes.count(TASK_LOST) == 2
    assert len(fake.calls("/api/v2/torrentcreator/addTask")) == 2 + 3
