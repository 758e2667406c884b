"""Seeding a torrent of a folder that holds one file, against real qBittorrent processes.

A v2-only torrent of such a folder names the folder but its file tree holds the file alone
(BEP 52), so libtorrent reads it as a single-file torrent: qBittorrent must be given the
folder as save path, where the file is, not the folder's parent.
"""

import pytest

from tests.creator.conftest import wait_for
from tests.creator.test_local_engine import assert_complete_after_a_recheck, settled
from tests.factories import mapped_instance_for
from tests.harness.content import write

pytestmark = [pytest.mark.qbittorrent, pytest.mark.slow]


@pytest.fixture
def mapped_instance(transactional_db, qbittorrent):
    return mapped_instance_for(qbittorrent)


@pytest.mark.parametrize("format", ["v2", "hybrid"])
@pytest.mark.parametrize(
    ("engine", "name"),
    [("local", None), ("qbittorrent", None), ("local", "New.Name.2024")],
    ids=["local", "qbittorrent", "local renamed"],
)
def test_a_folder_holding_one_file_is_seeded_complete(
    user_client, mapped_instance, content, worker, qbittorrent, format, engine, name
):
    host, qbt = content
    # bytes of its own: a v2 info hash depends on the name and the content alone, and another
    # test's torrent of the same content might still be in this qBittorrent
    write(host, {"Folder/only.bin": host.name.encode() * 7_001})
    response = user_client.post(
        "/api/jobs",
        {
            "path": f"{qbt}/Folder",
            "engine": engine,
            "format": format,
            "pieceSize": 16_384,
            "startSeeding": True,
            **({"name": name} if name else {}),
        },
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    job = wait_for(response.json()["id"], worker=worker)
    assert job.state == "completed", job.error
    assert job.seeding.startswith("Seeding in qBittorrent"), job.seeding
    hash_id = job.info_hash_v2[:40]  # qBittorrent names v2 and hybrid torrents so
    try:
        torrent = settled(qbittorrent, hash_id)
        listed = qbittorrent.api("GET", "torrents/files", params={"hash": hash_id}).json()
        # qBittorrent looks for the file where it is on disk
        on_disk = [
            str(qbittorrent.host_path(f"{torrent['save_path'].rstrip('/')}/{f['name']}"))
            for f in listed
        ]
        assert on_disk == [str(host / "Folder" / "only.bin")], (torrent, listed)
        assert_complete_after_a_recheck(qbittorrent, hash_id)
    finally:
        qbittorrent.api("POST", "torrents/delete", data={"hashes": hash_id, "deleteFiles": "false"})
