"""The local engine in jobs, verify, inspect and edit, against real qBittorrent processes."""

import os
import time

import pytest
from django_tasks_db.models import DBTaskResult
from waffle.models import Switch

from creator import metainfo
from creator.jobs import InvalidJob
from creator.models import Job
from creator.torrents import upload_data
from tests.creator.conftest import wait_for
from tests.factories import InstanceFactory, PresetFactory, mapped_instance_for
from tests.harness.content import write
from tests.harness.oracle import files_of, hashes, make_torrent, torrent_info

pytestmark = [pytest.mark.qbittorrent, pytest.mark.slow]
SEEDING = {"uploading", "stalledUP", "queuedUP", "forcedUP"}


@pytest.fixture
def mapped_instance(transactional_db, qbittorrent):
    return mapped_instance_for(qbittorrent)


def submit(client, **body):
    response = client.post("/api/jobs", body, content_type="application/json")
    assert response.status_code == 201, response.content
    return response.json()


def settled(qbittorrent, hash_id: str, *, after_check: bool = False) -> dict:
    deadline = time.monotonic() + 30
    while True:
        found = qbittorrent.api("GET", "torrents/info", params={"hashes": hash_id}).json()
        state = found[0]["state"] if found else ""
        if (
            found
            and not state.startswith(("checking", "meta", "moving"))
            and (not after_check or state != "pausedUP")
        ):
            return found[0]
        assert time.monotonic() < deadline, found
        time.sleep(0.2)


def assert_complete_after_a_recheck(qbittorrent, hash_id: str) -> None:
    qbittorrent.api("POST", "torrents/recheck", data={"hashes": hash_id})
    time.sleep(0.5)
    torrent = settled(qbittorrent, hash_id, after_check=True)
    assert torrent["progress"] == 1, torrent


def test_qbittorrent_4_5_gets_its_torrent_from_the_local_engine_and_seeds_it(
    user_client, transactional_db, qbittorrent_45, worker
):
    write(qbittorrent_45.host_data_dir, {"Old/a.bin": b"a" * 100_000})
    instance = mapped_instance_for(qbittorrent_45)
    body = submit(
        user_client,
        path=f"{qbittorrent_45.qbt_data_dir}/Old",
        startSeeding=True,
        trackers=[["http://127.0.0.1:9/announce"]],
    )
    assert body["engine"] == "local"
    assert body["notes"][0].startswith(f"qBittorrent '{instance.name}' v4.5.2")
    assert body["notes"][0].endswith("made on this server instead (local engine).")
    job = wait_for(body["id"], worker=worker)
    assert job.state == "completed", job.error
    assert job.seeding.startswith("Seeding in qBittorrent")
    try:
        torrent = settled(qbittorrent_45, job.info_hash_v1)
        assert torrent["progress"] == 1 and torrent["state"] in SEEDING | {"pausedUP"}
    finally:
        qbittorrent_45.api(
            "POST", "torrents/delete", data={"hashes": job.info_hash_v1, "deleteFiles": "false"}
        )


def test_an_unreachable_qbittorrent_falls_back_and_says_so(
    user_client, transactional_db, worker, tmp_path, settings
):
    write(tmp_path / "data", {"Pack/x.bin": b"x" * 50_000})
    # turning local browsing off leaves the local engine alone: it has its own setting
    Switch.objects.update_or_create(name="local_mode", defaults={"active": False})
    instance = InstanceFactory(
        is_default=True,
        url="http://127.0.0.1:9",
        allowed_roots=["/data"],
        path_mappings=[{"host_path": str(tmp_path / "data"), "qbt_path": "/data"}],
    )
    body = submit(user_client, path="/data/Pack", startSeeding=True)
    assert body["engine"] == "local"
    assert "cannot be reached" in body["notes"][0]
    job = wait_for(body["id"], worker=worker)
    assert job.state == "completed", job.error
    assert job.seeding == "Not seeding: qBittorrent could not be reached."
    settings.LOCAL_ENGINE_FALLBACK = False
    refused = user_client.post("/api/jobs", {"path": "/data/Pack"}, content_type="application/json")
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"] == "instance"
    assert instance.name in refused.json()["detail"]


