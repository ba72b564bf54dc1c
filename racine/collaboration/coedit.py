"""Live co-editing over ``/ws/live/``: the ``doc.*`` actions of a subscribed page.

A client subscribed to a page (``workspace`` 3, ``catalog.catalogtable`` 5...) sends, for one of
the page object's co-editable fields (:data:`documents.fields`)::

    {"action": "doc.join", "page": "workspace", "id": 3, "field": "notes",
     "state_vector": "<base64, optional: the client's, after a reconnection>"}
    {"action": "doc.update", ..., "update": "<base64 Yjs update (v1)>"}
    {"action": "doc.awareness", ..., "cursor": {"anchor": "<b64>", "head": "<b64>"} | null,
     "line": 3}
    {"action": "doc.leave", ...}

and receives, like the page's other events (``{"page", "id", "event", "data", "sent_at"}``):

- ``doc.sync`` (to the joining socket only): ``data = {"field", "update", "state_vector",
  "can_edit", "read_only_reason", "length", "max_chars"}``: the updates it lacks and the
  server's state vector; the client then sends, as a ``doc.update``, what the server lacks
  (its offline edits);
- ``doc.update`` (to the page's other sockets): ``data = {"field", "update", "user"}``;
- ``doc.left`` (to the leaving socket): ``data = {"field", "saved"}`` after the final save;
- ``doc.awareness`` (to the page's other sockets, not stored): ``data = {"field", "client",
  "can_edit", "user": {"id", "name", "colour"}, "cursor", "line", "left"}``; names, colours and
  rights come from the server (a client cannot speak for someone else); cursors are Yjs
  relative positions.

A refusal is ``{"error", "page", "id", "field", "action"}`` with ``"reset": true`` (drop the
local copy and join again) or ``"resync": true`` (join again, keeping it); the socket stays.
Viewers join and receive updates; their updates are refused. The consumer has already checked
the subscription, the frame's size and the rate; the services check the gate.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import functools
import hashlib
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

from channels.db import database_sync_to_async
from django.contrib.auth import get_user_model

from pursight import consumers, realtime
from pursight.layers import TRANSIENT

from .services import documents

log = logging.getLogger(__name__)

JOIN, UPDATE, AWARENESS, LEAVE = "doc.join", "doc.update", "doc.awareness", "doc.leave"
# A socket's user (and so its rights) is reloaded at most this often (seconds): a revoked
# editor's updates are refused within this time, without a query per keystroke.
RIGHTS_SECONDS = 5.0
# A relative position (Y.encodeRelativePosition) is a few dozen bytes.
MAX_POSITION_CHARS = 256
COLOURS = ("#2563eb", "#db2777", "#16a34a", "#ea580c", "#7c3aed", "#0891b2", "#ca8a04", "#dc2626")
UNAVAILABLE = "The change could not be saved right now; joining again."
NOT_COEDITABLE = "This text cannot be edited together."
Handler = Callable[[Any, str, int, dict], Awaitable[None]]


def register() -> None:
    """Register the ``doc.*`` actions (from ``CollaborationConfig.ready``; idempotent)."""
    consumers.register_action(JOIN, _safe(join))
    consumers.register_action(UPDATE, _safe(update))
    consumers.register_action(AWARENESS, _safe(awareness))
    consumers.register_action(LEAVE, _safe(leave))


def _safe(handler: Handler) -> Handler:
    """A handler whose unexpected failure is logged and answered: it never kills the socket."""

    @functools.wraps(handler)
    async def run(consumer: Any, kind: str, pk: int, msg: dict) -> None:
        try:
            await handler(consumer, kind, pk, msg)
        except Exception:
            log.exception("coedit.failed action=%s page=%s id=%s", msg.get("action"), kind, pk)
            with contextlib.suppress(Exception):
                await _refuse(consumer, kind, pk, msg, UNAVAILABLE, resync=True)

    return run


def colour_of(user_id: int) -> str:
    return COLOURS[user_id % len(COLOURS)]


def client_id(channel_name: str) -> str:
    """An opaque id of a socket for other clients (never its channel name, which is the
    ``X-PurSight-Socket`` value that silences a socket's own events)."""
    return hashlib.sha256(channel_name.encode()).hexdigest()[:16]


def _state(consumer: Any) -> dict[str, Any]:
    """Per-socket co-editing state: the documents joined (-> who may receive awareness, and
    whether this socket's user may edit it) and
    the user the gate checks rights against."""
    state = consumer.__dict__.get("_coedit")
    if state is None:
        state = {"joined": {}, "user": consumer.user, "checked": time.monotonic()}
        consumer.__dict__["_coedit"] = state
    return state


def _fresh_user(user: Any) -> Any:
    from django.contrib.auth.models import AnonymousUser

    return get_user_model().objects.filter(pk=user.pk, is_active=True).first() or AnonymousUser()


async def _gate_user(consumer: Any) -> Any:
    state = _state(consumer)
    if time.monotonic() - state["checked"] > RIGHTS_SECONDS:
        state["user"] = await database_sync_to_async(_fresh_user)(consumer.user)
        state["checked"] = time.monotonic()
    return state["user"]


def _decode(value: Any, *, optional: bool = False) -> bytes | None:
    """Strict base64; None when absent (``optional``) or malformed (raises ValueError)."""
    if value is None and optional:
        return None
    if not isinstance(value, str) or not value:
        raise ValueError("missing")
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise ValueError("not base64") from None


async def _refuse(
    consumer: Any,
    kind: str,
    pk: int,
    msg: dict,
    message: str,
    *,
    reset: bool = False,
    resync: bool = False,
) -> None:
    reply: dict[str, Any] = {
        "error": message,
        "page": kind,
        "id": pk,
        "field": msg.get("field") if isinstance(msg.get("field"), str) else None,
        "action": msg.get("action"),
    }
    if isinstance(reply["field"], str):
        reply["field"] = reply["field"][:64]
    if reset:
        reply["reset"] = True
    if resync:
        reply["resync"] = True
    await consumer.send_json(reply)


async def _call(consumer: Any, where: tuple[str, int, dict], service: Any, **kwargs: Any) -> Any:
    """Run a document service in a worker thread; answer its refusal (or an unexpected
    failure: the database is away) and return None then."""
    kind, pk, msg = where
    try:
        return await database_sync_to_async(service)(**kwargs)
    except documents.DocumentError as exc:
        await _refuse(consumer, kind, pk, msg, exc.message, reset=exc.reset, resync=exc.resync)
    except Exception:
        log.exception("coedit.failed action=%s page=%s id=%s", msg.get("action"), kind, pk)
        await _refuse(consumer, kind, pk, msg, UNAVAILABLE, resync=True)
    return None


async def join(consumer: Any, kind: str, pk: int, msg: dict) -> None:
    entry = documents.field_for(kind, msg.get("field"))
    if entry is None:
        await _refuse(consumer, kind, pk, msg, NOT_COEDITABLE)
        return
    try:
        vector = _decode(msg.get("state_vector"), optional=True)
    except ValueError:
        await _refuse(consumer, kind, pk, msg, "The state vector must be base64.", reset=True)
        return
    user = await _gate_user(consumer)
    sync = await _call(
        consumer,
        (kind, pk, msg),
        documents.join_document,
        actor=user,
        page=kind,
        pk=pk,
        field=entry.field,
        state_vector=vector,
    )
    if sync is None:
        return
    _state(consumer)["joined"][(kind, pk, entry.field)] = (sync.requires, sync.can_edit)
    await consumer.send_json(
        {
            "page": kind,
            "id": pk,
            "event": "doc.sync",
            "sent_at": time.time(),
            "data": {
                "field": entry.field,
                "update": documents.encode(sync.update),
                "state_vector": documents.encode(sync.state_vector),
                "can_edit": sync.can_edit,
                "read_only_reason": sync.refusal,
                "length": sync.length,
                "max_chars": documents.max_chars(),
            },
        }
    )


async def _joined(
    consumer: Any, kind: str, pk: int, msg: dict
) -> tuple[str, tuple[dict, bool]] | None:
    """(field, (requirement, may edit)) of a document this socket joined; else answer and
    None."""
    entry = documents.field_for(kind, msg.get("field"))
    if entry is None:
        await _refuse(consumer, kind, pk, msg, NOT_COEDITABLE)
        return None
    joined = _state(consumer)["joined"].get((kind, pk, entry.field))
    if joined is None:
        await _refuse(consumer, kind, pk, msg, "Join the document first.", resync=True)
        return None
    return entry.field, joined


async def update(consumer: Any, kind: str, pk: int, msg: dict) -> None:
    joined = await _joined(consumer, kind, pk, msg)
    if joined is None:
        return
    try:
        data = _decode(msg.get("update"))
    except ValueError:
        await _refuse(
            consumer, kind, pk, msg, "The update must be a base64 Yjs update.", reset=True
        )
        return
    user = await _gate_user(consumer)
    await _call(
        consumer,
        (kind, pk, msg),
        documents.apply_update,
        actor=user,
        page=kind,
        pk=pk,
        field=joined[0],
        update=data,
    )


def _position(value: Any) -> str | None:
    if isinstance(value, str) and 0 < len(value) <= MAX_POSITION_CHARS:
        try:
            base64.b64decode(value, validate=True)
        except (binascii.Error, ValueError):
            return None
        return value
    return None


async def _announce(
    consumer: Any, kind: str, pk: int, field: str, joined: tuple[dict, bool], **data: Any
) -> None:
    requires, can_edit = joined
    user = consumer.user
    payload = {
        "field": field,
        "client": client_id(consumer.channel_name),
        "can_edit": can_edit,
        "user": {
            "id": user.pk,
            "name": user.get_full_name() or user.get_username(),
            "colour": colour_of(user.pk),
        },
        **data,
    }
    message = realtime.envelope(
        kind, pk, "doc.awareness", payload, requires=requires, origin=consumer.channel_name
    )
    with contextlib.suppress(TRANSIENT):  # best effort; the layer logged the failure
        await consumer.channel_layer.group_send(realtime.group_name(kind, pk), message)


async def awareness(consumer: Any, kind: str, pk: int, msg: dict) -> None:
    joined = await _joined(consumer, kind, pk, msg)
    if joined is None:
        return
    cursor = msg.get("cursor")
    if cursor is not None:
        anchor = _position(cursor.get("anchor")) if isinstance(cursor, dict) else None
        head = _position(cursor.get("head")) if isinstance(cursor, dict) else None
        if anchor is None or head is None:
            await _refuse(consumer, kind, pk, msg, "A cursor is two relative positions.")
            return
        cursor = {"anchor": anchor, "head": head}
    line = msg.get("line")
    if not (isinstance(line, int) and not isinstance(line, bool) and 0 < line < 10**7):
        line = None
    await _announce(consumer, kind, pk, *joined, cursor=cursor, line=line, left=False)


async def leave(consumer: Any, kind: str, pk: int, msg: dict) -> None:
    entry = documents.field_for(kind, msg.get("field"))
    if entry is None:
        await _refuse(consumer, kind, pk, msg, NOT_COEDITABLE)
        return
    field = entry.field
    joined = _state(consumer)["joined"].pop((kind, pk, field), None)
    if joined is None:
        return  # not joined (or left already): nothing to save, nothing to say
    await _announce(consumer, kind, pk, field, joined, cursor=None, line=None, left=True)
    user = await _gate_user(consumer)
    saved = await _call(
        consumer,
        (kind, pk, msg),
        documents.leave_document,
        actor=user,
        page=kind,
        pk=pk,
        field=field,
    )
    if saved is not None:
        await consumer.send_json(
            {
                "page": kind,
                "id": pk,
                "event": "doc.left",
                "sent_at": time.time(),
                "data": {"field": field, "saved": saved},
            }
        )
