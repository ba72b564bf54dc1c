"""The live workspace page on the full ASGI application (``WebsocketCommunicator``): who may
subscribe, presence across sockets and users, revocation, events filtered by the gate per
member, the scan progress relay, limits and malformed messages.

Every test runs twice: on the in-memory channel layer with in-process presence, and on the
real Redis channel layer with presence in Redis (skipped without ``REDIS_URL``; CI has it).
"""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from channels.testing import WebsocketCommunicator
from django.contrib.auth.models import AnonymousUser

from pursight import permissions
from racine.workspaces import live, presence
from racine.workspaces import services as ws_services

from ..sockets import WAIT, communicator, connect, next_event, reply

pytestmark = [pytest.mark.django_db(transaction=True)]


@pytest.fixture
def world(make_user, make_collection, grant, make_source, shop_db) -> dict[str, Any]:
    """Alice (owner) sees collections A and X; Bob (editor) sees only A; Carol sees both but
    is not a member. The workspace pins a source of A and a source of X."""
    a, x = make_collection("A"), make_collection("X")
    alice, bob, carol = make_user("alice"), make_user("bob"), make_user("carol")
    alice.first_name, alice.last_name = "Alice", "Martin"
    alice.save()
    for user, collections in ((alice, (a, x)), (bob, (a,)), (carol, (a, x))):
        for c in collections:
            grant(user, "view_catalog", c)
    source_a = make_source(shop_db, collection=a, name="shop-a")
    source_x = make_source(shop_db, collection=x, name="shop-x")
    ws = ws_services.create_workspace(actor=None, name="Customer data")
    ws_services.invite_member(actor=None, workspace=ws, user=alice, role="owner")
    ws_services.invite_member(actor=None, workspace=ws, user=bob, role="editor")
    for source in (source_a, source_x):
        ws_services.pin(actor=None, workspace=ws, target=source)
    for user in (alice, bob, carol):
        permissions.forget(user)
    return {
        "alice": alice,
        "bob": bob,
        "carol": carol,
        "ws": ws,
        "source_a": source_a,
        "source_x": source_x,
    }


async def subscribe(comm: WebsocketCommunicator, pk: int, page: str = "workspace") -> dict:
    await comm.send_json_to({"action": "subscribe", "page": page, "id": pk})
    return await reply(comm)


async def presence_until(comm: WebsocketCommunicator, expected: list[tuple[str, str]]) -> dict:
    """Read presence events until the users are ``[(name, state), ...]`` (in order)."""
    seen = []
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        try:
            event = await next_event(comm, "presence", timeout=deadline - time.monotonic())
        except (TimeoutError, AssertionError):
            break
        users = [(u["name"], u["state"]) for u in event["data"]["users"]]
        seen.append(users)
        if users == expected:
            return event
    raise AssertionError(f"presence never became {expected}; saw {seen}")


async def silent(comm: WebsocketCommunicator, seconds: float = 0.5) -> list[dict]:
    """Messages that arrive within ``seconds`` (none, for a socket that must hear nothing).
    (``receive_nothing`` waits without cancelling the application, unlike a timed-out
    ``receive_json_from``.)"""
    got = []
    while not await comm.receive_nothing(timeout=seconds):
        got.append(await comm.receive_json_from(timeout=WAIT))
    return got


# --- Authentication and refusal ----------------------------------------------------------------


def test_anonymous_sockets_are_closed(layer) -> None:
    async def run() -> None:
        comm = communicator(AnonymousUser())
        connected, code = await comm.connect()
        assert not connected and code == 4401

    async_to_sync(run)()


def test_an_invisible_and_a_missing_workspace_give_the_same_answer(layer, world) -> None:
    ws = world["ws"]

    async def run() -> None:
        comm = await connect(world["carol"])  # reads every collection, not a member
        hidden = await subscribe(comm, ws.pk)
        missing = await subscribe(comm, ws.pk + 1000)
        assert hidden == {"error": "Not found.", "page": "workspace", "id": ws.pk}
        assert missing == {"error": "Not found.", "page": "workspace", "id": ws.pk + 1000}
        # Not subscribed: presence is refused like any action on a page one is not on.
        await comm.send_json_to({"action": "presence", "page": "workspace", "id": ws.pk})
        assert (await reply(comm))["error"] == "Not subscribed."
        await comm.disconnect()

    async_to_sync(run)()


