import asyncio
import logging
import time
from datetime import timedelta

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.conf import settings
from django.utils import timezone

from accounts.permissions import VIEW_JOBS
from creator.progress import STAFF_GROUP, user_group

logger = logging.getLogger(__name__)

# 4401/4403 mirror HTTP 401/403 in the WebSocket close-code range reserved for applications.
CLOSE_NOT_AUTHENTICATED = 4401
CLOSE_FORBIDDEN = 4403
GROUP_REJOIN_S = 60


@database_sync_to_async
def _changed_jobs(user, since):
    from creator.jobs import job_event
    from creator.models import Job

    jobs = Job.objects.filter(updated_at__gt=since)
    if not user.is_staff:
        jobs = jobs.filter(owner=user)
    return [job_event(job) for job in jobs.order_by("updated_at")[:200]]


class ProgressConsumer(AsyncJsonWebsocketConsumer):
    """Forwards progress events of the user's own jobs (every job's, for staff).

    Events arrive through the channel layer, and the consumer also reads recent changes from
    the database: with the in-memory layer the worker's messages cannot cross processes, and
    with Redis down they cannot travel at all. Each job's event is sent once per change.
    """

    async def connect(self):
        user = self.scope.get("user")
        if user is None or not user.is_authenticated or not user.is_active:
            await self.close(code=CLOSE_NOT_AUTHENTICATED)
            return
        if not await database_sync_to_async(user.has_perm)(VIEW_JOBS):
            await self.close(code=CLOSE_FORBIDDEN)
            return
        self.user = user
        self.sent: dict[int, str] = {}  # job id -> updatedAt of the last event sent
        self.groups_wanted = [STAFF_GROUP] if user.is_staff else [user_group(user.pk)]
        await self._join_groups()
        await self.accept()
        self.poller = asyncio.ensure_future(self._poll())

    async def _join_groups(self) -> None:
        try:
            for group in self.groups_wanted:
                await self.channel_layer.group_add(group, self.channel_name)
        except Exception:  # the channel layer is down: database polling still works
            logger.debug("Could not join %s (channel layer down)", self.groups_wanted)

    async def disconnect(self, code):
        poller = getattr(self, "poller", None)
        if poller is not None:
            poller.cancel()
        for group in getattr(self, "groups_wanted", []):
            try:
                await self.channel_layer.group_discard(group, self.channel_name)
            except Exception:
                logger.debug("Could not leave %s (channel layer down)", group)

    async def _poll(self):
        since = timezone.now()
        joined = time.monotonic()
        while True:
            await asyncio.sleep(settings.PROGRESS_POLL_S)
            # Joined again now and then: Redis forgets groups when it restarts, and after a
            # day (channels-redis' group expiry) even when it does not.
            if time.monotonic() - joined > GROUP_REJOIN_S:
                joined = time.monotonic()
                await self._join_groups()
            checked = timezone.now()
            try:
                events = await _changed_jobs(self.user, since)
            except Exception:  # the database is restarting: try again at the next tick
                logger.debug("Progress poll failed", exc_info=True)
                continue
            since = checked - timedelta(seconds=1)  # rows committed meanwhile
            for event in events:
                await self._send_once(event)

    async def _send_once(self, event: dict):
        job, stamp = event.get("job"), event.get("updatedAt")
        if job is not None and stamp:
            if self.sent.get(job, "") >= stamp:
                return
            self.sent[job] = stamp
        await self.send_json(event)

    async def job_progress(self, message):
        await self._send_once(message["event"])
