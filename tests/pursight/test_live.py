"""The WebSocket feed: authenticated, subscriptions checked through the permission gate."""

from __future__ import annotations

from typing import Any

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from channels.testing import WebsocketCommunicator
from django.contrib.auth.models import AnonymousUser

from pursight.asgi import application

pytestmark = [pytest.mark.django_db(transaction=True)]


def communicator(user):
    comm = WebsocketCommunicator(
        application, "/ws/live/", headers=[(b"origin", b"http://127.0.0.1")]
    )
    comm.scope["user"] = user
    return comm


@pytest.fixture
def run_setup(make_user, make_collection, grant, make_source, shop_db):
    from governance.scans import services

    visible, hidden = make_collection("A"), make_collection("B")
    user = make_user("watcher")
    grant(user, "view_catalog", visible)
    run = services.start_scan(
        actor=None,
        scan=services.default_scan(actor=None, source=make_source(shop_db, collection=visible)),
        enqueue=False,
    )
    other = services.start_scan(
        actor=None,
        scan=services.default_scan(actor=None, source=make_source(shop_db, collection=hidden)),
        enqueue=False,
    )
    return user, run, other


def test_anonymous_socket_is_closed():
    async_to_sync(_anonymous)()


async def _anonymous():
    comm = communicator(AnonymousUser())
    connected, code = await comm.connect()
    assert not connected and code == 4401


def test_subscribe_streams_progress_and_hidden_runs_are_not_found(run_setup):
    async_to_sync(_subscribe)(*run_setup)


async def _subscribe(user, run, other):
    from governance.scans import services

    comm = communicator(user)
    connected, _ = await comm.connect()
    assert connected
    hello = await comm.receive_json_from()
    assert hello["hello"]["user"]["id"] == user.pk and hello["hello"]["socket"]
    await comm.send_json_to({"action": "subscribe", "page": "scanrun", "id": other.pk})
    assert (await comm.receive_json_from()) == {
        "error": "Not found.",
        "page": "scanrun",
        "id": other.pk,
    }
    await comm.send_json_to({"action": "subscribe", "page": "scanrun", "id": run.pk})
    reply = await comm.receive_json_from()
    assert (
        reply["subscribed"] == {"page": "scanrun", "id": run.pk}
        and reply["data"]["state"] == "queued"
    )
    await sync_to_async(services.execute_run)(run.pk)
    states = []
    while True:
        event = await comm.receive_json_from(timeout=5)
        assert event["page"] == "scanrun" and event["id"] == run.pk
        states.append(event["data"]["state"])
        if event["data"]["state"] == "succeeded":
            break
    assert states[0] == "running" and event["data"]["columns_seen"] == 9
    await comm.disconnect()


def test_api_clients_authenticate_with_a_bearer_token(make_user):
    from pursight.core.tokens import create_token

    user = make_user("robot")
    issued = create_token(actor=user, name="feed")
    async_to_sync(_with_token)(issued.raw)


async def _with_token(raw):
    comm = WebsocketCommunicator(
        application,
        "/ws/live/",
        headers=[(b"origin", b"http://127.0.0.1"), (b"authorization", f"Bearer {raw}".encode())],
    )
    connected, _ = await comm.connect()
    assert connected
    await comm.disconnect()
    bad = WebsocketCommunicator(
        application,
        "/ws/live/",
        headers=[(b"origin", b"http://127.0.0.1"), (b"authorization", b"Bearer psk_wrong")],
    )
    connected, code = await bad.connect()
    assert not connected and code == 4401


def test_malformed_frames_are_answered_and_the_socket_stays(run_setup):
    async_to_sync(_malformed)(*run_setup)


async def _malformed(user, run, other):
    comm = communicator(user)
    connected, _ = await comm.connect()
    assert connected
    assert "hello" in await comm.receive_json_from()
    for frame in ("not json", "{", "[" * 100_000, '"a string"', "[1, 2]"):
        await comm.send_to(text_data=frame)
        assert (await comm.receive_json_from())["error"] == "Messages must be JSON objects."
    await comm.send_to(bytes_data=b"\x00\x01")
    assert "binary" in (await comm.receive_json_from())["error"]
    for bad in (
        {"action": "subscribe", "page": "scanrun", "id": True},
        {"action": "subscribe", "page": ["scanrun"], "id": run.pk},
        {"action": "subscribe", "page": "scanrun", "id": 2**70},
        {"action": "subscribe", "page": "scanrun", "id": str(run.pk)},
    ):
        await comm.send_json_to(bad)
        assert (await comm.receive_json_from())["error"] == "Unknown page or id."
    await comm.send_json_to({"action": "x" * 10_000, "page": "scanrun", "id": run.pk})
    reply = await comm.receive_json_from()
    assert reply["error"] == "Unknown action." and len(reply["action"]) == 100
    # Still connected and working.
    await comm.send_json_to({"action": "subscribe", "page": "scanrun", "id": run.pk})
    assert (await comm.receive_json_from())["subscribed"] == {"page": "scanrun", "id": run.pk}
    await comm.disconnect()


def test_a_revoked_reader_stops_receiving_events_at_the_next_one(run_setup, monkeypatch):
    """No timer: the revocation bumps the gate's generation, the next event carries it, and
    only then does the socket ask the gate again (not before, whatever the number of events)."""
    from pursight import consumers

    checks: list[int] = []
    original = consumers._still_visible

    def counted(*args: Any) -> bool:
        checks.append(1)
        return original(*args)

    monkeypatch.setattr(consumers, "_still_visible", counted)
    async_to_sync(_revoked)(*run_setup, checks)


def test_the_safety_net_timer_checks_again_without_a_revocation(run_setup, monkeypatch):
    from pursight import consumers

    monkeypatch.setattr(consumers, "RECHECK_SECONDS", 0.0)
    async_to_sync(_revoked)(*run_setup, None)


async def _revoked(user, run, other, checks):
    from channels.layers import get_channel_layer

    from governance.rbac.models import CollectionUserObjectPermission
    from pursight import realtime

    comm = communicator(user)
    assert (await comm.connect())[0]
    assert "hello" in await comm.receive_json_from()
    await comm.send_json_to({"action": "subscribe", "page": "scanrun", "id": run.pk})
    assert "subscribed" in await comm.receive_json_from()
    layer = get_channel_layer()
    group = realtime.group_name("scanrun", run.pk)

    def event(n: int) -> dict:
        return realtime.envelope("scanrun", run.pk, "progress", {"n": n})

    for n in (1, 2, 3):
        await layer.group_send(group, event(n))
        assert (await comm.receive_json_from())["data"] == {"n": n}
    assert checks in (None, [])  # nothing was revoked: no check
    # The role is revoked: the next event is not delivered; the client is told once.
    await sync_to_async(CollectionUserObjectPermission.objects.filter(user=user).delete)()
    await layer.group_send(group, event(4))
    assert await comm.receive_json_from() == {
        "revoked": {"page": "scanrun", "id": run.pk},
        "error": "Your access to this page ended.",
    }
    assert checks in (None, [1])
    await layer.group_send(group, event(5))
    assert await comm.receive_nothing(timeout=0.3)
    await comm.disconnect()
