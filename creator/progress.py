"""Where job progress goes: one channel-layer group, which each web process's progress feed
joins once (creator/consumers.py) and hands on to the sockets that may see the job."""

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

PROGRESS_GROUP = "jobs.progress"
MESSAGE_TYPE = "job.progress"


def progress_broadcast(*, owner_id: int, event: dict) -> None:
    """Send one progress event to every socket watching this owner's jobs (and to staff)."""
    message = {"type": MESSAGE_TYPE, "owner": owner_id, "event": event}
    async_to_sync(get_channel_layer().group_send)(PROGRESS_GROUP, message)
