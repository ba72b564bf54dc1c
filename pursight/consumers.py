"""One JSON WebSocket consumer for live pages.

A client sends ``{"action": "subscribe", "page": "scanrun", "id": 42}``; the subscription is
checked through the permission gate (via the page's registered loader) before the socket joins
the page's group. Domain events reach the group through :mod:`pursight.realtime`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from pursight import realtime

# page kind -> callable(user, id) returning the initial payload, or None when not visible.
pages: dict[str, Callable[[Any, int], dict | None]] = {}


def register_page(kind: str, loader: Callable[[Any, int], dict | None]) -> None:
    pages[kind] = loader


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
        self.groups_joined: set[str] = set()
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
            await self.channel_layer.group_discard(group, self.channel_name)
            self.groups_joined.discard(group)
            await self.send_json({"unsubscribed": {"page": kind, "id": pk}})
            return
        if action != "subscribe":
            await self.send_json({"error": "Unknown action.", "action": _echo(action)})
            return
        initial = await database_sync_to_async(pages[kind])(self.scope["user"], pk)
        if initial is None:  # not visible: the same answer as for a missing object
            await self.send_json({"error": "Not found.", "page": kind, "id": pk})
            return
        await self.channel_layer.group_add(group, self.channel_name)
        self.groups_joined.add(group)
        await self.send_json({"subscribed": {"page": kind, "id": pk}, "data": initial})

    async def disconnect(self, code: int) -> None:
        for group in getattr(self, "groups_joined", ()):
            await self.channel_layer.group_discard(group, self.channel_name)

    async def page_event(self, event: dict) -> None:
        await self.send_json(
            {
                "page": event["page"],
                "id": event["id"],
                "event": event["event"],
                "data": event["data"],
            }
        )
