"""The Redis channel layer, made to outlast Redis going away.

channels' consumers read their channel in the same loop as their socket: with the stock layer,
Redis stopping makes every receive raise, which ends every WebSocket (close 1011) and keeps
ending the new ones. Here a receive waits for Redis to come back instead; meanwhile the sockets
stay open and get progress by database polling (creator/consumers.py). And once Redis is back,
the connections opened before it stopped are dead: each command is tried once more on a new
connection rather than failing the first caller to draw one from the pool.
"""

import asyncio
import logging

from channels_redis.core import RedisChannelLayer as StockRedisChannelLayer
from channels_redis.utils import create_pool
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

RECEIVE_RETRY_S = 1.0


class RedisChannelLayer(StockRedisChannelLayer):
    def create_pool(self, index):
        return create_pool({"retry_on_error": [RedisConnectionError], **self.hosts[index]})

    async def receive(self, channel):
        while True:
            try:
                return await super().receive(channel)
            except (RedisError, OSError) as error:
                logger.debug("Channel layer receive failed (%s); retrying", error)
                await asyncio.sleep(RECEIVE_RETRY_S)
