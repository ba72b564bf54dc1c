"""Who is on a live page right now (a workspace, an asset): presence.

Each subscribed socket is one entry ``socket -> (user, name, state, last seen)`` of its page.
With ``settings.REDIS_URL`` the entries live in one Redis hash per page, so that every web
process sees the same people; each process refreshes its own sockets' entries every
``PURSIGHT_PRESENCE_TTL / 3`` seconds (a heartbeat) and an entry not refreshed for
``PURSIGHT_PRESENCE_TTL`` seconds (its process crashed) no longer counts and is pruned by the
next heartbeat of any process, which then tells the page. Without Redis an in-process store
does the same for a single process (``make run``).

Several sockets (tabs) of one user count once: a user is ``active`` when one of their sockets
is, else ``idle``. The page's subscribers receive ``presence`` events
``{"users": [{id, name, state}], "version": n}`` when that list changes (debounced: a burst
of joins is one event); ``version`` grows with every change, so that a client receiving two
processes' events out of order keeps the newer one.
"""

from __future__ import annotations

import asyncio
import json
import logging
import threading
import time
import weakref
from collections.abc import Callable
from typing import Any

from channels.db import database_sync_to_async
from django.conf import settings

from pursight import realtime

log = logging.getLogger(__name__)

ACTIVE, IDLE = "active", "idle"
STATES = (ACTIVE, IDLE)
EVENT = "presence"
# A burst of joins or state changes on one page within this time is announced once (seconds).
DEBOUNCE = 0.25
# Redis connections of one web process for presence (per event loop).
MAX_CONNECTIONS = 8


def ttl() -> float:
    """Seconds after which an entry that was not refreshed no longer counts."""
    return float(getattr(settings, "PURSIGHT_PRESENCE_TTL", 45))


def heartbeat_interval() -> float:
    return max(0.05, ttl() / 3)


def _prefix() -> str:
    return str(getattr(settings, "PURSIGHT_PRESENCE_PREFIX", "pursight"))


def page_key(kind: str, pk: int) -> str:
    return f"{_prefix()}:presence:{realtime.group_name(kind, pk)}"


def aggregate(entries: dict[Any, Any], now: float | None = None) -> list[dict[str, Any]]:
    """The people in ``entries`` (socket -> encoded entry), one per user, stale ones left out,
    sorted by name."""
    now = time.time() if now is None else now
    limit = now - ttl()
    users: dict[int, dict[str, Any]] = {}
    for raw in entries.values():
        entry = _decode(raw)
        if entry is None or entry["t"] < limit:
            continue
        user = users.setdefault(entry["u"], {"id": entry["u"], "name": entry["n"], "state": IDLE})
        if entry["s"] == ACTIVE:
            user["state"] = ACTIVE
    return sorted(users.values(), key=lambda u: (u["name"].lower(), u["id"]))


def _encode(user_id: int, name: str, state: str, seen: float) -> str:
    return json.dumps({"u": user_id, "n": name, "s": state, "t": seen})


def _decode(raw: Any) -> dict[str, Any] | None:
    try:
        entry = json.loads(raw)
        return entry if isinstance(entry, dict) and {"u", "n", "s", "t"} <= entry.keys() else None
    except (TypeError, ValueError):
        return None


def _stale(entries: dict[Any, Any], now: float) -> list[Any]:
    limit = now - ttl()
    out = []
    for field, raw in entries.items():
        entry = _decode(raw)
        if entry is None or entry["t"] < limit:
            out.append(field)
    return out


# --- Stores -----------------------------------------------------------------------------------


class MemoryStore:
    """One process' presence (no Redis): the same operations on dictionaries."""

    def __init__(self) -> None:
        self.pages: dict[str, dict[str, str]] = {}
        self.versions: dict[str, int] = {}
        self.lock = threading.Lock()  # loaders read from threads

    def _change(self, key: str, socket: str, value: str | None) -> tuple[list, list]:
        with self.lock:
            entries = self.pages.setdefault(key, {})
            before = aggregate(entries)
            if value is None:
                entries.pop(socket, None)
            else:
                entries[socket] = value
            self.versions[key] = self.versions.get(key, 0) + 1
            after = aggregate(entries)
            if not entries:
                self.pages.pop(key, None)
            return before, after

    async def change(self, key: str, socket: str, value: str | None) -> tuple[list, list]:
        return self._change(key, socket, value)

    async def refresh(self, key: str, values: dict[str, str]) -> int:
        with self.lock:
            entries = self.pages.setdefault(key, {})
            entries.update(values)
            stale = _stale(entries, time.time())
            for field in stale:
                entries.pop(field, None)
            if stale:
                self.versions[key] = self.versions.get(key, 0) + 1
            return len(stale)

    def read(self, key: str) -> tuple[list[dict[str, Any]], int]:
        with self.lock:
            return aggregate(self.pages.get(key, {})), self.versions.get(key, 0)

    async def aread(self, key: str) -> tuple[list[dict[str, Any]], int]:
        return self.read(key)

    async def put_raw(self, key: str, socket: str, value: str) -> None:
        """Write an entry as another process would have (tests)."""
        with self.lock:
            self.pages.setdefault(key, {})[socket] = value


