from channels.generic.websocket import AsyncJsonWebsocketConsumer

from creator.progress import STAFF_GROUP, user_group

# 4401/4403 mirror HTTP 401/403 in the WebSocket close-code range reserved for applications.
CLOSE_NOT_AUTHENTICATED = 4401


class ProgressConsumer(AsyncJsonWebsocketConsumer):
    """Forwards progress events of the user's own jobs (every job's, for staff)."""

    async def connect(self):
        user = self.scope.get("user")
        if user is None or not user.is_authenticated or not user.is_active:
            await self.close(code=CLOSE_NOT_AUTHENTICATED)
            return
        self.groups_joined = [STAFF_GROUP] if user.is_staff else [user_group(user.pk)]
        for group in self.groups_joined:
            await self.channel_layer.group_add(group, self.channel_name)
        await self.accept()

    async def disconnect(self, code):
        for group in getattr(self, "groups_joined", []):
            await self.channel_layer.group_discard(group, self.channel_name)

    async def job_progress(self, message):
        await self.send_json(message["event"])
