"""Synchronous publishers (Celery workers, commands, after-commit hooks) send through one
long-lived event loop per process, so that the Redis layer keeps its connection between events;
a send that fails or hangs is logged and never breaks the work it reports on."""

from __future__ import annotations

import asyncio
import logging
import threading
from typing import Any

import pytest
from asgiref.sync import async_to_sync
from channels.layers import BaseChannelLayer, channel_layers, get_channel_layer
from channels.testing import WebsocketCommunicator

from pursight import realtime


class RecordingLayer(BaseChannelLayer):
    """A layer that notes the event loop and thread each group_send ran on."""

    def __init__(self, *, hang: bool = False) -> None:
        super().__init__()
        self.hang = hang
        self.sent: list[tuple[str, dict, asyncio.AbstractEventLoop, str]] = []

    async def group_send(self, group: str, message: dict) -> None:
        if self.hang:
            await asyncio.sleep(60)
        loop = asyncio.get_running_loop()
        self.sent.append((group, message, loop, threading.current_thread().name))


@pytest.fixture
def publisher(monkeypatch: pytest.MonkeyPatch) -> realtime._PublisherLoop:
    """A publisher loop of the test's own, stopped afterwards."""
    fresh = realtime._PublisherLoop()
    monkeypatch.setattr(realtime, "_publisher", fresh)
    yield fresh
    fresh.stop()


def test_synchronous_sends_share_one_long_lived_loop(publisher) -> None:
    layer = RecordingLayer()
    for n in range(5):
        realtime.group_send(layer, "scanrun.1", {"type": "page.event", "n": n})
    assert [m["n"] for _, m, _, _ in layer.sent] == [0, 1, 2, 3, 4]
    loops = {id(loop) for _, _, loop, _ in layer.sent}
    assert len(loops) == 1
    loop = layer.sent[0][2]
    assert loop.is_running() and not loop.is_closed()  # kept for the next event
    assert {name for *_, name in layer.sent} == {"pursight-live-publisher"}


def test_sends_from_several_threads_share_the_loop(publisher) -> None:
    layer = RecordingLayer()
    threads = [
        threading.Thread(target=realtime.group_send, args=(layer, "g", {"n": n})) for n in range(8)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert sorted(m["n"] for _, m, _, _ in layer.sent) == list(range(8))
    assert len({id(loop) for _, _, loop, _ in layer.sent}) == 1


def test_a_forked_process_starts_its_own_loop(publisher, monkeypatch) -> None:
    layer = RecordingLayer()
    realtime.group_send(layer, "g", {"n": 0})
    parent_loop = layer.sent[0][2]
    # A Celery prefork child has the parent's objects but not its threads.
    monkeypatch.setattr(realtime.os, "getpid", lambda: -1)
    realtime.group_send(layer, "g", {"n": 1})
    child_loop = layer.sent[1][2]
    assert child_loop is not parent_loop and child_loop.is_running()
    parent_loop.call_soon_threadsafe(parent_loop.stop)


def test_a_hanging_send_is_logged_and_the_next_one_goes_through(
    publisher, monkeypatch, caplog
) -> None:
    monkeypatch.setattr(realtime, "SEND_TIMEOUT", 0.2)
    hanging, healthy = RecordingLayer(hang=True), RecordingLayer()
    monkeypatch.setattr(realtime, "get_channel_layer", lambda: hanging)
    with caplog.at_level(logging.WARNING, logger="pursight.realtime"):
        realtime.send_now("scanrun", 7, "progress", {"n": 1}, relay=False)  # does not raise
    assert any("realtime.publish_failed group=scanrun.7" in r.getMessage() for r in caplog.records)
    monkeypatch.setattr(realtime, "get_channel_layer", lambda: healthy)
    realtime.send_now("scanrun", 7, "progress", {"n": 2}, relay=False)
    assert [m["page"] for _, m, _, _ in healthy.sent] == ["scanrun"]


def test_the_in_memory_layer_is_driven_on_the_callers_loop(publisher, settings) -> None:
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    channel_layers.backends.clear()
    try:
        layer = get_channel_layer()

        async def scenario() -> dict:
            channel = await layer.new_channel()
            await layer.group_add("g", channel)
            # From a worker thread of this loop (as a consumer's database thread does).
            from asgiref.sync import sync_to_async

            await sync_to_async(realtime.group_send)(layer, "g", {"type": "x", "n": 3})
            return await asyncio.wait_for(layer.receive(channel), 5)

        assert async_to_sync(scenario)()["n"] == 3
        assert publisher._loop is None  # the process loop was never needed
    finally:
        channel_layers.backends.clear()


@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
def test_a_worker_threads_event_reaches_a_socket_through_redis(
    publisher, redis_layer, watched_run
) -> None:
    """End to end on the real Redis layer: events sent from a plain thread (no event loop of
    its own, like a Celery worker) reach a subscribed socket, in order, over one connection."""
    from pursight.asgi import application

    user, run = watched_run

    def worker() -> None:
        for n in range(3):
            realtime.send_now("scanrun", run.pk, "progress", {"n": n}, relay=False)

    async def scenario() -> list[Any]:
        comm = WebsocketCommunicator(
            application, "/ws/live/", headers=[(b"origin", b"http://127.0.0.1")]
        )
        comm.scope["user"] = user
        assert (await comm.connect())[0]
        await comm.receive_json_from(timeout=10)  # hello
        await comm.send_json_to({"action": "subscribe", "page": "scanrun", "id": run.pk})
        assert "subscribed" in await comm.receive_json_from(timeout=10)
        await asyncio.to_thread(worker)  # a thread of its own, outside asgiref
        events = [await comm.receive_json_from(timeout=10) for _ in range(3)]
        await comm.disconnect()
        return events

    events = async_to_sync(scenario)()
    assert [(e["event"], e["data"]["n"]) for e in events] == [("progress", n) for n in range(3)]
    assert publisher._loop in redis_layer._layers  # one publishing layer, on the process loop
