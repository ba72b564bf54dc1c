"""Live-socket helpers of Racine's tests: ``/ws/live/`` on the full ASGI application."""

from __future__ import annotations

import time
from typing import Any

from channels.testing import WebsocketCommunicator

WAIT = 5  # seconds a test waits for a message that must come


def communicator(user: Any) -> WebsocketCommunicator:
    from pursight.asgi import application

    comm = WebsocketCommunicator(
        application, "/ws/live/", headers=[(b"origin", b"http://127.0.0.1")]
    )
    comm.scope["user"] = user
    return comm


async def connect(user: Any) -> WebsocketCommunicator:
    """A connected socket of ``user``, its hello read."""
    comm = communicator(user)
    connected, _ = await comm.connect()
    assert connected
    assert "hello" in await comm.receive_json_from(timeout=WAIT)
    return comm


async def reply(comm: WebsocketCommunicator) -> dict:
    """The next message that is not a page event (the answer to what the socket sent)."""
    while True:
        message = await comm.receive_json_from(timeout=WAIT)
        if "event" not in message:
            return message


async def next_event(
    comm: WebsocketCommunicator, name: str, timeout: float = WAIT, *, no_errors: bool = False
) -> dict:
    """The next event called ``name`` (others are skipped; with ``no_errors`` an error answer
    on the way fails the test)."""
    deadline = time.monotonic() + timeout
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            raise AssertionError(f"no {name} event within {timeout} s")
        message = await comm.receive_json_from(timeout=left)
        if message.get("event") == name:
            return message
        assert not (no_errors and "error" in message), message
