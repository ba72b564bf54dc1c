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


class LiveConsumer(AsyncJsonWebsocketConsumer):
    async def connect(self) -> None:
        user = self.scope.get("user")
        if not (user and user.is_authenticated):
            await self.close(code=4401)
            return
        self.groups_joined: set[str] = set()
        await self.accept()

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        if not isinstance(content, dict):
            await self.send_json({"error": "Messages must be JSON objects."})
            return
        action, kind, pk = content.get("action"), content.get("page"), content.get("id")
        if kind not in pages or not isinstance(pk, int):
            await self.send_json({"error": "Unknown page or id.", "page": kind, "id": pk})
            return
        group = realtime.group_name(kind, pk)
        if action == "unsubscribe":
            await self.channel_layer.group_discard(group, self.channel_name)
            self.groups_joined.discard(group)
            await self.send_json({"unsubscribed": {"page": kind, "id": pk}})
            return
        if action != "subscribe":
            await self.send_json({"error": f"Unknown action {action!r}."})
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
