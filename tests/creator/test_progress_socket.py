"""The progress socket: session-authenticated, origin-checked, each user hears only their jobs."""

import asyncio

import pytest
from asgiref.sync import sync_to_async
from channels.layers import get_channel_layer
from channels.testing import WebsocketCommunicator

from config.asgi import application
from creator.consumers import ProgressConsumer
from creator.progress import PROGRESS_GROUP, progress_broadcast
from tests.factories import StaffFactory, UserFactory

ROUTE = "/ws/torrent-progress"
pytestmark = pytest.mark.django_db(transaction=True)


async def connect_as(user) -> WebsocketCommunicator:
    communicator = WebsocketCommunicator(ProgressConsumer.as_asgi(), ROUTE)
    communicator.scope["user"] = user
    connected, _ = await communicator.connect()
    assert connected
    return communicator


async def session_socket(client, user) -> WebsocketCommunicator:
    await sync_to_async(client.force_login)(user)
    cookie = f"sessionid={client.cookies['sessionid'].value}".encode()
    communicator = WebsocketCommunicator(
        application,
        ROUTE,
        headers=[(b"origin", b"http://localhost"), (b"host", b"localhost"), (b"cookie", cookie)],
    )
    connected, _ = await communicator.connect()
    assert connected
    return communicator


async def test_a_user_receives_their_own_events_and_not_others():
    alice, bob = await sync_to_async(UserFactory)(), await sync_to_async(UserFactory)()
    alice_socket, bob_socket = await connect_as(alice), await connect_as(bob)
    event = {"job": 7, "state": "hashing", "phase": "hashing", "percentage": 42.0, "eta_s": 9}
    await sync_to_async(progress_broadcast)(owner_id=alice.pk, event=event)
    assert await alice_socket.receive_json_from(timeout=2) == event
    assert await bob_socket.receive_nothing(timeout=0.3)
    await alice_socket.disconnect()
    await bob_socket.disconnect()


async def test_staff_receive_every_users_events():
    alice, admin = await sync_to_async(UserFactory)(), await sync_to_async(StaffFactory)()
    staff_socket = await connect_as(admin)
    await sync_to_async(progress_broadcast)(owner_id=alice.pk, event={"job": 1, "state": "queued"})
    assert (await staff_socket.receive_json_from(timeout=2))["job"] == 1
    await staff_socket.disconnect()


async def progress_group_size() -> int:
    layer = get_channel_layer()
    if hasattr(layer, "groups"):  # in memory
        return len(layer.groups.get(PROGRESS_GROUP, {}))
    connection = layer.connection(layer.consistent_hash(PROGRESS_GROUP))
    return await connection.zcard(layer._group_key(PROGRESS_GROUP))


async def test_a_process_receives_each_event_once_however_many_sockets_it_serves():
    # A group member per socket made a busy daphne fall seconds behind (bench/load.py).
    before = await progress_group_size()
    alice, bob = await sync_to_async(UserFactory)(), await sync_to_async(UserFactory)()
    admin = await sync_to_async(StaffFactory)()
    sockets = [await connect_as(user) for user in (alice, alice, bob, admin)]
    assert await progress_group_size() == before + 1
    event = {"job": 5, "state": "hashing", "updatedAt": "2026-11-26T01:00:00+00:00"}
    await sync_to_async(progress_broadcast)(owner_id=alice.pk, event=event)
    for socket in (sockets[0], sockets[1], sockets[3]):
        assert await socket.receive_json_from(timeout=2) == event
    assert await sockets[2].receive_nothing(timeout=0.3)
    for socket in sockets:
        await socket.disconnect()
    assert await progress_group_size() == before


async def test_a_socket_from_a_foreign_origin_is_refused():
    communicator = WebsocketCommunicator(
        application, ROUTE, headers=[(b"origin", b"http://evil.example"), (b"host", b"localhost")]
    )
    connected, _ = await communicator.connect()
    assert not connected


async def test_the_session_cookie_authenticates_the_socket(client, user):
    communicator = await session_socket(client, user)
    await sync_to_async(progress_broadcast)(owner_id=user.pk, event={"job": 3})
    assert await communicator.receive_json_from(timeout=2) == {"job": 3}
    await communicator.disconnect()


@pytest.mark.slow
async def test_a_socket_quiet_for_longer_than_the_layers_wait_still_hears_the_next_event():
    # The Redis layer waits up to 5 s for a message (BZPOPMIN), then asks again; redis-py 8
    # gave up reading after 5 s by default, which closed quiet sockets with 1011.
    alice = await sync_to_async(UserFactory)()
    socket = await connect_as(alice)
    assert await socket.receive_nothing(timeout=7, interval=0.5)
    event = {"job": 3, "state": "hashing"}
    await sync_to_async(progress_broadcast)(owner_id=alice.pk, event=event)
    assert await socket.receive_json_from(timeout=2) == event
    await socket.disconnect()


async def closed_with(socket: WebsocketCommunicator) -> int:
    """The close code of a socket the server ends, skipping events sent before."""
    while True:
        output = await socket.receive_output(timeout=5)
        if output["type"] == "websocket.close":
            return output["code"]


@pytest.fixture
def rights_read_at_each_poll(monkeypatch, settings):
    monkeypatch.setattr("creator.consumers.RIGHTS_RECHECK_S", 0.0)
    settings.PROGRESS_POLL_S = 0.1


async def test_logging_out_ends_the_socket(client, user, rights_read_at_each_poll):
    socket = await session_socket(client, user)
    await sync_to_async(client.logout)()
    assert await closed_with(socket) == 4401


async def test_a_deactivated_user_or_one_without_a_role_loses_the_socket(
    client, rights_read_at_each_poll
):
    alice = await sync_to_async(UserFactory)()
    socket = await session_socket(client, alice)
    await sync_to_async(type(alice).objects.filter(pk=alice.pk).update)(is_active=False)
    assert await closed_with(socket) == 4401
    bob = await sync_to_async(UserFactory)()
    socket = await session_socket(client, bob)
    await sync_to_async(bob.groups.clear)()
    assert await closed_with(socket) == 4403


async def test_staff_demoted_stop_hearing_other_users_jobs(client, rights_read_at_each_poll):
    alice, admin = await sync_to_async(UserFactory)(), await sync_to_async(StaffFactory)()
    socket = await session_socket(client, admin)
    await sync_to_async(type(admin).objects.filter(pk=admin.pk).update)(is_staff=False)
    await asyncio.sleep(0.5)  # a few polls
    await sync_to_async(progress_broadcast)(owner_id=alice.pk, event={"job": 9, "name": "hers"})
    assert await socket.receive_nothing(timeout=0.5)
    await sync_to_async(progress_broadcast)(owner_id=admin.pk, event={"job": 10})
    assert await socket.receive_json_from(timeout=2) == {"job": 10}
    await socket.disconnect()


async def test_what_a_client_sends_is_ignored_and_the_socket_stays(user):
    socket = await connect_as(user)
    await socket.send_to(text_data="not json")
    await socket.send_to(text_data='{"subscribe": 1}')
    await sync_to_async(progress_broadcast)(owner_id=user.pk, event={"job": 4})
    assert await socket.receive_json_from(timeout=2) == {"job": 4}
    await socket.disconnect()