def test_a_name_and_exclude_patterns_bring_in_the_local_engine(
    user_client, mapped_instance, content, worker, qbittorrent
):
    host, qbt = content
    write(
        host,
        {
            "Rel/movie.mkv": b"m" * 70_000,
            "Rel/sample.mkv": b"s" * 1000,
            "Rel/Proof/p.jpg": b"j" * 10,
        },
    )
    preset = PresetFactory(trackers=[], private=False, exclude_patterns=["sample*", "Proof"])
    body = submit(user_client, path=f"{qbt}/Rel", presetId=preset.pk, name="Movie.2024.GRP")
    assert body["engine"] == "local"
    job = wait_for(body["id"], worker=worker)
    assert job.state == "completed", job.error
    data = user_client.get(f"/api/jobs/{job.pk}/torrent").content
    assert files_of(torrent_info(data)) == [("Movie.2024.GRP/movie.mkv", 70_000)]


@pytest.mark.parametrize(
    ("source", "files", "format"),
    [
        ("Rel", {"Rel/movie.mkv": b"m" * 70_000, "Rel/extras/a.txt": b"a" * 10}, "v1"),
        ("clip.mkv", {"clip.mkv": b"c" * 50_000}, "v1"),
        ("clip.mkv", {"clip.mkv": b"c" * 50_000}, "hybrid"),  # known by its v2 hash
    ],
    ids=["folder", "single file", "single file hybrid"],
)
def test_a_renamed_torrent_seeds_the_content_where_it_is(
    user_client, mapped_instance, content, worker, qbittorrent, source, files, format
):
    host, qbt = content
    write(host, files)
    body = submit(
        user_client,
        path=f"{qbt}/{source}",
        name="New.Name.2024",
        startSeeding=True,
        format=format,
    )
    job = wait_for(body["id"], worker=worker)
    assert job.state == "completed", job.error
    assert job.name == "New.Name.2024"
    assert job.seeding.startswith("Seeding in qBittorrent"), job.seeding
    hash_id = job.info_hash_v2[:40] or job.info_hash_v1  # qBittorrent names v2 torrents so
    try:
        torrent = settled(qbittorrent, hash_id)
        listed = qbittorrent.api("GET", "torrents/files", params={"hash": hash_id}).json()
        # qBittorrent looks for each file where this host wrote it
        on_disk = {
            str(qbittorrent.host_path(f"{torrent['save_path'].rstrip('/')}/{f['name']}")): f["size"]
            for f in listed
        }
        assert on_disk == {str(host / name): len(data) for name, data in files.items()}
        assert_complete_after_a_recheck(qbittorrent, hash_id)
    finally:
        qbittorrent.api("POST", "torrents/delete", data={"hashes": hash_id, "deleteFiles": "false"})


def test_making_a_seeded_torrent_again_says_it_is_seeding(
    user_client, mapped_instance, content, worker, qbittorrent
):
    host, qbt = content
    write(host, {"Again/a.bin": b"a" * 40_000})
    first = wait_for(
        submit(user_client, path=f"{qbt}/Again", engine="local", startSeeding=True)["id"],
        worker=worker,
    )
    assert first.seeding.startswith("Seeding in qBittorrent"), first.seeding
    hash_id = first.info_hash_v1
    try:
        again = user_client.post(f"/api/jobs/{first.pk}/retry").json()
        second = wait_for(again["id"], worker=worker)
        assert second.info_hash_v1 == hash_id  # the same torrent: qBittorrent has it
        assert second.seeding.endswith("(it had this torrent).")
        user_client.post(f"/api/jobs/{second.pk}/cancel")  # ended: changes nothing
        assert qbittorrent.api("GET", "torrents/info", params={"hashes": hash_id}).json()
    finally:
        qbittorrent.api("POST", "torrents/delete", data={"hashes": hash_id, "deleteFiles": "false"})


@pytest.mark.parametrize("format", ["v1", "v2", "hybrid"])
def test_qbittorrent_seeds_local_torrents_and_a_forced_recheck_finds_them_complete(
    user_client, mapped_instance, content, worker, qbittorrent, format
):
    host, qbt = content
    write(
        host,
        {
            "Mix/a.bin": b"a" * 40_000,
            "Mix/sub/b.bin": b"b" * 70_001,
            "Mix/empty": b"",
            "Mix/c.bin": b"c" * 16_384,
        },
    )
    body = submit(
        user_client,
        path=f"{qbt}/Mix",
        engine="local",
        format=format,
        pieceSize=16_384,
        startSeeding=True,
    )
    job = wait_for(body["id"], worker=worker)
    assert job.state == "completed", job.error
    hash_id = job.info_hash_v2[:40] or job.info_hash_v1  # qBittorrent names v2 torrents so
    try:
        settled(qbittorrent, hash_id)
        assert_complete_after_a_recheck(qbittorrent, hash_id)
    finally:
        qbittorrent.api("POST", "torrents/delete", data={"hashes": hash_id, "deleteFiles": "false"})


