"""The Redis channel layer, made to outlast Redis going away.

channels' consumers read their channel in the same loop as their socket: with the stock layer,
Redis stopping makes every receive raise, which ends every WebSocket (close 1011) and keeps
ending the new ones. Here a receive waits for Redis to come back instead; meanwhile the sockets
stay open and get progress by database polling (creator/consumers.py). And once Redis is back,
the connections opened before it stopped are dead: each command is tried once more on a new
connection rather than failing the first caller to draw one from the pool.

A receive blocks in Redis for up to 5 s (BZPOPMIN) and asks again; redis-py gives up reading
after 5 s by default, so a quiet socket could time out mid-wait and lose the message it was
popping (channels_redis#422). Reads here wait longer than that, so only a Redis that stopped
answering times out.
"""

import asyncio
import logging

from channels_redis.core import RedisChannelLayer as StockRedisChannelLayer
from channels_redis.utils import create_pool
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

RECEIVE_RETRY_S = 1.0
SOCKET_TIMEOUT_S = 15


class RedisChannelLayer(StockRedisChannelLayer):
    def create_pool(self, index):
        return create_pool(
            {
                "retry_on_error": [RedisConnectionError],
                "socket_timeout": SOCKET_TIMEOUT_S,
                **self.hosts[index],
            }
        )

    async def receive(self, channel):
        while True:
            try:
                return await super().receive(channel)
            except (RedisError, OSError) as error:
                logger.debug("Channel layer receive failed (%s); retrying", error)
                await asyncio.sleep(RECEIVE_RETRY_S)
