"""Creation jobs through real qBittorrent 5.1 and 5.3 and a real db_worker."""

import pytest

from creator import metainfo
from tests.creator.conftest import wait_for
from tests.harness.content import write
from tests.harness.oracle import hashes, tiers, torrent_info

pytestmark = [pytest.mark.qbittorrent, pytest.mark.slow]
KiB = 1024

TIERS = [
    ["http://127.0.0.1:9/announce", "http://127.0.0.1:9/b/announce"],
    ["udp://127.0.0.1:9/announce"],
]


def submit(client, **body):
    return client.post("/api/jobs", body, content_type="application/json")


@pytest.mark.parametrize("format", ["v1", "v2", "hybrid"])
def test_a_job_makes_the_torrent_asked_for(user_client, qbt_instance, content, worker, format):
    host, qbt = content
    write(
        host,
        {
            "Album/01.flac": b"a" * 300_000,
            "Album/02.flac": b"b" * 200_000,
            "Album/cover.jpg": b"c" * 1000,
        },
    )
    response = submit(
        user_client,
        path=f"{qbt}/Album",
        trackers=TIERS,
        private=True,
        source="TSM",
        comment="made by a test",
        webSeeds=["http://127.0.0.1:9/ws/"],
        format=format,
        pieceSize=64 * KiB,
    )
    assert response.status_code == 201, response.content
    job = wait_for(response.json()["id"], worker=worker)
    assert job.state == "completed", (job.error, worker.log()[-3000:])
    data = user_client.get(f"/api/jobs/{job.pk}/torrent")
    assert data.status_code == 200
    assert data["Content-Type"] == "application/x-bittorrent"
    torrent = b"".join(data.streaming_content) if data.streaming else data.content
    info = torrent_info(torrent)
    assert tiers(info) == TIERS
    assert info.priv() is True
    assert info.comment() == "made by a test"
    assert info.piece_length() == 64 * KiB
    assert metainfo.read(torrent).web_seeds == ("http://127.0.0.1:9/ws/",)
    assert metainfo.read(torrent).source == "TSM"
    v1, v2 = hashes(info)
    assert (job.info_hash_v1 or None, job.info_hash_v2 or None) == (v1, v2)
    assert (v1 is not None, v2 is not None) == (format != "v2", format != "v1")
    body = user_client.get(f"/api/jobs/{job.pk}").json()
    assert body["result"]["fileCount"] == 3
    assert body["result"]["totalSize"] == 501_000
    assert body["result"]["trackers"] == TIERS
    assert body["percentage"] == 100.0