def test_cancel_stops_local_hashing_within_a_second(
    user_client, mapped_instance, content, worker, qbittorrent
):
    host, qbt = content
    (host / "Huge").mkdir()
    with open(host / "Huge" / "zeros.bin", "wb") as handle:
        handle.truncate(64 * 1024**3)
    body = submit(user_client, path=f"{qbt}/Huge", engine="local", pieceSize=16 * 1024**2)
    wait_for(body["id"], {"hashing"}, worker=worker)
    # while it hashes, the job says which file and about how long is left
    deadline = time.monotonic() + 30
    while not (shown := user_client.get(f"/api/jobs/{body['id']}").json())["currentFile"]:
        assert time.monotonic() < deadline, shown
        time.sleep(0.1)
    assert shown["currentFile"] == "Huge/zeros.bin"
    assert isinstance(shown["etaS"], int) and shown["progress"] > 0
    page = user_client.get(f"/jobs/{body['id']}/").content.decode()
    assert "Hashing <code>Huge/zeros.bin</code>" in page
    cancelled_at = time.monotonic()
    assert user_client.post(f"/api/jobs/{body['id']}/cancel").json()["state"] == "cancelled"
    while DBTaskResult.objects.filter(status="RUNNING").exists():
        assert time.monotonic() - cancelled_at < 2.5, "the worker is still hashing"
        time.sleep(0.05)
    cancelled = Job.objects.get(pk=body["id"])
    assert cancelled.state == "cancelled" and cancelled.current_file == ""


def test_verify_reports_good_bad_and_missing_content_file_by_file(
    user_client, mapped_instance, content, worker, qbittorrent, settings
):
    host, qbt = content
    write(host, {"Set/a.bin": b"a" * 50_000, "Set/b.bin": b"b" * 50_000, "Set/c.bin": b"c" * 10})
    data = make_torrent(host / "Set", piece_size=16_384)

    def verify():
        response = user_client.post(
            "/api/torrents/verify", {"torrent": _upload(data), "path": f"{qbt}/Set"}
        )
        assert response.status_code == 201, response.content
        return wait_for(response.json()["id"], worker=worker)

    good = verify()
    assert good.state == "completed", good.error
    assert good.verify_report["ok"] is True
    (host / "Set" / "b.bin").write_bytes(b"b" * 20_000 + b"X" + b"b" * 29_999)
    (host / "Set" / "c.bin").unlink()
    bad = verify().verify_report
    assert bad["ok"] is False
    statuses = {f["path"]: f["status"] for f in bad["files"]}
    assert statuses == {"Set/a.bin": "ok", "Set/b.bin": "corrupt", "Set/c.bin": "missing"}
    assert bad["badPieceCount"] >= 1
    page = user_client.get(f"/api/jobs/{good.pk}").json()
    assert page["kind"] == "verify" and page["verifyReport"]["ok"] is True

    # "Retry" checks the same .torrent again: the content changed since, and it says so
    retried = user_client.post(f"/api/jobs/{good.pk}/retry").json()
    assert retried["kind"] == "verify" and retried["name"] == "Set"
    again = wait_for(retried["id"], worker=worker)
    assert again.state == "completed", again.error
    assert again.verify_report["ok"] is False

    # with the mapping gone, a check fails saying why instead of calling every file missing
    mapped_instance.path_mappings = []
    mapped_instance.save()
    unmapped = wait_for(user_client.post(f"/api/jobs/{good.pk}/retry").json()["id"], worker=worker)
    assert unmapped.state == "failed"
    assert "is not under any path mapping" in unmapped.error
    (settings.TORRENTS_DIR / good.options["input_torrent"]).unlink()
    gone = user_client.post(f"/api/jobs/{good.pk}/retry")
    assert gone.status_code == 410
    assert "no longer stored" in gone.json()["detail"]