def test_the_initial_state_shows_only_what_the_gate_lets_each_member_see(layer, world) -> None:
    ws, source_a, source_x = world["ws"], world["source_a"], world["source_x"]

    async def run() -> tuple[dict, dict]:
        alice, bob = await connect(world["alice"]), await connect(world["bob"])
        a, b = await subscribe(alice, ws.pk), await subscribe(bob, ws.pk)
        await alice.disconnect()
        await bob.disconnect()
        return a, b

    a, b = async_to_sync(run)()
    assert a["subscribed"] == {"page": "workspace", "id": ws.pk}
    state_a, state_b = a["data"], b["data"]
    assert state_a["workspace"]["name"] == "Customer data"
    assert (state_a["my_role"], state_b["my_role"]) == ("owner", "editor")
    assert state_a["can"] == {"edit": True, "manage": True, "restore": False}
    assert state_b["can"] == {"edit": True, "manage": False, "restore": False}
    assert {m["user"]["username"] for m in state_b["members"]} == {"alice", "bob"}
    pinned = {(p["target"]["type"], p["target"]["id"]) for p in state_a["pins"]}
    assert pinned == {
        ("datasources.datasource", source_a.pk),
        ("datasources.datasource", source_x.pk),
    }
    # Membership never widens governance access: Bob does not see the pin of X's source.
    assert [p["target"]["id"] for p in state_b["pins"]] == [source_a.pk]
    assert set(state_a["findings"]["by_severity"]) == {"critical", "high", "medium", "low"}
    assert "users" in state_a["presence"] and "version" in state_a["presence"]


# --- Presence ---------------------------------------------------------------------------------


def test_presence_join_idle_tabs_and_leave_across_sockets(layer, world) -> None:
    ws = world["ws"]

    async def run() -> None:
        alice = await connect(world["alice"])
        await subscribe(alice, ws.pk)
        await presence_until(alice, [("Alice Martin", "active")])
        bob = await connect(world["bob"])
        joined = await subscribe(bob, ws.pk)
        assert [u["name"] for u in joined["data"]["presence"]["users"]] == ["Alice Martin"]
        both = [("Alice Martin", "active"), ("bob", "active")]
        await presence_until(alice, both)
        await presence_until(bob, both)
        # Bob's second tab: he still counts once.
        bob_tab = await connect(world["bob"])
        second = await subscribe(bob_tab, ws.pk)
        assert [u["name"] for u in second["data"]["presence"]["users"]] == [
            "Alice Martin",
            "bob",
        ]
        # Bob goes idle in one tab: still active in the other.
        await bob.send_json_to(
            {"action": "presence", "page": "workspace", "id": ws.pk, "state": "idle"}
        )
        await bob_tab.send_json_to(
            {"action": "presence", "page": "workspace", "id": ws.pk, "state": "idle"}
        )
        event = await presence_until(alice, [("Alice Martin", "active"), ("bob", "idle")])
        assert all(u["id"] in (world["alice"].pk, world["bob"].pk) for u in event["data"]["users"])
        await bob.send_json_to(
            {"action": "presence", "page": "workspace", "id": ws.pk, "state": "active"}
        )
        await presence_until(alice, both)
        # One tab closes: Bob is still there; the other closes: he has left.
        await bob.disconnect()
        await asyncio.sleep(presence.DEBOUNCE * 3)
        state = await sync_to_async(presence.current)("workspace", ws.pk)
        assert [(u["name"], u["state"]) for u in state["users"]] == [
            ("Alice Martin", "active"),
            ("bob", "idle"),
        ]
        await bob_tab.disconnect()
        await presence_until(alice, [("Alice Martin", "active")])
        # The versions grow: a client keeps the newest list whatever the order of arrival.
        later = await sync_to_async(presence.current)("workspace", ws.pk)
        assert later["version"] > state["version"]
        await alice.disconnect()
        final = await sync_to_async(presence.current)("workspace", ws.pk)
        assert final["users"] == []

    async_to_sync(run)()


def test_a_bad_presence_state_is_refused(layer, world) -> None:
    ws = world["ws"]

    async def run() -> None:
        alice = await connect(world["alice"])
        await subscribe(alice, ws.pk)
        for state in ("away", None, 3, ["idle"]):
            await alice.send_json_to(
                {"action": "presence", "page": "workspace", "id": ws.pk, "state": state}
            )
            assert (await reply(alice))["error"] == "Presence state must be 'active' or 'idle'."
        await alice.disconnect()

    async_to_sync(run)()


