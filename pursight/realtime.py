"""Channels groups: names are built here, and events are sent after the transaction commits."""

from __future__ import annotations

import logging
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

log = logging.getLogger(__name__)


def group_name(kind: str, pk: int | str) -> str:
    """The group for one subscribable "page", e.g. ``scanrun.42``."""
    return f"{kind}.{pk}"


def publish(kind: str, pk: int | str, event: str, payload: dict[str, Any]) -> None:
    """Send ``payload`` to the group's subscribers once the current transaction commits."""

    def send() -> None:
        layer = get_channel_layer()
        if layer is None:
            return
        try:
            async_to_sync(layer.group_send)(
                group_name(kind, pk),
                {"type": "page.event", "page": kind, "id": pk, "event": event, "data": payload},
            )
        except Exception as exc:  # the live feed must never break the work it reports on
            log.warning("realtime.publish_failed group=%s error=%s", group_name(kind, pk), exc)

    transaction.on_commit(send)
