"""Where job progress goes: the owner's channel-layer group and the staff group."""

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

STAFF_GROUP = "jobs.staff"
MESSAGE_TYPE = "job.progress"


def user_group(user_id: int) -> str:
    return f"jobs.user.{user_id}"


def progress_broadcast(*, owner_id: int, event: dict) -> None:
    """Send one progress event to every socket watching this owner's jobs (and to staff)."""
    layer = get_channel_layer()
    message = {"type": MESSAGE_TYPE, "event": event}
    async_to_sync(layer.group_send)(user_group(owner_id), message)
    async_to_sync(layer.group_send)(STAFF_GROUP, message)
