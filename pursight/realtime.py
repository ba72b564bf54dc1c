"""Channels groups: names are built here, and events are sent after the transaction commits.

An event may carry ``requires`` (:func:`pursight.permissions.requirement` of the object it is
about): each subscribed socket checks it against its user's cached scopes before forwarding, so
a member of a workspace never receives an event about an asset the gate hides from them. It
carries ``origin``, the channel name of the socket whose action caused it (set by the consumer
while it handles a message, or by :class:`pursight.core.middleware.LiveOriginMiddleware` from
the ``X-PurSight-Socket`` header of an HTTP request): that socket is not echoed its own change.

Relays (:data:`relays`) let a higher layer fan an event out to more pages (a scan's progress
to the workspaces that pin its data source) without the publisher knowing about them.

Synchronous code (Celery workers, ``manage.py`` commands, a web request's after-commit hook)
sends through one long-lived event loop per process (:func:`group_send`), so that the Redis
layer keeps its publishing connection: ``async_to_sync`` alone would build a new loop, and so a
new Redis connection and pub/sub layer, for every event, and one event in a few would reach the
page 150 ms late.
"""

from __future__ import annotations

import asyncio
import atexit
import contextvars
import json
import logging
import os
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import BaseChannelLayer, InMemoryChannelLayer, get_channel_layer
from django.db import transaction

from pursight import permissions
from pursight.registry import Registry

log = logging.getLogger(__name__)

# The socket (channel name) whose message or HTTP request is being handled, if any.
origin: contextvars.ContextVar[str | None] = contextvars.ContextVar("live_origin", default=None)

# A relay: (kind, pk, event, payload, requires) -> further (kind, pk, event, payload, requires)
# to publish. Called after the commit, in the publisher's thread (it may query).
Relay = Callable[[str, Any, str, dict, dict | None], Iterable[tuple[str, Any, str, dict, Any]]]
relays: Registry[Relay] = Registry("live relays")


def group_name(kind: str, pk: int | str) -> str:
    """The group for one subscribable "page", e.g. ``scanrun.42``."""
    return f"{kind}.{pk}"


def envelope(
    kind: str,
    pk: int | str,
    event: str,
    payload: dict[str, Any],
    *,
    requires: dict[str, Any] | None = None,
    origin: str | None = None,
) -> dict[str, Any]:
    """The channel-layer message of one event: the client's JSON is encoded here, once, not
    once per socket; ``sent_at`` (epoch seconds) lets clients measure the fan-out; ``gen`` is
    the gate's generation when it was sent (a socket checked before a later revocation checks
    again before forwarding it)."""
    message = {"page": kind, "id": pk, "event": event, "data": payload, "sent_at": time.time()}
    return {
        "type": "page.event",
        "page": kind,
        "id": pk,
        "event": event,
        "text": json.dumps(message),
        "requires": requires,
        "origin": origin,
        "gen": permissions.generation(),
    }


# How long a synchronous publisher waits for its event to reach the layer (the layer retries a
# transient Redis error with backoff within that).
SEND_TIMEOUT = 10.0


class _PublisherLoop:
    """The process' event loop for synchronous publishers, in a daemon thread, started on first
    use and again after a fork (a Celery prefork child does not inherit the parent's thread)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._pid = 0

    def loop(self) -> asyncio.AbstractEventLoop:
        with self._lock:
            if self._loop is None or self._pid != os.getpid() or self._loop.is_closed():
                loop = asyncio.new_event_loop()
                thread = threading.Thread(
                    target=loop.run_forever, name="pursight-live-publisher", daemon=True
                )
                thread.start()
                self._loop, self._pid = loop, os.getpid()
            return self._loop

    def run(self, make: Callable[[], Any], timeout: float | None = None) -> Any:
        future = asyncio.run_coroutine_threadsafe(make(), self.loop())
        try:
            return future.result(SEND_TIMEOUT if timeout is None else timeout)
        except TimeoutError:
            future.cancel()
            raise

    def stop(self) -> None:
        with self._lock:
            loop, self._loop = self._loop, None
        if loop is not None and self._pid == os.getpid() and loop.is_running():
            loop.call_soon_threadsafe(loop.stop)


_publisher = _PublisherLoop()
atexit.register(_publisher.stop)


def group_send(layer: BaseChannelLayer, group: str, message: dict[str, Any]) -> None:
    """Send ``message`` to ``group`` from synchronous code. A process-local (in-memory) layer
    is driven on the caller's event loop as before: its queues belong to the loop that reads
    them."""
    if isinstance(layer, InMemoryChannelLayer):
        async_to_sync(layer.group_send)(group, message)
    else:
        _publisher.run(lambda: layer.group_send(group, message))


def send_now(
    kind: str,
    pk: int | str,
    event: str,
    payload: dict[str, Any],
    *,
    requires: dict[str, Any] | None = None,
    origin: str | None = None,
    relay: bool = True,
) -> None:
    """Send at once (outside a transaction, or from the consumer's thread)."""
    layer = get_channel_layer()
    if layer is None:
        return
    message = envelope(kind, pk, event, payload, requires=requires, origin=origin)
    try:
        group_send(layer, group_name(kind, pk), message)
    except Exception as exc:  # the live feed must never break the work it reports on
        log.warning("realtime.publish_failed group=%s error=%s", group_name(kind, pk), exc)
    if relay:
        for fan_out in relays:
            try:
                extra = list(fan_out(kind, pk, event, payload, requires))
            except Exception as exc:
                log.warning("realtime.relay_failed group=%s error=%s", group_name(kind, pk), exc)
                continue
            for k, p, e, data, req in extra:
                send_now(k, p, e, data, requires=req, origin=origin, relay=False)


def publish(
    kind: str,
    pk: int | str,
    event: str,
    payload: dict[str, Any],
    *,
    requires: dict[str, Any] | None = None,
) -> None:
    """Send ``payload`` to the group's subscribers once the current transaction commits."""
    source = origin.get()
    # Built after the commit: ``sent_at`` is the commit's time.
    transaction.on_commit(
        lambda: send_now(kind, pk, event, payload, requires=requires, origin=source)
    )