def test_names_that_are_not_utf8_are_hashed_and_shown_with_a_replacement_character(
    user_client, mapped_instance, content, worker, qbittorrent
):
    host, qbt = content
    (host / "Odd").mkdir()
    with open(os.fsencode(host / "Odd") + b"/caf\xe9.bin", "wb") as handle:
        handle.write(b"c" * 40_000)
    job = wait_for(submit(user_client, path=f"{qbt}/Odd", engine="local")["id"], worker=worker)
    assert job.state == "completed", job.error
    data = user_client.get(f"/api/jobs/{job.pk}/torrent").content
    assert files_of(torrent_info(data))[0][1] == 40_000
    response = user_client.post(
        "/api/torrents/verify", {"torrent": _upload(data), "path": f"{qbt}/Odd"}
    )
    checked = wait_for(response.json()["id"], worker=worker)
    assert checked.state == "completed", checked.error
    assert checked.verify_report["ok"] is True
    assert checked.verify_report["files"][0]["path"] == "Odd/caf\ufffd.bin"
    page = user_client.get(f"/jobs/{checked.pk}/")
    assert page.status_code == 200 and "Odd/caf\ufffd.bin" in page.content.decode()


def _upload(data: bytes):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("x.torrent", data, content_type="application/x-bittorrent")


def test_inspect_shows_what_libtorrent_reads(user_client, tmp_path):
    write(tmp_path / "Album", {"01.flac": b"a" * 30_000, "02.flac": b"b" * 20_000})
    data = make_torrent(
        tmp_path / "Album",
        format="hybrid",
        private=True,
        trackers=[["http://127.0.0.1:9/a"], ["http://127.0.0.1:9/b"]],
    )
    body = user_client.post("/api/torrents/inspect", {"torrent": _upload(data)}).json()
    assert (body["infoHashV1"], body["infoHashV2"]) == hashes(torrent_info(data))
    assert body["trackers"] == [["http://127.0.0.1:9/a"], ["http://127.0.0.1:9/b"]]
    assert (body["private"], body["fileCount"], body["totalSize"]) == (True, 2, 50_000)
    info = torrent_info(data)
    assert (body["name"], body["pieceSize"]) == ("Album", info.piece_length())
    assert body["magnet"].startswith(f"magnet:?xt=urn:btih:{body['infoHashV1']}")
    assert f"xt=urn:btmh:1220{body['infoHashV2']}" in body["magnet"]
    bad = user_client.post("/api/torrents/inspect", {"torrent": _upload(b"nonsense")})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "torrent"


def test_an_upload_too_large_for_a_torrent_is_refused_unread(user_client, monkeypatch):
    monkeypatch.setattr("creator.torrents.MAX_TORRENT_BYTES", 1000)
    refused = user_client.post("/api/torrents/inspect", {"torrent": _upload(b"d" * 1001)})
    assert refused.status_code == 422
    assert refused.json()["errors"] == [
        {"field": "torrent", "message": "This file is too large to be a .torrent."}
    ]

    class Unreadable:
        size = 1001

        def read(self):
            raise AssertionError("the upload was read into memory")

    with pytest.raises(InvalidJob):
        upload_data(Unreadable())


def test_edit_makes_a_new_torrent_without_rehashing(
    user_client, qbt_instance, content, worker, settings
):
    host, qbt = content
    write(host, {"Ed/a.bin": b"e" * 60_000})
    done = wait_for(submit(user_client, path=f"{qbt}/Ed", source="ONE")["id"], worker=worker)
    same = user_client.post(
        f"/api/jobs/{done.pk}/edit",
        {"trackers": [["http://127.0.0.1:9/new"]], "comment": "edited"},
        content_type="application/json",
    )
    assert same.status_code == 201, same.content
    assert same.json()["kind"] == "edit" and same.json()["state"] == "completed"
    assert same.json()["result"]["infoHashV1"] == done.info_hash_v1
    moved = user_client.post(
        f"/api/jobs/{done.pk}/edit", {"source": "TWO"}, content_type="application/json"
    ).json()
    assert moved["result"]["infoHashV1"] != done.info_hash_v1
    data = user_client.get(f"/api/jobs/{moved['id']}/torrent").content
    assert metainfo.read(data).source == "TWO"
    assert hashes(torrent_info(data))[0] == moved["result"]["infoHashV1"]

    malformed = user_client.post(
        f"/api/jobs/{done.pk}/edit",
        {"trackers": [["not a url"]]},
        content_type="application/json",
    )
    assert malformed.status_code == 422
    assert malformed.json()["errors"][0]["field"] == "trackers"
    (settings.TORRENTS_DIR / done.torrent_file).unlink()
    gone = user_client.post(
        f"/api/jobs/{done.pk}/edit", {"comment": "x"}, content_type="application/json"
    )
    assert gone.status_code == 410 and "missing" in gone.json()["detail"]
