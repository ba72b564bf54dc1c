"""Channels groups: names are built here, and events are sent after the transaction commits."""

from __future__ import annotations

import json
import logging
import time
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

log = logging.getLogger(__name__)


def group_name(kind: str, pk: int | str) -> str:
    """The group for one subscribable "page", e.g. ``scanrun.42``."""
    return f"{kind}.{pk}"


def envelope(kind: str, pk: int | str, event: str, payload: dict[str, Any]) -> dict[str, Any]:
    """The channel-layer message of one event: the client's JSON is encoded here, once, not
    once per socket; ``sent_at`` (epoch seconds) lets clients measure the fan-out."""
    message = {"page": kind, "id": pk, "event": event, "data": payload, "sent_at": time.time()}
    return {"type": "page.event", "page": kind, "id": pk, "text": json.dumps(message)}


def publish(kind: str, pk: int | str, event: str, payload: dict[str, Any]) -> None:
    """Send ``payload`` to the group's subscribers once the current transaction commits."""

    def send() -> None:
        layer = get_channel_layer()
        if layer is None:
            return
        try:
            # Built after the commit: ``sent_at`` is the commit's time.
            async_to_sync(layer.group_send)(
                group_name(kind, pk), envelope(kind, pk, event, payload)
            )
        except Exception as exc:  # the live feed must never break the work it reports on
            log.warning("realtime.publish_failed group=%s error=%s", group_name(kind, pk), exc)

    transaction.on_commit(send)
