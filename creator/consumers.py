import asyncio
import contextlib
import logging
import time
import weakref
from datetime import datetime, timedelta
from importlib import import_module
from types import SimpleNamespace

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from channels.layers import get_channel_layer
from django.conf import settings
from django.utils import timezone

from accounts.permissions import VIEW_JOBS
from creator.progress import PROGRESS_GROUP

logger = logging.getLogger(__name__)

# 4401/4403 mirror HTTP 401/403 in the WebSocket close-code range reserved for applications.
CLOSE_NOT_AUTHENTICATED = 4401
CLOSE_FORBIDDEN = 4403
GROUP_REJOIN_S = 60
# A socket's rights are read again this often: a logout, a deactivation or a lost role ends
# the socket within this time rather than when the browser closes it.
RIGHTS_RECHECK_S = 15.0
CHANGES_PER_POLL = 1000
# What job_event reads: each process reads changed jobs every PROGRESS_POLL_S.
EVENT_FIELDS = (
    "owner_id",
    "state",
    "progress",
    "eta_s",
    "current_file",
    "waiting_reason",
    "error",
    "name",
    "updated_at",
)


@database_sync_to_async
def _changed_jobs(since) -> list[tuple[int, dict]]:
    """(owner id, event) of every job changed after `since`, oldest change first."""
    from creator.jobs import job_event
    from creator.models import Job

    jobs = (
        Job.objects.filter(updated_at__gt=since)
        .order_by("updated_at")
        .only(*EVENT_FIELDS)  # not the options, report and tracker columns
    )
    return [(job.owner_id, job_event(job)) for job in jobs[:CHANGES_PER_POLL]]


@database_sync_to_async
def _rights_now(scope: dict, user_id: int):
    """(user, None) while the socket's user may still see jobs, else (None, close code): the
    session may have been logged out, the user deactivated or moved out of their role."""
    from django.contrib.auth import get_user, get_user_model

    session = scope.get("session")
    if session is not None and session.session_key:
        store = import_module(settings.SESSION_ENGINE).SessionStore(session.session_key)
        user = get_user(SimpleNamespace(session=store))  # reads the session afresh
    else:  # a socket opened without a session (the tests' communicators)
        user = get_user_model().objects.filter(pk=user_id).first()
    if user is None or not user.is_authenticated or user.pk != user_id or not user.is_active:
        return None, CLOSE_NOT_AUTHENTICATED
    if not user.has_perm(VIEW_JOBS):
        return None, CLOSE_FORBIDDEN
    return user, None


