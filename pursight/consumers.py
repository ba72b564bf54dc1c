"""One JSON WebSocket consumer for live pages.

On connect the socket is greeted with ``{"hello": {"socket": <id>, "user": {...}}}``; a page's
HTTP requests send that id as ``X-PurSight-Socket`` so their events are not echoed back.

A client sends ``{"action": "subscribe", "page": "scanrun", "id": 42}``; the subscription is
checked through the permission gate (via the page's registered loader) before the socket joins
the page's group. Domain events reach the group through :mod:`pursight.realtime`; an event that
carries ``requires`` is forwarded only if this socket's user meets it (cached scopes, no query
per event). Other actions (``presence``, ``doc.update``...) are registered by higher layers with
:func:`register_action` and run only for a page the socket is subscribed to.

Every frame is size-limited (``PURSIGHT_WS_MAX_MESSAGE_BYTES``) and rate-limited per socket
(``PURSIGHT_WS_RATE`` messages per second, bursts of ``PURSIGHT_WS_BURST``); a refused or
malformed frame is answered with an error and the socket stays open.
"""

from __future__ import annotations

import contextlib
import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.conf import settings
from django.contrib.auth import get_user_model

from pursight import permissions, realtime
from pursight.layers import TRANSIENT

log = logging.getLogger(__name__)

# page kind -> callable(user, id) returning the initial payload, or None when not visible.
pages: dict[str, Callable[[Any, int], dict | None]] = {}
# page kind -> callable(user, id) -> bool: a cheaper check than the loader for the periodic
# re-check of a subscription (default: the loader, whose state is then thrown away).
checks: dict[str, Callable[[Any, int], bool]] = {}
# page kind -> async hooks(consumer, id) run after joining / before leaving (presence).
join_hooks: dict[str, Callable[[Any, int], Any]] = {}
leave_hooks: dict[str, Callable[[Any, int], Any]] = {}
# action name -> async handler(consumer, page kind, id, message) for a subscribed page.
actions: dict[str, Callable[[Any, str, int, dict], Any]] = {}


def register_page(
    kind: str,
    loader: Callable[[Any, int], dict | None],
    *,
    on_join: Callable[[Any, int], Any] | None = None,
    on_leave: Callable[[Any, int], Any] | None = None,
    visible: Callable[[Any, int], bool] | None = None,
) -> None:
    """A subscribable page: ``loader(user, id)`` returns the initial state, or None when the
    gate hides the object (the same answer as a missing one). ``visible(user, id)``, when the
    state is costly to build, answers the periodic re-check instead of the loader."""
    pages[kind] = loader
    if visible is None:
        checks.pop(kind, None)
    else:
        checks[kind] = visible
    for hooks, hook in ((join_hooks, on_join), (leave_hooks, on_leave)):
        if hook is None:
            hooks.pop(kind, None)
        else:
            hooks[kind] = hook


def register_action(name: str, handler: Callable[[Any, str, int, dict], Any]) -> None:
    """A client action on a subscribed page, e.g. ``{"action": "presence", "page":
    "workspace", "id": 3, "state": "idle"}`` → ``await handler(consumer, "workspace", 3, msg)``.
    The handler authorises what the action does through the gate; the consumer has already
    checked that the socket is subscribed (so the page is visible)."""
    actions[name] = handler