def test_the_users_of_a_crashed_process_disappear_after_the_ttl(layer, world, settings) -> None:
    """Another process' socket whose entry is no longer refreshed (the process died) stops
    counting after the TTL, and a heartbeat of a live socket tells the page."""
    settings.PURSIGHT_PRESENCE_TTL = 0.9
    ws, carol = world["ws"], world["carol"]

    async def run() -> None:
        alice = await connect(world["alice"])
        await subscribe(alice, ws.pk)
        await presence_until(alice, [("Alice Martin", "active")])
        key = presence.page_key("workspace", ws.pk)
        entry = presence._encode(carol.pk, "Ghost", "active", time.time())
        await presence.store().put_raw(key, "another-process!socket", entry)
        state = await sync_to_async(presence.current)("workspace", ws.pk)
        assert [u["name"] for u in state["users"]] == ["Alice Martin", "Ghost"]
        # Nobody refreshes the ghost; Alice's heartbeat (every TTL/3) prunes it and says so.
        await presence_until(alice, [("Alice Martin", "active")])
        state = await sync_to_async(presence.current)("workspace", ws.pk)
        assert [u["name"] for u in state["users"]] == ["Alice Martin"]
        await alice.disconnect()

    async_to_sync(run)()


def test_an_asset_page_has_presence_and_hides_what_the_gate_hides(layer, world) -> None:
    source_x = world["source_x"]

    async def run() -> None:
        alice, bob = await connect(world["alice"]), await connect(world["bob"])
        page = "datasources.datasource"
        seen = await subscribe(alice, source_x.pk, page)
        assert seen["data"]["object"]["name"] == "shop-x"
        assert (await subscribe(bob, source_x.pk, page)) == {
            "error": "Not found.",
            "page": page,
            "id": source_x.pk,
        }
        event = await next_event(alice, "presence")
        assert [u["name"] for u in event["data"]["users"]] == ["Alice Martin"]
        await alice.disconnect()
        await bob.disconnect()

    async_to_sync(run)()


# --- Revocation and per-member filtering ---------------------------------------------------------


def test_a_removed_member_is_told_and_stops_receiving(layer, world) -> None:
    ws, source_a = world["ws"], world["source_a"]

    async def run() -> None:
        alice, bob = await connect(world["alice"]), await connect(world["bob"])
        await subscribe(alice, ws.pk)
        await subscribe(bob, ws.pk)
        both = [("Alice Martin", "active"), ("bob", "active")]
        await presence_until(alice, both)
        await sync_to_async(ws_services.remove_member)(actor=None, workspace=ws, user=world["bob"])
        revoked = await reply(bob)
        assert revoked["revoked"] == {"page": "workspace", "id": ws.pk}
        assert revoked["error"] == "Your access to this page ended."
        await presence_until(alice, [("Alice Martin", "active")])
        await sync_to_async(_broadcast)(source_a, "activity", {"summary": "after removal"})
        assert (await next_event(alice, "activity"))["data"]["summary"] == "after removal"
        assert [m for m in await silent(bob) if m.get("event") == "activity"] == []
        # Subscribing again is refused like a missing workspace.
        assert (await subscribe(bob, ws.pk))["error"] == "Not found."
        await alice.disconnect()
        await bob.disconnect()

    async_to_sync(run)()


def _broadcast(obj: Any, event: str, payload: dict) -> None:
    from django.db import transaction

    with transaction.atomic():
        live.broadcast(obj, event, payload)


def test_an_event_about_an_asset_hidden_from_one_member_reaches_only_the_other(
    layer, world
) -> None:
    ws, source_a, source_x = world["ws"], world["source_a"], world["source_x"]

    async def run() -> None:
        alice, bob = await connect(world["alice"]), await connect(world["bob"])
        await subscribe(alice, ws.pk)
        await subscribe(bob, ws.pk)
        await sync_to_async(_broadcast)(source_x, "activity", {"summary": "about X"})
        await sync_to_async(_broadcast)(source_a, "activity", {"summary": "about A"})
        got_alice = [
            (await next_event(alice, "activity"))["data"]["summary"],
            (await next_event(alice, "activity"))["data"]["summary"],
        ]
        assert got_alice == ["about X", "about A"]
        # Bob's first activity event is the one about A: the one about X never reached him.
        assert (await next_event(bob, "activity"))["data"]["summary"] == "about A"
        await alice.disconnect()
        await bob.disconnect()

    async_to_sync(run)()