class ProgressFeed:
    """Job progress for all the sockets of one process (one event loop), from two sources.

    The channel layer's messages: the feed is the process's one member of the progress group,
    so a broadcast costs Redis one message per process rather than one per socket (a daphne
    popping one message per socket fell seconds behind with a hundred sockets). And a poll of
    the database, once per process: with the in-memory layer the worker's messages cannot
    cross processes, and with Redis down they cannot travel at all.
    """

    feeds: "weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, ProgressFeed]" = (
        weakref.WeakKeyDictionary()
    )

    def __init__(self):
        self.consumers: set[ProgressConsumer] = set()
        self.tasks: list[asyncio.Task] = []
        self.channel = ""
        self.joined_at: float | None = None

    @classmethod
    def current(cls) -> "ProgressFeed":
        return cls.feeds.setdefault(asyncio.get_running_loop(), cls())

    def add(self, consumer: "ProgressConsumer") -> None:
        self.consumers.add(consumer)
        if not self.tasks:
            self.tasks = [
                asyncio.ensure_future(self._listen()),
                asyncio.ensure_future(self._poll()),
            ]

    async def remove(self, consumer: "ProgressConsumer") -> None:
        self.consumers.discard(consumer)
        if self.consumers or not self.tasks:
            return
        # Taken before waiting: a socket arriving meanwhile starts the feed afresh.
        tasks, channel = self.tasks, self.channel
        self.tasks, self.channel, self.joined_at = [], "", None
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        with contextlib.suppress(Exception):  # the layer is down: the group forgets it anyway
            await get_channel_layer().group_discard(PROGRESS_GROUP, channel)

    async def _send(self, owner_id: int, event: dict) -> None:
        for consumer in list(self.consumers):
            if consumer.may_see(owner_id):
                try:
                    await consumer.send_once(event)
                except Exception:  # a socket closing meanwhile; the others still get theirs
                    logger.debug("Could not send progress to a socket", exc_info=True)

    async def _recheck_rights(self) -> None:
        now = time.monotonic()
        answers = {}  # a user's tabs share a session: read once per round
        for consumer in list(self.consumers):
            if now - consumer.rights_checked_at < RIGHTS_RECHECK_S:
                continue
            session = consumer.scope.get("session")
            key = (consumer.user.pk, session.session_key if session is not None else None)
            try:
                if key not in answers:
                    answers[key] = await _rights_now(consumer.scope, consumer.user.pk)
                user, close_code = answers[key]
            except Exception:  # the database is restarting: the rights stand until next time
                logger.debug("Could not read a socket's rights", exc_info=True)
                continue
            consumer.rights_checked_at = now
            if user is not None:
                consumer.user = user  # staff status may have changed either way
                continue
            self.consumers.discard(consumer)
            with contextlib.suppress(Exception):
                await consumer.close(code=close_code)

    async def _join(self) -> None:
        try:
            await get_channel_layer().group_add(PROGRESS_GROUP, self.channel)
        except Exception:  # the channel layer is down: database polling still works
            logger.debug("Could not join %s (channel layer down)", PROGRESS_GROUP)
        else:
            self.joined_at = time.monotonic()

    async def _listen(self) -> None:
        layer = get_channel_layer()
        self.channel = await layer.new_channel()
        await self._join()
        while True:
            message = await layer.receive(self.channel)
            if "owner" in message and "event" in message:
                await self._send(message["owner"], message["event"])

    async def _poll(self) -> None:
        since = timezone.now()
        while True:
            await asyncio.sleep(settings.PROGRESS_POLL_S)
            await self._recheck_rights()
            # Joined again now and then: Redis forgets groups when it restarts, and after a
            # day (channels-redis' group expiry) even when it does not.
            if self.channel and (
                self.joined_at is None or time.monotonic() - self.joined_at > GROUP_REJOIN_S
            ):
                await self._join()
            checked = timezone.now()
            try:
                changes = await _changed_jobs(since)
            except Exception:  # the database is restarting: try again at the next tick
                logger.debug("Progress poll failed", exc_info=True)
                continue
            if len(changes) == CHANGES_PER_POLL:  # the rest at the next tick
                last = datetime.fromisoformat(changes[-1][1]["updatedAt"])
                since = last - timedelta(microseconds=1)
            else:
                since = checked - timedelta(seconds=1)  # rows committed meanwhile
            for owner_id, event in changes:
                await self._send(owner_id, event)


class ProgressConsumer(AsyncJsonWebsocketConsumer):
    """Forwards progress events of the user's own jobs (every job's, for staff), as its
    process's ProgressFeed hands them on. Each job's event is sent once per change."""

    async def connect(self):
        user = self.scope.get("user")
        if user is None or not user.is_authenticated or not user.is_active:
            await self.close(code=CLOSE_NOT_AUTHENTICATED)
            return
        if not await database_sync_to_async(user.has_perm)(VIEW_JOBS):
            await self.close(code=CLOSE_FORBIDDEN)
            return
        self.user = user
        self.rights_checked_at = time.monotonic()
        self.sent: dict[int, str] = {}  # job id -> updatedAt of the last event sent
        await self.accept()
        ProgressFeed.current().add(self)

    async def disconnect(self, code):
        await ProgressFeed.current().remove(self)

    async def receive(self, text_data=None, bytes_data=None, **kwargs):
        """The socket only speaks: what a client sends is ignored, JSON or not (a frame that
        is not JSON ended the socket with an error)."""

    def may_see(self, owner_id: int) -> bool:
        return self.user.is_staff or owner_id == self.user.pk

    async def send_once(self, event: dict):
        job, stamp = event.get("job"), event.get("updatedAt")
        if job is not None and stamp:
            if self.sent.get(job, "") >= stamp:
                return
            self.sent[job] = stamp
        await self.send_json(event)
