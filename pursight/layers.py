"""The Redis channel layer of the live feed: pub/sub fan-out, a fixed number of connections,
and Redis errors that degrade the feed instead of closing sockets.

channels-redis' default layer gives every socket its own Redis list and fans an event out as one
message per socket, each popped by the web process in its own round trip, and it borrows a pool
connection for every join and leave: with a few hundred sockets the pool (100 connections) runs
out (``MaxConnectionsError``, consumers die, sockets close with 1011) and an event takes hundreds
of milliseconds to reach the last socket. Its pub/sub layer, which this one extends, subscribes
each web process once per page (group) and delivers an event to all the process' sockets from
memory: one Redis message per process and event, and two Redis connections per process (one
subscribed, one publishing) whatever the number of sockets.

On top of it, every operation retries a transient Redis error with backoff and the first error of
a kind is logged once (and the recovery too). What still fails after the retries is raised to the
consumer, which answers the client and keeps the socket (:mod:`pursight.consumers`). A consumer's
own channel is created even while Redis is down (it is only needed for direct sends, which the
live feed does not use), so that sockets can connect and wait.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from channels_redis.pubsub import RedisPubSubChannelLayer
from redis.exceptions import RedisError

log = logging.getLogger(__name__)

T = TypeVar("T")
TRANSIENT = (RedisError, OSError, asyncio.TimeoutError)


class ResilientRedisChannelLayer(RedisPubSubChannelLayer):
    extensions = ["groups", "flush"]

    def __init__(
        self, *args: Any, retries: int = 3, retry_backoff: float = 0.1, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.retries = retries
        self.retry_backoff = retry_backoff
        self._failing: set[str] = set()

    def _failed(self, operation: str, exc: BaseException) -> None:
        if operation not in self._failing:  # once per kind of operation until it recovers
            self._failing.add(operation)
            log.warning("channels.redis_error operation=%s error=%r", operation, exc)

    def _recovered(self, operation: str) -> None:
        if operation in self._failing:
            self._failing.discard(operation)
            log.warning("channels.redis_recovered operation=%s", operation)

    async def _retry(self, operation: str, call: Callable[[], Awaitable[T]]) -> T:
        attempt = 0
        while True:
            try:
                result = await call()
            except TRANSIENT as exc:
                attempt += 1
                self._failed(operation, exc)
                if attempt >= self.retries:
                    raise
                await asyncio.sleep(self.retry_backoff * 2 ** (attempt - 1))
            else:
                self._recovered(operation)
                return result

    async def new_channel(self, prefix: str = "specific.") -> str:
        layer = self._get_layer()
        try:
            return await self._retry("new_channel", lambda: layer.new_channel(prefix))
        except TRANSIENT:
            # Degrade: a process-local channel without its Redis subscription (direct sends
            # to it are lost; groups still work once Redis is back).
            channel = f"{layer.prefix}{prefix}{uuid.uuid4().hex}"
            layer.channels[channel] = asyncio.Queue()
            return channel

    async def send(self, channel: str, message: dict) -> None:
        layer = self._get_layer()
        await self._retry("send", lambda: layer.send(channel, message))

    async def receive(self, channel: str) -> dict:
        return await self._get_layer().receive(channel)

    async def group_add(self, group: str, channel: str) -> None:
        layer = self._get_layer()
        try:
            await self._retry("group_add", lambda: layer.group_add(group, channel))
        except TRANSIENT:
            # Not subscribed: undo the local membership so that a later join subscribes again.
            _forget(layer, group, channel)
            raise

    async def group_discard(self, group: str, channel: str) -> None:
        layer = self._get_layer()
        await self._retry("group_discard", lambda: layer.group_discard(group, channel))

    async def group_send(self, group: str, message: dict) -> None:
        layer = self._get_layer()
        await self._retry("group_send", lambda: layer.group_send(group, message))

    async def flush(self) -> None:
        await self._get_layer().flush()


def _forget(layer: Any, group: str, channel: str) -> None:
    members = layer.groups.get(layer._get_group_channel_name(group))
    if members is not None:
        members.discard(channel)
        if not members:
            del layer.groups[layer._get_group_channel_name(group)]
