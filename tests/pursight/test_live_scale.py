"""The live feed on the real Redis channel layer: hundreds of sockets join one page at once,
all receive its events, and leave at once, without a single server error or a socket closed by
the server. (Fan-out latency and larger loads through daphne: bench/ws.py.)"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import pytest
from asgiref.sync import async_to_sync
from channels.layers import channel_layers
from channels.testing import WebsocketCommunicator

from pursight.testing import service_url

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

SOCKETS = 300


def test_hundreds_of_sockets_join_receive_and_leave_at_once(
    redis_layer, watched_run, caplog
) -> None:
    caplog.set_level(logging.WARNING)
    user, run = watched_run
    closed_by_server = async_to_sync(_crowd)(redis_layer, user, run.pk)
    assert closed_by_server == []
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert errors == [], [r.getMessage() for r in errors]
    redis_errors = [r for r in caplog.records if "redis" in r.getMessage().lower()]
    assert redis_errors == [], [r.getMessage() for r in redis_errors]


async def _crowd(layer: Any, user: Any, run_id: int) -> list[Any]:
    from pursight import realtime
    from pursight.asgi import application

    def communicator() -> WebsocketCommunicator:
        comm = WebsocketCommunicator(
            application, "/ws/live/", headers=[(b"origin", b"http://127.0.0.1")]
        )
        comm.scope["user"] = user
        return comm

    comms = [communicator() for _ in range(SOCKETS)]
    connected = await asyncio.gather(*(c.connect(timeout=30) for c in comms))
    assert all(ok for ok, _ in connected)
    hellos = await asyncio.gather(*(c.receive_json_from(timeout=30) for c in comms))
    assert all("hello" in h for h in hellos)
    subscribe = {"action": "subscribe", "page": "scanrun", "id": run_id}
    await asyncio.gather(*(c.send_json_to(subscribe) for c in comms))
    replies = await asyncio.gather(*(c.receive_json_from(timeout=30) for c in comms))
    assert all("subscribed" in r for r in replies), [r for r in replies if "subscribed" not in r]
    for n in range(3):
        await layer.group_send(
            realtime.group_name("scanrun", run_id),
            realtime.envelope("scanrun", run_id, "progress", {"n": n}),
        )
    for n in range(3):
        events = await asyncio.gather(*(c.receive_json_from(timeout=30) for c in comms))
        assert [e["data"]["n"] for e in events] == [n] * SOCKETS
    await asyncio.gather(*(c.disconnect() for c in comms))
    # A socket the server closed (1011 on a consumer error) has a close message waiting.
    closed = []
    for c in comms:
        if not c.output_queue.empty():
            closed.append(await c.output_queue.get())
    return closed


def test_a_burst_of_joins_and_leaves_needs_no_connection_per_socket() -> None:
    """The stock layer borrows a pool connection per join and fails past 100 at once; ours
    subscribes once per group and process."""
    from channels_redis.core import RedisChannelLayer
    from redis.exceptions import MaxConnectionsError

    from pursight.layers import ResilientRedisChannelLayer

    url = service_url("REDIS_URL")

    async def burst(layer: Any) -> None:
        channels = [await layer.new_channel() for _ in range(400)]
        await asyncio.gather(*(layer.group_add("burst", c) for c in channels))
        await layer.group_send("burst", {"type": "x"})
        received = await asyncio.gather(*(layer.receive(c) for c in channels))
        assert all(m == {"type": "x"} for m in received)
        await asyncio.gather(*(layer.group_discard("burst", c) for c in channels))
        await layer.flush()

    with pytest.raises(MaxConnectionsError):
        async_to_sync(burst)(RedisChannelLayer(hosts=[url], prefix="pursight-test-stock"))
    async_to_sync(burst)(ResilientRedisChannelLayer(hosts=[url], prefix="pursight-test-burst"))


def test_redis_down_degrades_the_feed_and_keeps_the_socket(
    settings: Any, watched_run: Any, caplog: Any
) -> None:
    from tests.fixtures import closed_port

    port = closed_port()
    settings.CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "pursight.layers.ResilientRedisChannelLayer",
            "CONFIG": {
                "hosts": [f"redis://127.0.0.1:{port}/0"],
                "retries": 2,
                "retry_backoff": 0.01,
            },
        }
    }
    channel_layers.backends.clear()
    try:
        user, run = watched_run
        async_to_sync(_down)(user, run.pk)
    finally:
        channel_layers.backends.clear()
    warnings = [r.getMessage() for r in caplog.records if "redis_error" in r.getMessage()]
    assert warnings and len(warnings) == len(set(warnings))  # logged once per operation


async def _down(user: Any, run_id: int) -> None:
    from pursight.asgi import application

    comm = WebsocketCommunicator(
        application, "/ws/live/", headers=[(b"origin", b"http://127.0.0.1")]
    )
    comm.scope["user"] = user
    assert (await comm.connect(timeout=10))[0]
    assert "hello" in await comm.receive_json_from(timeout=10)
    for _ in range(2):
        await comm.send_json_to({"action": "subscribe", "page": "scanrun", "id": run_id})
        reply = await comm.receive_json_from(timeout=10)
        assert reply["error"].startswith("Live updates are unavailable")
    # Still open: the socket answers further messages.
    await comm.send_json_to({"action": "bogus"})
    assert (await comm.receive_json_from(timeout=10))["error"] == "Unknown page or id."
    await comm.disconnect()
