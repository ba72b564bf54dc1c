"""Channels groups: names are built here, and events are sent after the transaction commits.

An event may carry ``requires`` (:func:`pursight.permissions.requirement` of the object it is
about): each subscribed socket checks it against its user's cached scopes before forwarding, so
a member of a workspace never receives an event about an asset the gate hides from them. It
carries ``origin``, the channel name of the socket whose action caused it (set by the consumer
while it handles a message, or by :class:`pursight.core.middleware.LiveOriginMiddleware` from
the ``X-PurSight-Socket`` header of an HTTP request): that socket is not echoed its own change.

Relays (:data:`relays`) let a higher layer fan an event out to more pages (a scan's progress
to the workspaces that pin its data source) without the publisher knowing about them.
"""

from __future__ import annotations

import contextvars
import json
import logging
import time
from collections.abc import Callable, Iterable
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
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
        async_to_sync(layer.group_send)(group_name(kind, pk), message)
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
