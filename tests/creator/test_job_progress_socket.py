"""A job's progress reaches its owner's socket from the worker process, and no one else's."""

import asyncio

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.test import Client

from creator.consumers import ProgressConsumer

pytestmark = [pytest.mark.qbittorrent, pytest.mark.slow]
ROUTE = "/ws/torrent-progress"


async def connect(user) -> WebsocketCommunicator:
    socket = WebsocketCommunicator(ProgressConsumer.as_asgi(), ROUTE)
    socket.scope["user"] = user
    connected, _ = await socket.connect()
    assert connected
    return socket


@pytest.mark.django_db(transaction=True)
async def test_the_owner_watches_a_job_to_completion_and_another_user_sees_nothing(
    user, other_user, qbt_instance, content, worker
):
    host, qbt = content
    (host / "Movie").mkdir()
    with open(host / "Movie" / "movie.mkv", "wb") as handle:
        handle.truncate(512 * 1024 * 1024)
    mine, theirs = await connect(user), await connect(other_user)
    client = Client()
    await sync_to_async(client.force_login)(user)
    response = await sync_to_async(client.post)(
        "/api/jobs", {"path": f"{qbt}/Movie", "pieceSize": 65536}, content_type="application/json"
    )
    assert response.status_code == 201, response.content
    job_id = response.json()["id"]
    events = []
    async with asyncio.timeout(90):
        while not events or events[-1]["state"] not in ("completed", "failed"):
            event = await mine.receive_json_from(timeout=60)
            assert event["job"] == job_id
            events.append(event)
    assert events[-1]["state"] == "completed", events[-1]
    assert events[-1]["percentage"] == 100.0
    percentages = [e["percentage"] for e in events]
    assert percentages == sorted(percentages)
    assert {"queued", "submitted", "hashing", "finalizing"} & {e["state"] for e in events}
    assert await theirs.receive_nothing(timeout=1)
    await mine.disconnect()
    await theirs.disconnect()