class RedisStore:
    """Presence shared by every web process: a hash per page (socket -> entry) and a version
    counter, both expiring ``2 x TTL`` after the last write (everyone gone, or every process
    dead)."""

    def __init__(self, url: str) -> None:
        self.url = url
        self._sync: Any = None
        # redis.asyncio clients belong to the event loop that created them.
        self._clients: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Any] = (
            weakref.WeakKeyDictionary()
        )

    def client(self) -> Any:
        from redis.asyncio import BlockingConnectionPool, Redis

        loop = asyncio.get_running_loop()
        found = self._clients.get(loop)
        if found is None:
            # A burst of joins or leaves (hundreds of sockets closing at once) waits for one of
            # a few connections instead of opening one each (and failing past the pool's size).
            pool = BlockingConnectionPool.from_url(
                self.url, decode_responses=True, max_connections=MAX_CONNECTIONS, timeout=20
            )
            found = self._clients[loop] = Redis(connection_pool=pool)
        return found

    def sync_client(self) -> Any:
        if self._sync is None:
            from redis import Redis

            self._sync = Redis.from_url(self.url, decode_responses=True)
        return self._sync

    @staticmethod
    def _expiry() -> int:
        return max(1, int(ttl() * 2 + 0.999))

    async def change(self, key: str, socket: str, value: str | None) -> tuple[list, list]:
        vkey = f"{key}:v"
        async with self.client().pipeline(transaction=True) as pipe:
            pipe.hgetall(key)
            if value is None:
                pipe.hdel(key, socket)
            else:
                pipe.hset(key, socket, value)
            pipe.hgetall(key)
            pipe.incr(vkey)
            pipe.expire(key, self._expiry())
            pipe.expire(vkey, self._expiry())
            before, _, after, *_ = await pipe.execute()
        return aggregate(before), aggregate(after)

    async def refresh(self, key: str, values: dict[str, str]) -> int:
        client = self.client()
        async with client.pipeline(transaction=True) as pipe:
            pipe.hset(key, mapping=values)
            pipe.expire(key, self._expiry())
            pipe.expire(f"{key}:v", self._expiry())
            pipe.hgetall(key)
            *_, entries = await pipe.execute()
        stale = _stale(entries, time.time())
        if not stale:
            return 0
        removed = await client.hdel(key, *stale)
        if removed:
            await client.incr(f"{key}:v")
        return int(removed)

    def read(self, key: str) -> tuple[list[dict[str, Any]], int]:
        with self.sync_client().pipeline(transaction=True) as pipe:
            pipe.hgetall(key)
            pipe.get(f"{key}:v")
            entries, version = pipe.execute()
        return aggregate(entries), int(version or 0)

    async def aread(self, key: str) -> tuple[list[dict[str, Any]], int]:
        async with self.client().pipeline(transaction=True) as pipe:
            pipe.hgetall(key)
            pipe.get(f"{key}:v")
            entries, version = await pipe.execute()
        return aggregate(entries), int(version or 0)

    async def put_raw(self, key: str, socket: str, value: str) -> None:
        await self.client().hset(key, socket, value)


_memory = MemoryStore()
_redis: dict[str, RedisStore] = {}


def store() -> MemoryStore | RedisStore:
    """Redis when ``settings.REDIS_URL`` is set, else this process' memory."""
    url = getattr(settings, "REDIS_URL", "") or ""
    if not url:
        return _memory
    if url not in _redis:
        _redis[url] = RedisStore(url)
    return _redis[url]


# --- Reading ----------------------------------------------------------------------------------


def current(kind: str, pk: int) -> dict[str, Any]:
    """``{"users": [...], "version": n}`` of a page, for its initial state (sync: loaders run
    in a thread). A store that cannot be reached answers an empty list."""
    try:
        users, version = store().read(page_key(kind, pk))
    except Exception as exc:  # presence is best effort: the page still loads
        log.warning("presence.read_failed page=%s.%s error=%r", kind, pk, exc)
        users, version = [], 0
    return {"users": users, "version": version}


# --- The consumer's side: join, leave, state, heartbeat ------------------------------------------

# page kind -> callable(pk) returning the requirement presence events carry (sync; may query).
requirements: dict[str, Callable[[int], dict[str, Any] | None]] = {}


def _name(user: Any) -> str:
    return user.get_full_name() or user.get_username()


def _state_of(consumer: Any) -> dict[tuple[str, int], dict[str, Any]]:
    return consumer.__dict__.setdefault("_presence", {})


def _entry(consumer: Any, state: str) -> str:
    user = consumer.user
    return _encode(user.pk, _name(user), state, time.time())