@dataclass
class TokenBucket:
    """Per-socket rate limit: ``rate`` tokens per second, at most ``burst`` saved up."""

    rate: float
    burst: float
    tokens: float = 0.0
    stamp: float = 0.0

    def take(self, now: float | None = None) -> bool:
        now = time.monotonic() if now is None else now
        if not self.stamp:
            self.tokens, self.stamp = self.burst, now
        self.tokens = min(self.burst, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        if self.tokens < 1:
            return False
        self.tokens -= 1
        return True


# A subscribed page is checked against the gate again before the first event stamped with a
# newer gate generation than its last check (``permissions.generation``: bumped by every
# revocation), so that a revoked user stops receiving at the next event, without a query per
# event or a timer per socket. The timer remains as a safety net (a revocation the generation
# missed: a direct database edit, a cache that was away) at most this often (seconds).
RECHECK_SECONDS = 300.0


def _still_visible(user: Any, kind: str, pk: int) -> bool:
    fresh = get_user_model().objects.filter(pk=user.pk, is_active=True).first()
    if fresh is None:
        return False
    if kind in checks:
        return bool(checks[kind](fresh, pk))
    return pages[kind](fresh, pk) is not None


def _load_page(kind: str, user: Any, pk: int) -> tuple[int, dict | None]:
    """A page's initial state for ``user`` and the gate generation it was checked in (read
    first: a revocation committed meanwhile makes the next event check again)."""
    generation = permissions.generation()
    return generation, pages[kind](user, pk)


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
        # group -> (page kind, id, monotonic time and gate generation of the last check)
        self.groups_joined: dict[str, tuple[str, int, float, int]] = {}
        self.max_bytes = int(getattr(settings, "PURSIGHT_WS_MAX_MESSAGE_BYTES", 256 * 1024))
        self.bucket = TokenBucket(
            rate=float(getattr(settings, "PURSIGHT_WS_RATE", 20)),
            burst=float(getattr(settings, "PURSIGHT_WS_BURST", 60)),
        )
        # The user the gate checks events against: reloaded at every re-check, so its cached
        # scopes are at most RECHECK_SECONDS old.
        self.gate_user = user
        self.gate_checked = time.monotonic()
        self.gate_generation = await database_sync_to_async(permissions.generation)()
        # Each socket's safety-net interval is its own (300-450 s): sockets that joined
        # together do not all queue for the database on the same event.
        self.recheck_after = RECHECK_SECONDS * (1 + random.random() / 2)
        await self.accept()
        name = user.get_full_name() or user.get_username()
        await self.send_json(
            {"hello": {"socket": self.channel_name, "user": {"id": user.pk, "name": name}}}
        )

    @property
    def user(self) -> Any:
        return self.scope["user"]

    def is_subscribed(self, kind: str, pk: int) -> bool:
        return realtime.group_name(kind, pk) in self.groups_joined

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        """Decode a frame; a frame that is not JSON text is answered, and the socket stays."""
        size = len(text_data) if text_data is not None else len(bytes_data or b"")
        if size > self.max_bytes:
            await self.send_json(
                {"error": f"Message too large (at most {self.max_bytes} bytes).", "size": size}
            )
            return
        if not self.bucket.take():
            await self.send_json({"error": "Too many messages; slow down.", "rate_limited": True})
            return
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
            handler = actions.get(action) if isinstance(action, str) else None
            if handler is None:
                await self.send_json({"error": "Unknown action.", "action": _echo(action)})
            elif group not in self.groups_joined:
                await self.send_json({"error": "Not subscribed.", "page": kind, "id": pk})
            else:
                token = realtime.origin.set(self.channel_name)  # not echoed to this socket
                try:
                    await handler(self, kind, pk, content)
                except Exception:  # a failing action is answered, never fatal to the socket
                    log.exception("live.action_failed action=%s page=%s", action, kind)
                    await self.send_json(
                        {"error": "That action failed.", "action": action, "page": kind, "id": pk}
                    )
                finally:
                    realtime.origin.reset(token)
            return
        generation, initial = await database_sync_to_async(_load_page)(kind, self.user, pk)
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
        self.groups_joined[group] = (kind, pk, time.monotonic(), generation)
        await self.send_json({"subscribed": {"page": kind, "id": pk}, "data": initial})
        if kind in join_hooks:
            await join_hooks[kind](self, pk)

    async def _leave(self, group: str) -> None:
        joined = self.groups_joined.pop(group, None)
        if joined is not None and joined[0] in leave_hooks:
            with contextlib.suppress(Exception):  # presence is best effort on the way out
                await leave_hooks[joined[0]](self, joined[1])
        # On a Redis failure the layer logged it; the membership expires with the group.
        with contextlib.suppress(TRANSIENT):
            await self.channel_layer.group_discard(group, self.channel_name)

    async def revoke(self, kind: str, pk: int) -> None:
        """Access to a subscribed page ended: leave it and say so."""
        await self._leave(realtime.group_name(kind, pk))
        await self.send_json(
            {"revoked": {"page": kind, "id": pk}, "error": "Your access to this page ended."}
        )

    def _stale(self, checked: float, generation: int, event: dict) -> bool:
        """Whether a check made at ``checked`` (monotonic) in ``generation`` may be out of date
        for ``event``: a revocation happened since, or the safety-net interval passed."""
        stamped = event.get("gen")
        if isinstance(stamped, int) and stamped > generation:
            return True
        return time.monotonic() - checked > self.recheck_after

    async def _meets(self, requires: dict | None, event: dict) -> bool:
        if not requires:
            return True
        if self._stale(self.gate_checked, self.gate_generation, event):
            self.gate_user = await database_sync_to_async(_fresh_user)(self.user)
            self.gate_checked = time.monotonic()
            self.gate_generation = max(self.gate_generation, event.get("gen") or 0)
        ok = permissions.meets(self.gate_user, requires, cached_only=True)
        if ok is None:  # first event needing this scope: resolve it once
            ok = await database_sync_to_async(permissions.meets)(self.gate_user, requires)
        return bool(ok)

    async def disconnect(self, code: int) -> None:
        for group in list(getattr(self, "groups_joined", ())):
            await self._leave(group)

    async def dispatch(self, message: dict) -> None:
        # Channels closes stale database connections before every message, in the database
        # thread: one thread hop per socket and event, serialised, which is most of a page's
        # fan-out time with hundreds of sockets. An event needs the database only for the
        # occasional gate check, which runs through database_sync_to_async (that closes stale
        # connections itself).
        if message.get("type") == "page.event":
            await self.page_event(message)
            return
        await super().dispatch(message)

    async def page_event(self, event: dict) -> None:
        group = realtime.group_name(event["page"], event["id"])
        joined = self.groups_joined.get(group)
        if joined is None:
            return
        kind, pk, checked, generation = joined
        if event.get("event") == REVOKE_EVENT:  # a control event: never forwarded
            if self.user.pk in (event.get("users") or ()):
                await self.revoke(kind, pk)
            return
        if self._stale(checked, generation, event):
            # Access may have been revoked since the last check: ask the gate again, for a
            # freshly loaded user (scopes are cached on the user object).
            if not await database_sync_to_async(_still_visible)(self.user, kind, pk):
                await self.revoke(kind, pk)
                return
            stamped = max(generation, event.get("gen") or 0)
            self.groups_joined[group] = (kind, pk, time.monotonic(), stamped)
        if event.get("origin") and event["origin"] == self.channel_name:
            return  # this socket's own change
        if not await self._meets(event.get("requires"), event):
            return
        await self.send(text_data=event["text"])  # encoded once by the publisher


def _fresh_user(user: Any) -> Any:
    return get_user_model().objects.filter(pk=user.pk, is_active=True).first() or user.__class__()


# Sent with ``users`` (ids) to a page's group when those users lose access to it (removed from
# a workspace): their sockets leave at once and are told, instead of at the next re-check.
REVOKE_EVENT = "revoke"


def revoke_users(kind: str, pk: int, user_ids: list[int]) -> None:
    """After the commit, make ``user_ids``' sockets on this page leave it (and say so)."""
    from channels.layers import get_channel_layer
    from django.db import transaction

    def send() -> None:
        layer = get_channel_layer()
        if layer is None:
            return
        message = {
            "type": "page.event",
            "page": kind,
            "id": pk,
            "event": REVOKE_EVENT,
            "users": list(user_ids),
        }
        with contextlib.suppress(Exception):
            realtime.group_send(layer, realtime.group_name(kind, pk), message)

    transaction.on_commit(send)