def test_scan_progress_reaches_the_workspaces_pinning_the_source(
    layer, world, django_assert_num_queries
) -> None:
    from governance.scans import services as scans

    ws, source_a, source_x = world["ws"], world["source_a"], world["source_x"]

    def scan(source: Any) -> Any:
        run = scans.start_scan(
            actor=None, scan=scans.default_scan(actor=None, source=source), enqueue=False
        )
        return scans.execute_run(run.pk)

    async def run() -> tuple[Any, Any]:
        alice, bob = await connect(world["alice"]), await connect(world["bob"])
        await subscribe(alice, ws.pk)
        await subscribe(bob, ws.pk)
        run_x = await sync_to_async(scan)(source_x)
        run_a = await sync_to_async(scan)(source_a)
        seen_alice: dict[int, list] = {}
        while run_a.pk not in seen_alice or seen_alice[run_a.pk][-1] != "succeeded":
            event = await next_event(alice, "scan_progress")
            data = event["data"]
            seen_alice.setdefault(data["run"], []).append(data["state"])
        assert seen_alice[run_x.pk][-1] == "succeeded"
        first_bob = await next_event(bob, "scan_progress")
        # Bob does not see source X: its run's progress never reached him.
        assert first_bob["data"]["run"] == run_a.pk
        assert first_bob["data"]["datasource"] == {"id": source_a.pk, "name": "shop-a"}
        await alice.disconnect()
        await bob.disconnect()
        return run_a, run_x

    run_a, _run_x = async_to_sync(run)()
    live.scan_progress("scanrun", run_a.pk, "progress", {"state": "running"}, None)  # warm caches
    with django_assert_num_queries(1):
        relayed = live.scan_progress("scanrun", run_a.pk, "progress", {"state": "running"}, None)
    assert [(k, pk, e) for k, pk, e, _data, _req in relayed] == [
        ("workspace", ws.pk, "scan_progress")
    ]
    assert relayed[0][4] == permissions.requirement(run_a)
    assert live.scan_progress("scanrun", run_a.pk, "log", {}, None) == []


# --- Limits and malformed messages -------------------------------------------------------------


def test_rate_limit_and_oversized_frames_are_answered_and_the_socket_stays(
    layer, world, settings
) -> None:
    settings.PURSIGHT_WS_RATE = 1
    settings.PURSIGHT_WS_BURST = 4
    settings.PURSIGHT_WS_MAX_MESSAGE_BYTES = 1024
    ws = world["ws"]

    async def run() -> None:
        alice = await connect(world["alice"])
        big = json.dumps({"action": "presence", "page": "workspace", "id": ws.pk, "x": "y" * 2000})
        await alice.send_to(text_data=big)
        answer = await reply(alice)
        assert (
            answer["error"] == "Message too large (at most 1024 bytes)." and answer["size"] > 1024
        )
        assert (await subscribe(alice, ws.pk))["subscribed"]
        idle = {"action": "presence", "page": "workspace", "id": ws.pk, "state": "idle"}
        answers = []
        for _ in range(6):
            await alice.send_json_to(idle)
        answers = [m for m in await silent(alice, 0.4) if "error" in m]
        assert any(m.get("rate_limited") for m in answers)
        await asyncio.sleep(1.2)  # the bucket refills
        assert (await subscribe(alice, ws.pk))["subscribed"]
        await alice.disconnect()

    async_to_sync(run)()


def test_malformed_messages_get_an_error_and_never_kill_the_consumer(layer, world) -> None:
    ws = world["ws"]

    async def run() -> None:
        alice = await connect(world["alice"])
        for frame in ("not json", "[1, 2]", '"text"'):
            await alice.send_to(text_data=frame)
            assert (await reply(alice))["error"] == "Messages must be JSON objects."
        for bad in (
            {"action": "subscribe", "page": "workspace", "id": "1"},
            {"action": "subscribe", "page": "workspace", "id": -4},
            {"action": "subscribe", "page": "no-such-page", "id": ws.pk},
            {"action": "presence", "page": "workspace"},
        ):
            await alice.send_json_to(bad)
            assert (await reply(alice))["error"] == "Unknown page or id."
        await alice.send_json_to({"action": "dance", "page": "workspace", "id": ws.pk})
        assert (await reply(alice))["error"] == "Unknown action."
        assert (await subscribe(alice, ws.pk))["subscribed"] == {"page": "workspace", "id": ws.pk}
        await alice.disconnect()

    async_to_sync(run)()