async def join(consumer: Any, kind: str, pk: int) -> None:
    """A socket subscribed to a page (its ``on_join`` hook)."""
    pages = _state_of(consumer)
    finder = requirements.get(kind)
    if finder is None:
        requires = None
    elif getattr(finder, "no_query", False):  # no need to queue for the database thread
        requires = finder(pk)
    else:
        requires = await database_sync_to_async(finder)(pk)
    pages[(kind, pk)] = {"state": ACTIVE, "requires": requires}
    await _change(consumer, kind, pk, _entry(consumer, ACTIVE), requires)
    _ensure_heartbeat(consumer)


async def leave(consumer: Any, kind: str, pk: int) -> None:
    """A socket left a page, was revoked or disconnected (its ``on_leave`` hook)."""
    pages = _state_of(consumer)
    page = pages.pop((kind, pk), None)
    if page is None:
        return
    if not pages:
        task = consumer.__dict__.pop("_presence_task", None)
        if task is not None:
            task.cancel()
    await _change(consumer, kind, pk, None, page["requires"])


async def set_state(consumer: Any, kind: str, pk: int, message: dict[str, Any]) -> None:
    """The ``presence`` action: ``{"action": "presence", "page": ..., "id": ..., "state":
    "idle"|"active"}``."""
    state = message.get("state")
    page = _state_of(consumer).get((kind, pk))
    if state not in STATES:
        await consumer.send_json(
            {"error": "Presence state must be 'active' or 'idle'.", "page": kind, "id": pk}
        )
        return
    if page is None:  # a page without presence
        await consumer.send_json({"error": "This page has no presence.", "page": kind, "id": pk})
        return
    page["state"] = state
    await _change(consumer, kind, pk, _entry(consumer, state), page["requires"])


async def _change(
    consumer: Any, kind: str, pk: int, value: str | None, requires: dict | None
) -> None:
    try:
        before, after = await store().change(page_key(kind, pk), consumer.channel_name, value)
    except Exception as exc:
        log.warning("presence.write_failed page=%s.%s error=%r", kind, pk, exc)
        return
    if before != after:
        announce(consumer.channel_layer, kind, pk, requires=requires, size=len(after))


def _ensure_heartbeat(consumer: Any) -> None:
    task = consumer.__dict__.get("_presence_task")
    if task is None or task.done():
        consumer._presence_task = asyncio.get_running_loop().create_task(_heartbeat(consumer))


async def _heartbeat(consumer: Any) -> None:
    """Refresh this socket's entries; prune the entries nobody refreshed (a dead process)."""
    while True:
        await asyncio.sleep(heartbeat_interval())
        await beat(consumer)


async def beat(consumer: Any) -> None:
    """One heartbeat of one socket (the loop above; tests call it directly)."""
    for (kind, pk), page in list(_state_of(consumer).items()):
        value = _entry(consumer, page["state"])
        try:
            pruned = await store().refresh(page_key(kind, pk), {consumer.channel_name: value})
        except Exception as exc:
            log.warning("presence.heartbeat_failed page=%s.%s error=%r", kind, pk, exc)
            continue
        if pruned:
            announce(consumer.channel_layer, kind, pk, requires=page["requires"])


# --- Announcing -------------------------------------------------------------------------------

# page key -> the pending announcement: a burst of changes is sent once.
_pending: dict[str, asyncio.Task] = {}


def delay(size: int) -> float:
    """How long changes gather before they are announced: the list goes to every subscriber,
    so a crowded page (hundreds of people arriving) is told less often, at most every second."""
    return min(1.0, max(DEBOUNCE, size / 200))


def announce(
    layer: Any, kind: str, pk: int, *, requires: dict | None = None, size: int = 0
) -> None:
    """Send the page its presence list shortly (once for a burst of changes)."""
    loop = asyncio.get_running_loop()
    key = page_key(kind, pk)
    pending = _pending.get(key)
    if pending is not None and pending.get_loop() is loop and not pending.done():
        return
    _pending[key] = loop.create_task(_announce_later(layer, kind, pk, requires, delay(size)))


async def _announce_later(
    layer: Any, kind: str, pk: int, requires: dict | None, wait: float
) -> None:
    key = page_key(kind, pk)
    try:
        await asyncio.sleep(wait)
    finally:
        if _pending.get(key) is asyncio.current_task():
            _pending.pop(key, None)
    await send(layer, kind, pk, requires=requires)


async def send(layer: Any, kind: str, pk: int, *, requires: dict | None = None) -> None:
    """Read the page's presence now and send it to its subscribers."""
    if layer is None:
        return
    try:
        users, version = await store().aread(page_key(kind, pk))
    except Exception as exc:
        log.warning("presence.read_failed page=%s.%s error=%r", kind, pk, exc)
        return
    message = realtime.envelope(
        kind, pk, EVENT, {"users": users, "version": version}, requires=requires
    )
    try:
        await layer.group_send(realtime.group_name(kind, pk), message)
    except Exception as exc:  # the layer logged it; presence is best effort
        log.warning("presence.send_failed page=%s.%s error=%r", kind, pk, exc)
