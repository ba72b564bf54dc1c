"""One JSON WebSocket consumer for live pages.

A client sends ``{"action": "subscribe", "page": "scanrun", "id": 42}``; the subscription is
checked through the permission gate (via the page's registered loader) before the socket joins
the page's group. Domain events reach the group through :mod:`pursight.realtime`.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable
from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.contrib.auth import get_user_model

from pursight import realtime
from pursight.layers import TRANSIENT

# page kind -> callable(user, id) returning the initial payload, or None when not visible.
pages: dict[str, Callable[[Any, int], dict | None]] = {}


def register_page(kind: str, loader: Callable[[Any, int], dict | None]) -> None:
    pages[kind] = loader


# Events of a subscribed page are re-checked against the gate at most this often (seconds): a
# revoked role stops the feed within this time, without a query per event.
RECHECK_SECONDS = 30.0


def _still_visible(user: Any, kind: str, pk: int) -> bool:
    fresh = get_user_model().objects.filter(pk=user.pk, is_active=True).first()
    return fresh is not None and pages[kind](fresh, pk) is not None


def _is_id(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 < value < 2**63


def _echo(value: Any) -> Any:
    """A client's value sent back in an error: scalars only, and short."""
    if isinstance(value, str):
        return value[:100]
    return value if isinstance(value, int | float | bool) or value is None else None


class LiveConsumer(AsyncJsonWebsocketConsumer):
    async def connect(self) -> None:
        user = self.scope.get("user")
        if not (user and user.is_authenticated):
            await self.close(code=4401)
            return
        # group -> (page kind, id, monotonic time of the last visibility check)
        self.groups_joined: dict[str, tuple[str, int, float]] = {}
        await self.accept()

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        """Decode a frame; a frame that is not JSON text is answered, and the socket stays."""
        if text_data is None:
            await self.send_json({"error": "Send JSON text frames, not binary ones."})
            return
        try:
            content = await self.decode_json(text_data)
        except (ValueError, RecursionError):
            await self.send_json({"error": "Messages must be JSON objects."})
            return
        await self.receive_json(content)

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        if not isinstance(content, dict):
            await self.send_json({"error": "Messages must be JSON objects."})
            return
        action, kind, pk = content.get("action"), content.get("page"), content.get("id")
        if not isinstance(kind, str) or kind not in pages or not _is_id(pk):
            await self.send_json(
                {"error": "Unknown page or id.", "page": _echo(kind), "id": _echo(pk)}
            )
            return
        group = realtime.group_name(kind, pk)
        if action == "unsubscribe":
            await self._leave(group)
            await self.send_json({"unsubscribed": {"page": kind, "id": pk}})
            return
        if action != "subscribe":
            await self.send_json({"error": "Unknown action.", "action": _echo(action)})
            return
        initial = await database_sync_to_async(pages[kind])(self.scope["user"], pk)
        if initial is None:  # not visible: the same answer as for a missing object
            await self.send_json({"error": "Not found.", "page": kind, "id": pk})
            return
        try:
            await self.channel_layer.group_add(group, self.channel_name)
        except TRANSIENT:  # the layer retried already: degrade, keep the socket
            await self.send_json(
                {
                    "error": "Live updates are unavailable right now; subscribe again later.",
                    "page": kind,
                    "id": pk,
                }
            )
            return
        self.groups_joined[group] = (kind, pk, time.monotonic())
        await self.send_json({"subscribed": {"page": kind, "id": pk}, "data": initial})

    async def _leave(self, group: str) -> None:
        self.groups_joined.pop(group, None)
        # On a Redis failure the layer logged it; the membership expires with the group.
        with contextlib.suppress(TRANSIENT):
            await self.channel_layer.group_discard(group, self.channel_name)

    async def disconnect(self, code: int) -> None:
        for group in list(getattr(self, "groups_joined", ())):
            await self._leave(group)

    async def page_event(self, event: dict) -> None:
        group = realtime.group_name(event["page"], event["id"])
        joined = self.groups_joined.get(group)
        if joined is None:
            return
        kind, pk, checked = joined
        if time.monotonic() - checked > RECHECK_SECONDS:
            # Access may have been revoked since the subscription: ask the gate again, for a
            # freshly loaded user (scopes are cached on the user object).
            if not await database_sync_to_async(_still_visible)(self.scope["user"], kind, pk):
                await self._leave(group)
                await self.send_json({"error": "Not found.", "page": kind, "id": pk})
                return
            self.groups_joined[group] = (kind, pk, time.monotonic())
        await self.send(text_data=event["text"])  # encoded once by the publisher
